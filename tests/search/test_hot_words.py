"""Text queries that do not count facets row by row.

One-word queries for the index's most frequent words read counts made by
``optimize``; queries of plain words count with ts_stat() and rank only the
datasets whose small vector holds a word. Every test compares their answers
with those of the one-scan count (a filter on ``name:*`` makes a query leave
the hot word path, a facet on a field without kept counts the other).
"""
from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import event

import ckan.model as model
from ckan.lib.search.common import make_connection
from ckan.tests import factories, helpers

from ckanext.opendatalocale.search import ddl

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "opendatalocale_search"),
    pytest.mark.ckan_config("ckanext.opendatalocale.search.hot_word_min_documents", "2"),
    pytest.mark.usefixtures("with_plugins", "odl_db"),
]
FACETS = '["organization", "tags", "res_format", "license_id"]'


@contextlib.contextmanager
def statements():
    """The SQL statements run meanwhile."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(model.meta.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(model.meta.engine, "before_cursor_execute", record)


def _search(user, **params):
    context = {"user": user["name"] if user else "", "ignore_auth": False}
    return helpers.call_action("package_search", context=context, include_private=True, **params)


def _hot(seen):
    # The hot word statement runs for every one-word query; only a miss goes
    # on to count the matches.
    return any(ddl.HOT_FACET_TABLE in s for s in seen) and not _scanned(seen)


def _scanned(seen):
    # Counted over the matches: by ts_stat() (plain words) or in one scan.
    return any("MATERIALIZED" in s or "ts_stat(" in s for s in seen)


@pytest.fixture
def territory():
    """Budget datasets of two communes: some say "budget" in their title (ranked
    above the others), some only in their notes; a few are private."""
    member = factories.User()
    org_a = factories.Organization(name="commune-a", users=[{"name": member["name"], "capacity": "member"}])
    org_b = factories.Organization(name="commune-b")
    for i in range(9):
        factories.Dataset(
            name=f"jeu-{i}", owner_org=(org_a, org_b)[i % 2]["id"], private=(i in (4, 7)),
            title=f"Budget primitif {2015 + i}" if i % 3 == 0 else f"Comptes de la commune {i}",
            notes="Le budget voté par le conseil municipal." if i % 3 else "Document budgétaire.",
            license_id=("odc-odbl", "cc-by")[i % 2],
            tags=[{"name": "finances"}, {"name": f"annee-{i % 3}"}],
            resources=[{"url": "http://x/y", "format": ("CSV", "JSON")[i % 2]}])
    factories.Dataset(name="menus", title="Menus de la cantine", owner_org=org_a["id"])
    make_connection().optimize()
    return {"member": member, "org_a": org_a}


def test_a_frequent_word_is_answered_from_the_counts_exactly_as_by_counting(territory):
    sysadmin = factories.Sysadmin()
    for user in (None, territory["member"], sysadmin):
        for word in ("budget", "Budget", "commune", "finances"):
            with statements() as seen:
                hot = _search(user, q=word, rows=20, **{"facet.field": FACETS})
            assert _hot(seen) and not _scanned(seen), word
            with statements() as seen:
                counted = _search(user, q=word, fq="name:*", rows=20, **{"facet.field": FACETS})
            assert _scanned(seen)
            assert hot["count"] == counted["count"] > 0
            assert hot["facets"] == counted["facets"]
            assert [d["name"] for d in hot["results"]] == [d["name"] for d in counted["results"]]


def test_private_datasets_stay_out_of_the_counts_of_who_may_not_see_them(territory):
    anonymous = _search(None, q="budget", **{"facet.field": '["organization"]'})
    member = _search(territory["member"], q="budget", **{"facet.field": '["organization"]'})
    # jeu-4 (commune-a) and jeu-7 (commune-b) are private; the member is in commune-a.
    assert anonymous["count"] == 7
    assert "jeu-4" not in [d["name"] for d in anonymous["results"]]
    assert member["count"] == 8
    assert member["facets"]["organization"] == {"commune-a": 5, "commune-b": 3}
    assert anonymous["facets"]["organization"] == {"commune-a": 4, "commune-b": 3}


@pytest.mark.parametrize("sort", [None, "score desc, metadata_modified desc", "name asc", "metadata_modified desc"])
def test_pages_cross_from_ranked_to_unranked_datasets_like_the_full_count(territory, sort):
    params = {"q": "budget", "rows": 2, **({"sort": sort} if sort else {})}
    hot_names, counted_names = [], []
    for start in range(0, 12, 2):
        hot_names += [d["name"] for d in _search(territory["member"], start=start, **params)["results"]]
        counted_names += [d["name"] for d in
                          _search(territory["member"], start=start, fq="name:*", **params)["results"]]
    assert hot_names == counted_names
    assert len(hot_names) == len(set(hot_names)) == 8
    if not sort or sort.startswith("score"):
        # The datasets that say "budget" in their title come first.
        assert set(hot_names[:3]) == {"jeu-0", "jeu-3", "jeu-6"}


def test_a_write_sends_queries_back_to_counting_until_the_next_optimize(territory):
    factories.Dataset(name="budget-annexe", title="Budget annexe", owner_org=territory["org_a"]["id"])
    with statements() as seen:
        result = _search(None, q="budget", **{"facet.field": FACETS})
    assert _scanned(seen) and not _hot(seen)
    assert result["count"] == 8
    helpers.call_action("dataset_purge", id="jeu-0")
    assert _search(None, q="budget")["count"] == 7

    make_connection().optimize()
    with statements() as seen:
        result = _search(None, q="budget", **{"facet.field": FACETS})
    assert _hot(seen)
    assert result["count"] == 7
    assert "budget-annexe" in [d["name"] for d in result["results"]]


def test_queries_other_than_one_word_count_their_matches(territory):
    for params in ({"q": "budget municipal"}, {"q": "title:budget"}, {"q": "budget", "fq": "tags:finances"},
                   {"q": "budget", "facet.field": '["num_resources"]'}, {"q": "budg*"}):
        with statements() as seen:
            _search(None, **params)
        assert _scanned(seen), params


def test_rare_words_are_not_counted_in_advance(territory):
    with model.meta.engine.begin() as conn:
        words = {text for (text,) in conn.exec_driver_sql(f"SELECT query_text FROM {ddl.HOT_WORD_TABLE}")}
    assert "'budget' | 'budget'" in words
    assert not any("cantin" in w for w in words)  # one dataset only: under the minimum of 2
    with statements() as seen:
        assert _search(None, q="cantine")["count"] == 1
    assert not _hot(seen)


@pytest.mark.ckan_config("ckanext.opendatalocale.search.hot_words", "0")
def test_hot_words_can_be_turned_off(territory):
    with model.meta.engine.begin() as conn:
        assert conn.exec_driver_sql(f"SELECT count(*) FROM {ddl.HOT_WORD_TABLE}").scalar() == 0
        assert conn.exec_driver_sql(f"SELECT count(*) FROM {ddl.HOT_FACET_TABLE}").scalar() == 0
    assert _search(None, q="budget")["count"] == 7


@pytest.mark.parametrize("q", ["budget municipal", "commune", "budget conseil", "Comptes budget"])
@pytest.mark.parametrize("sort", [None, "name asc"])
def test_plain_words_count_with_ts_stat_exactly_as_the_one_scan_count(territory, q, sort):
    sysadmin = factories.Sysadmin()
    extra = {"sort": sort} if sort else {}
    for user in (None, territory["member"], sysadmin):
        for start in (0, 2, 4, 6):
            with statements() as seen:
                stat = _search(user, q=q, rows=2, start=start, fq="name:*", **extra, **{"facet.field": FACETS})
            assert any("ts_stat(" in s for s in seen) and not any("MATERIALIZED" in s for s in seen)
            with statements() as seen:
                scanned = _search(user, q=q, rows=2, start=start, fq="name:*", **extra,
                                  **{"facet.field": FACETS[:-1] + ', "num_resources"]'})
            assert any("MATERIALIZED" in s for s in seen)
            assert stat["count"] == scanned["count"]
            assert stat["facets"] == {k: v for k, v in scanned["facets"].items() if k != "num_resources"}
            assert [d["name"] for d in stat["results"]] == [d["name"] for d in scanned["results"]], (user, start)


def test_words_with_digits_or_fields_are_counted_in_one_scan(territory):
    for q in ("budget 2015", "title:budget", '"budget primitif"', "budg*"):
        with statements() as seen:
            _search(None, q=q, fq="name:*", **{"facet.field": FACETS})
        assert any("MATERIALIZED" in s for s in seen), q


def test_quotes_in_filters_reach_ts_stat_as_data(territory):
    # ts_stat() runs the matching query as text: the values of the filters
    # are quoted into it. Hostile ones must stay data.
    expected = _search(None, q="commune", fq="name:*")["count"]
    for value in ("l'eau", "x' OR '1'='1", "x'; DROP TABLE package; --", "x\\'; SELECT pg_sleep(5); --"):
        fq = f'name:* -name:"{value}" -license_id:"{value}"'
        with statements() as seen:
            result = _search(None, q="commune", fq=fq, **{"facet.field": FACETS})
        assert any("ts_stat(" in s for s in seen), value
        assert result["count"] == expected, value
    assert helpers.call_action("package_show", id="jeu-0")["name"] == "jeu-0"
