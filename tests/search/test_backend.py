"""CKAN on the PostgreSQL search backend, through CKAN's own actions and views."""
from __future__ import annotations

import pytest

import ckan.lib.search as search
import ckan.logic as logic
import ckan.model as model
from ckan.lib.search.common import make_connection
from ckan.tests import factories, helpers

from ckanext.opendatalocale.search.connection import PostgresSolr

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "opendatalocale_search"),
    pytest.mark.usefixtures("with_plugins", "odl_db"),
]


def _search(**params):
    return helpers.call_action("package_search", **params)


def _names(result):
    return sorted(d["name"] for d in result["results"])


def test_ckan_uses_the_postgres_connection():
    assert isinstance(make_connection(), PostgresSolr)
    # CKAN's start-up check passes without any Solr server.
    assert search.check_solr_schema_version() is True


def test_organisation_and_dataset_creation_work_without_solr():
    org = factories.Organization(name="ville-de-vannes")
    dataset = factories.Dataset(owner_org=org["id"], title="Budget primitif 2024")
    shown = helpers.call_action("organization_show", id=org["id"], include_datasets=True)
    assert shown["package_count"] == 1
    assert shown["packages"][0]["id"] == dataset["id"]


def test_french_stemming_and_accents():
    factories.Dataset(name="budget-2024", title="Budget de la commune", notes="Délibérations municipales")
    factories.Dataset(name="menus", title="Menus des cantines")
    assert _names(_search(q="budgets")) == ["budget-2024"]
    assert _names(_search(q="deliberation")) == ["budget-2024"]
    assert _names(_search(q="DÉLIBÉRATIONS")) == ["budget-2024"]


def test_fielded_query_and_or():
    factories.Dataset(name="a1", title="Subventions aux associations")
    factories.Dataset(name="b1", title="Equipements sportifs")
    factories.Dataset(name="c1", title="Prenoms des nouveau-nes")
    assert _names(_search(q="title:subventions")) == ["a1"]
    assert _names(_search(q="subventions OR equipements")) == ["a1", "b1"]
    assert _names(_search(q="title:subventions OR title:prenoms")) == ["a1", "c1"]


def test_negated_filters_exclude():
    factories.Dataset(name="with-csv", resources=[{"url": "http://x/a.csv", "format": "CSV"}])
    factories.Dataset(name="with-json", resources=[{"url": "http://x/a.json", "format": "JSON"}])
    factories.Dataset(name="no-resource")
    assert _names(_search(fq="-res_format:CSV")) == ["no-resource", "with-json"]
    assert _names(_search(fq="res_format:CSV")) == ["with-csv"]


def test_facets_return_exact_counts():
    org_a = factories.Organization(name="org-a")
    org_b = factories.Organization(name="org-b")
    for i in range(3):
        factories.Dataset(owner_org=org_a["id"], tags=[{"name": "budget"}, {"name": f"t{i}"}])
    factories.Dataset(owner_org=org_b["id"], tags=[{"name": "budget"}])
    result = _search(**{"facet.field": '["organization", "tags"]', "facet.limit": 10})
    facets = result["facets"]
    assert facets["organization"] == {"org-a": 3, "org-b": 1}
    assert facets["tags"]["budget"] == 4
    assert facets["tags"]["t0"] == 1
    # facet.mincount and facet.limit are honoured
    limited = _search(**{"facet.field": '["tags"]', "facet.limit": 1})
    assert limited["facets"]["tags"] == {"budget": 4}


def test_tags_filter_and_rows_zero():
    factories.Dataset(name="tagged", tags=[{"name": "irve"}])
    factories.Dataset(name="untagged")
    result = _search(fq="tags:irve", rows=0)
    assert result["count"] == 1
    assert result["results"] == []


def test_dataset_types_are_found():
    factories.Dataset(name="harvest-source-x", type="harvest")
    factories.Dataset(name="scheming-type", type="deliberations")
    factories.Dataset(name="plain")
    assert _names(_search(fq="dataset_type:harvest")) == ["harvest-source-x"]
    assert _names(_search(fq="+dataset_type:deliberations")) == ["scheming-type"]
    assert _search(fq="dataset_type:*", include_private=True)["count"] >= 3


def test_date_ranges_and_sort():
    first = factories.Dataset(name="first")
    second = factories.Dataset(name="second")
    result = _search(sort="metadata_modified desc")
    assert [d["name"] for d in result["results"]][:2] == ["second", "first"]
    result = _search(sort="name asc")
    assert [d["name"] for d in result["results"]] == ["first", "second"]
    recent = _search(fq="metadata_modified:[NOW-1DAY TO NOW+1DAY]")
    assert recent["count"] == 2
    assert _search(fq="metadata_modified:[* TO NOW-1YEAR]")["count"] == 0
    assert first["id"] != second["id"]


def test_wildcards():
    factories.Dataset(name="budget-vannes", title="Budget Vannes")
    factories.Dataset(name="menus-lorient", title="Menus Lorient")
    assert _names(_search(q="name:budget-*")) == ["budget-vannes"]
    assert _names(_search(q="title:bud*")) == ["budget-vannes"]


class TestPermissions:
    def test_private_datasets_never_leak(self):
        member = factories.User()
        stranger = factories.User()
        org = factories.Organization(users=[{"name": member["name"], "capacity": "member"}])
        factories.Dataset(owner_org=org["id"], name="public-one", tags=[{"name": "shared"}])
        factories.Dataset(owner_org=org["id"], name="secret-one", private=True,
                          tags=[{"name": "shared"}, {"name": "secret-tag"}])

        def as_user(user):
            context = {"user": user["name"] if user else "", "ignore_auth": False}
            return helpers.call_action("package_search", context=context, include_private=True,
                                       **{"facet.field": '["tags"]'})

        for outsider in (None, stranger):
            result = as_user(outsider)
            assert _names(result) == ["public-one"]
            assert result["count"] == 1
            assert "secret-tag" not in result["facets"]["tags"]
            assert result["facets"]["tags"]["shared"] == 1
        inside = as_user(member)
        assert _names(inside) == ["public-one", "secret-one"]
        assert inside["facets"]["tags"]["shared"] == 2

    def test_count_matches_rows_a_user_can_page_through(self):
        org = factories.Organization()
        for i in range(7):
            factories.Dataset(owner_org=org["id"], private=(i % 3 == 0))
        result = helpers.call_action("package_search", context={"user": "", "ignore_auth": False},
                                     include_private=True, rows=2)
        seen = []
        for start in range(0, result["count"] + 4, 2):
            page = helpers.call_action("package_search", context={"user": "", "ignore_auth": False},
                                       include_private=True, rows=2, start=start)
            seen += [d["id"] for d in page["results"]]
        assert len(seen) == len(set(seen)) == result["count"] == 4


class TestBadInput:
    @pytest.mark.parametrize("q", ['"unbalanced', "(a OR b", "title:(x", "--included"])
    def test_unparsable_query_is_a_search_error(self, q):
        factories.Dataset()
        with pytest.raises(search.SearchError):
            _search(q=q)

    @pytest.mark.parametrize("sort", ["name sideways", "garbage", "name asc, ; drop table package"])
    def test_garbage_sort_is_a_validation_error(self, sort):
        with pytest.raises((logic.ValidationError, search.SearchQueryError)):
            _search(sort=sort)

    @pytest.mark.parametrize("rows", [-1, "abc", 10 ** 9])
    def test_bad_rows(self, rows):
        factories.Dataset()
        if rows == 10 ** 9:
            # CKAN caps rows at ckan.search.rows_max rather than failing.
            assert _search(rows=rows)["count"] == 1
        else:
            with pytest.raises(logic.ValidationError):
                _search(rows=rows)

    def test_unknown_field_matches_nothing(self):
        factories.Dataset()
        assert _search(fq="no_such_field:value")["count"] == 0

    @pytest.mark.parametrize("payload", [
        "x' OR '1'='1", "x\"); DROP TABLE package; --", "title:x' UNION SELECT 1 --",
        "name:\\' OR 1=1", "{!tag=x}name:\"a'; DELETE FROM package; --\"",
    ])
    def test_sql_injection_is_inert(self, payload):
        factories.Dataset(name="survivor")
        for params in ({"q": payload}, {"fq": payload}):
            try:
                _search(**params)
            except (search.SearchError, logic.ValidationError):
                pass
        with pytest.raises((logic.ValidationError, search.SearchError, search.SearchQueryError)):
            _search(sort=payload)
        try:
            _search(**{"facet.field": f'["{payload}"]'})
        except (search.SearchError, logic.ValidationError):
            pass
        assert model.Session.query(model.Package).count() == 1
        assert _names(_search()) == ["survivor"]

    def test_api_returns_search_error_not_500(self, app):
        factories.Dataset()
        response = app.get("/api/3/action/package_search", query_string={"q": '"unbalanced'},
                           status=409)
        assert response.json["success"] is False and "Cannot parse query" in response.json["error"]["message"]


class TestIndexMaintenance:
    def test_update_delete_purge_follow_the_dataset(self):
        dataset = factories.Dataset(name="lifecycle", title="Avant")
        helpers.call_action("package_patch", id=dataset["id"], title="Après")
        assert _names(_search(q="apres")) == ["lifecycle"]
        helpers.call_action("package_delete", id=dataset["id"])
        assert _search(q="apres")["count"] == 0
        helpers.call_action("dataset_purge", id=dataset["id"])
        assert search.query_for(model.Package).get_all_entity_ids() == []

    def test_rebuild_clear_and_check(self):
        dataset = factories.Dataset(name="rebuilt")
        search.clear_all()
        assert _search()["count"] == 0
        search.rebuild()
        assert _names(_search()) == ["rebuilt"]
        assert search.show(dataset["id"])["name"] == "rebuilt"

    def test_missing_table_is_recreated(self):
        factories.Dataset(name="before-drop")
        with model.meta.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE opendatalocale_search_index CASCADE")
        search.rebuild()
        assert _names(_search()) == ["before-drop"]

    def test_delete_by_query_as_harvest_does(self):
        dataset = factories.Dataset(name="to-remove")
        make_connection().delete(q=f'id:"{dataset["id"]}"')
        assert _search()["count"] == 0


def test_search_page_and_facets_in_the_ui(app):
    org = factories.Organization(title="Commune de Vannes")
    factories.Dataset(owner_org=org["id"], title="Budget primitif", tags=[{"name": "finances"}])
    page = app.get("/dataset/", query_string={"q": "budgets"})
    assert "Budget primitif" in page.body
    assert "finances" in page.body
    home = app.get("/")
    assert home.status_code == 200
    assert app.get("/organization/").status_code == 200
    assert "Budget primitif" in app.get(f"/organization/{org['name']}").body


def test_kept_facet_counts_match_counts_computed_on_the_fly():
    """Listings read kept counts; any other query computes them: both must agree."""
    member = factories.User()
    org_a = factories.Organization(users=[{"name": member["name"], "capacity": "member"}])
    org_b = factories.Organization()
    datasets = []
    for i in range(8):
        datasets.append(factories.Dataset(
            owner_org=(org_a if i % 2 else org_b)["id"], private=(i % 3 == 0),
            tags=[{"name": f"tag{i % 3}"}, {"name": "common"}],
            resources=[{"url": "http://x/y", "format": "CSV" if i % 2 else "JSON"}]))
    helpers.call_action("package_patch", id=datasets[1]["id"], private=True, tags=[{"name": "moved"}])
    helpers.call_action("package_patch", id=datasets[0]["id"], private=False)
    helpers.call_action("package_delete", id=datasets[2]["id"])
    helpers.call_action("dataset_purge", id=datasets[4]["id"])
    facets = '["organization", "tags", "res_format", "license_id"]'
    for user in ("", member["name"]):
        context = {"user": user, "ignore_auth": False}
        kept = helpers.call_action("package_search", context=dict(context), include_private=True,
                                   **{"facet.field": facets})
        computed = helpers.call_action("package_search", context=dict(context), include_private=True,
                                       fq="name:*", **{"facet.field": facets})
        assert kept["count"] == computed["count"] > 0
        assert kept["facets"] == computed["facets"]


class TestTextQueryFacets:
    """A query with words computes count, facets and page from one scan of its rows."""

    def _datasets(self):
        org_a = factories.Organization(name="org-a")
        org_b = factories.Organization(name="org-b")
        for i in range(5):
            factories.Dataset(name=f"budget-{i}", title=f"Budget {i}", owner_org=(org_a, org_b)[i % 2]["id"],
                              tags=[{"name": "finances"}, {"name": f"annee-{i % 2}"}],
                              resources=[{"url": "http://x/y", "format": "CSV"}] * (1 + i % 2))
        factories.Dataset(name="menus", title="Menus", owner_org=org_a["id"], tags=[{"name": "finances"}])

    def test_facets_count_only_matching_datasets(self):
        self._datasets()
        result = _search(q="budgets", rows=0,
                         **{"facet.field": '["organization", "tags", "num_resources"]'})
        assert result["count"] == 5
        assert result["results"] == []
        assert result["facets"]["organization"] == {"org-a": 3, "org-b": 2}
        assert result["facets"]["tags"] == {"finances": 5, "annee-0": 3, "annee-1": 2}
        # num_resources is not a kept facet field: its values come from the documents.
        assert result["facets"]["num_resources"] == {"1": 3, "2": 2}
        # Nor are CKAN's visibility fields: their values come from the row's columns.
        both = {"q": "budget", "facet.field": '["dataset_type", "capacity"]'}
        assert _search(**both)["facets"] == {"dataset_type": {"dataset": 5}, "capacity": {"public": 5}}
        listing = _search(**{"facet.field": '["dataset_type"]'})
        assert listing["facets"] == {"dataset_type": {"dataset": 6}}

    def test_pages_follow_the_sort_and_cover_every_match_once(self):
        self._datasets()
        params = {"q": "budget", "sort": "name desc", "rows": 2, "facet.field": '["tags"]'}
        names = []
        for start in (0, 2, 4, 6):
            page = _search(start=start, **params)
            assert page["count"] == 5
            assert page["facets"]["tags"]["finances"] == 5
            names += [d["name"] for d in page["results"]]
        assert names == [f"budget-{i}" for i in (4, 3, 2, 1, 0)]
        ranked = _search(q="budget 3", **{"facet.field": '["tags"]'})
        assert [d["name"] for d in ranked["results"]] == ["budget-3"]


def test_filters_on_kept_facet_fields_use_term_ids_with_solr_semantics():
    factories.Dataset(name="csv-one", tags=[{"name": "Budget"}], resources=[{"url": "http://x/a", "format": "CSV"}])
    factories.Dataset(name="json-one", tags=[{"name": "budget"}], resources=[{"url": "http://x/a", "format": "JSON"}])
    assert _names(_search(fq='tags:"Budget"')) == ["csv-one"]  # string fields are exact
    assert _names(_search(fq="tags:budget")) == ["json-one"]
    assert _search(fq="res_format:XLSX")["count"] == 0  # a value no dataset has
    assert _names(_search(fq="-res_format:XLSX")) == ["csv-one", "json-one"]
    assert _names(_search(fq="res_format:CSV OR res_format:JSON")) == ["csv-one", "json-one"]
    assert _names(_search(q="tags:budget AND -res_format:CSV")) == ["json-one"]


def test_optimize_repairs_term_ids_and_prunes_unused_terms():
    from ckanext.opendatalocale.search import ddl

    kept = factories.Dataset(name="keeps", title="Budget", tags=[{"name": "stays"}])
    gone = factories.Dataset(name="goes", title="Budget", tags=[{"name": "vanishes"}])
    helpers.call_action("dataset_purge", id=gone["id"])
    with model.meta.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE {ddl.TABLE} SET facet_ids = '{{}}', facet_vector = ''")

    def term_values():
        with model.meta.engine.begin() as conn:
            return {v for (v,) in conn.exec_driver_sql(f"SELECT value FROM {ddl.TERM_TABLE}")}

    assert "vanishes" in term_values()
    assert _search(q="budget", **{"facet.field": '["tags"]'})["facets"]["tags"] == {}
    make_connection().optimize()
    assert _search(q="budget", **{"facet.field": '["tags"]'})["facets"]["tags"] == {"stays": 1}
    assert "vanishes" not in term_values()
    assert kept["name"] in _names(_search(q="budget"))


def test_optimize_command_vacuums_the_index_after_a_rebuild(cli):
    from ckanext.opendatalocale.cli import suite_group
    from ckanext.opendatalocale.search import cli as search_cli

    opendatalocale = suite_group(*search_cli.COMMANDS)
    from ckanext.opendatalocale.search import ddl

    factories.Dataset(name="kept", title="Budget", tags=[{"name": "finances"}])
    search.rebuild()

    def vacuums():
        with model.meta.engine.begin() as conn:
            return conn.exec_driver_sql(
                "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = %s", (ddl.TABLE,)).scalar()

    before = vacuums()
    result = cli.invoke(opendatalocale, ["search", "optimize"])
    assert result.exit_code == 0, result.output
    assert "optimised" in result.output
    assert vacuums() > before
    assert _search(q="budget", **{"facet.field": '["tags"]'})["facets"]["tags"] == {"finances": 1}


def test_index_from_before_term_ids_is_upgraded_in_place():
    from ckanext.opendatalocale.search import ddl

    factories.Dataset(name="older", title="Budget", tags=[{"name": "ancien"}])
    with model.meta.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE {ddl.TERM_TABLE}")
        conn.exec_driver_sql(f"ALTER TABLE {ddl.TABLE} DROP COLUMN facet_ids")
    result = _search(q="budget", **{"facet.field": '["tags"]'})
    assert result["facets"]["tags"] == {"ancien": 1}
    assert _names(result) == ["older"]


def test_organisation_and_dataset_created_through_the_forms_are_found(app):
    sysadmin = factories.SysadminWithToken()
    headers = {"Authorization": sysadmin["token"]}
    app.post("/organization/new", headers=headers,
             data={"name": "commune-de-ploermel", "title": "Commune de Ploërmel", "save": ""},
             follow_redirects=False)
    org = helpers.call_action("organization_show", id="commune-de-ploermel")
    app.post("/dataset/new", headers=headers,
             data={"name": "equipements-ploermel", "title": "Équipements sportifs de Ploërmel",
                   "notes": "Gymnases et stades", "owner_org": org["id"], "save": "go-metadata",
                   "tag_string": "sport"}, follow_redirects=False)
    found = app.get("/dataset/", query_string={"q": "equipement sportif"})
    assert "equipements-ploermel" in found.body
    faceted = app.get("/dataset/", query_string={"tags": "sport", "organization": "commune-de-ploermel"})
    assert "equipements-ploermel" in faceted.body
    assert helpers.call_action("organization_show", id=org["id"])["package_count"] == 1
