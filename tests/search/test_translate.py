"""The Lucene → SQL translator on its own (no database)."""
from __future__ import annotations

import datetime as dt

import pytest

from ckanext.opendatalocale.search import datemath
from ckanext.opendatalocale.search.translate import (
    QueryError, SqlQuery, translate_filter, translate_main_query, translate_sort,
)


def _filter(text):
    sql = SqlQuery()
    return translate_filter(text, sql), sql.params


@pytest.mark.parametrize("bad", [
    '"unbalanced', "(a OR b", "a OR (b", "--included", "title:", "{!lucene}x",
])
def test_unparsable_queries_are_errors(bad):
    with pytest.raises(QueryError):
        translate_filter(bad, SqlQuery())


def test_user_values_never_reach_the_sql_text():
    hostile = "x'); DROP TABLE package; --"
    where, params = _filter(f'title:"{hostile}" OR name:"{hostile}"')
    assert "DROP" not in where
    assert any("DROP" in str(v) for v in params.values())


def test_field_names_are_checked():
    with pytest.raises(QueryError):
        translate_filter('bad\\;field:x', SqlQuery())


def test_tag_and_ex_local_params_are_accepted():
    where, _ = _filter("{!tag=orgs}organization:ville-de-vannes")
    assert "d.fields @>" in where


@pytest.mark.parametrize("count,needed", [(1, 1), (2, 2), (3, 2), (5, 4), (10, 8)])
def test_free_text_minimum_should_match(count, needed):
    words = " ".join(f"mot{i}" for i in range(count))
    where = translate_main_query(words, SqlQuery(), fielded=False)
    if needed == count:
        assert ">=" not in where
    else:
        assert f">= {needed})" in where


def test_sort_rejects_garbage():
    for garbage in ("name sideways", "drop table", "name asc; select 1", "1 desc"):
        with pytest.raises(QueryError, match="Sort Order"):
            translate_sort(garbage, SqlQuery(), "0")


def test_sort_known_fields():
    sql = SqlQuery()
    order = translate_sort("score desc, metadata_modified desc, title_string asc", sql, "RANK")
    assert order[0] == "RANK DESC NULLS LAST"
    assert order[1].startswith("d.metadata_modified")
    assert "COLLATE" in order[2]


def test_date_math():
    now = dt.datetime(2026, 11, 23, 15, 30, 12, tzinfo=dt.timezone.utc)
    assert datemath.parse_date("NOW/DAY", now) == dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc)
    assert datemath.parse_date("NOW-1DAY", now) == now - dt.timedelta(days=1)
    assert datemath.parse_date("NOW/MONTH+1MONTH", now) == dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
    assert datemath.parse_date("2024-01-31T00:00:00Z+1MONTH") == dt.datetime(2024, 2, 29, tzinfo=dt.timezone.utc)
    with pytest.raises(datemath.DateMathError):
        datemath.parse_date("NOW-1FORTNIGHT", now)
