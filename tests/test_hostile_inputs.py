"""Hostile input on every action and page of the suite: a 4xx with a message, never a 500,
and the site still answers afterwards (issue 11, items 13 and 14).

Actions come from the suite's loaded plugins (``get_actions``) and pages from
the URL map of their blueprints, so a new action or page is covered as soon
as it exists. Each is called by a sysadmin (so inputs reach the code past the
auth checks) with each hostile value in every usual parameter.
"""
from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import pytest
import ckan.plugins as plugins
from ckan.tests import factories

from tests.harvesters.conftest import harvest_db  # noqa: F401 - the suite with its harvest tables
from tests.helpers import SUITE_CONFIG, suite_blueprints, suite_plugin_names

pytestmark = [*(pytest.mark.ckan_config(k, v) for k, v in SUITE_CONFIG.items()),
              pytest.mark.usefixtures("with_plugins", "harvest_db")]

HOSTILE = {
    "empty": "",
    "very long": "x" * 20_000,
    "list": ["ods", "dcat"],
    "object": {"a": 1},
    "number": 12,
    "unicode": "Évry‮😀 ∞",
    "nul": "a\x00b",
    "huge integer": "9" * 20,
    "float exponent": "1e20",
    "5000 digits": "1" * 5000,
    "broken url": "http://[::1",
    "bracket host": "http://[x]/a",
    "date math overflow": "metadata_modified:[* TO NOW+999999999YEARS]",
    "lucene": 'tags:"a" AND -*',
}
PARAMETERS = ("id", "name", "q", "fq", "sort", "order", "offset", "limit", "page", "rows", "start",
              "source_type", "url", "config", "schema_name", "schema_url", "schema_version", "version",
              "siren", "kind", "text", "status", "reason", "package_id", "organization_id", "history",
              "force", "inline", "epci", "band", "schema", "obliged_only")


def suite_actions() -> list[str]:
    names = set()
    for plugin_name in suite_plugin_names():
        if plugins.plugin_loaded(plugin_name):
            plugin = plugins.get_plugin(plugin_name)
            if plugins.IActions.implemented_by(type(plugin)):
                names.update(plugin.get_actions())
    return sorted(names)


@pytest.fixture
def sysadmin():
    user = factories.SysadminWithToken()
    return {"Authorization": user["token"]}


def _assert_clear_4xx(response, what):
    assert response.status_code < 500, f"{what}: {response.status_code} {response.get_data(as_text=True)[:500]}"
    text = response.get_data(as_text=True)
    assert "SELECT " not in text and "psycopg2" not in text and "Traceback" not in text, what
    if response.status_code >= 400 and response.mimetype == "application/json":
        error = json.loads(text)["error"]
        assert error.get("message") or len(error) > 1, f"{what}: no message in {error}"


def _site_works(app):
    assert app.get("/api/3/action/status_show").status_code == 200
    assert app.get("/dataset/").status_code == 200


def test_every_action_of_the_suite_answers_hostile_input_with_a_4xx(app, sysadmin):
    actions = suite_actions()
    # Each feature's actions are found (a plugin that stops registering them fails here).
    assert {"opendatalocale_harvest_preview", "conformity_report_show", "dashboard_collectivite_list",
            "scdl_schema_show"} <= set(actions)
    for action in actions:
        for label, value in HOSTILE.items():
            body = {parameter: value for parameter in PARAMETERS}
            response = app.post(f"/api/3/action/{action}", json=body, headers=sysadmin)
            _assert_clear_4xx(response, f"{action} with {label}")
    _site_works(app)


def _page_urls(app, value: str) -> list[str]:
    blueprints = suite_blueprints()
    urls = []
    for rule in app.flask_app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.split(".")[0] not in blueprints:
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<{argument}>", quote(value, safe="") or "x")
            for converter in ("path", "int", "string"):
                path = path.replace(f"<{converter}:{argument}>", quote(value, safe="") or "x")
        urls.append(path)
    return sorted(set(urls))


@pytest.mark.parametrize("label", [k for k, v in HOSTILE.items() if isinstance(v, str)])
def test_every_page_of_the_suite_answers_hostile_input_with_a_4xx(app, label):
    value = HOSTILE[label]
    query = urlencode({k: value for k in ("q", "sort", "order", "page", "offset", "indicator", "format",
                                          "lang", "kind", "band", "schema", "epci", "sep")})
    urls = _page_urls(app, value)
    assert any(u.startswith("/territoire/") for u in urls) and any(u.startswith("/scdl") for u in urls)
    for url in urls:
        _assert_clear_4xx(app.get(url), f"GET {url}")
        _assert_clear_4xx(app.get(f"{url}?{query}"), f"GET {url}?{query[:80]}")
    _site_works(app)


SEARCHES = [
    {"q": 'tags:"a\x00b"'}, {"fq": "res_format:CSV\x00"}, {"q": "x", "facet.field": '["tags\\u0000"]'},
    {"fq": "metadata_modified:[* TO NOW+999999999YEARS]"}, {"q": "metadata_modified:[NOW-99999999999DAYS TO *]"},
    {"sort": "x"}, {"rows": "1e20"}, {"start": "-1"}, {"q": "((((("}, {"fl": "score x\x00"},
]


@pytest.mark.parametrize("params", SEARCHES)
def test_bad_searches_are_4xx_with_a_message_and_no_sql(app, params):
    """As with Solr: the API answers 409 (a query Solr refuses) or 400 (NUL), the
    search page shows CKAN's "error while searching" or a 400."""
    response = app.get("/api/3/action/package_search", query_string=params)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
    _assert_clear_4xx(response, params)
    page = app.get("/dataset/", query_string={k: v for k, v in params.items() if k in ("q", "sort")} or
                   {"tags": "a\x00b"})
    assert page.status_code < 500


def test_the_dataset_page_refuses_a_nul_tag_with_400(app):
    assert app.get("/dataset/?tags=a%00b").status_code == 400


def test_searches_behave_as_solr_does(app):
    for _ in range(3):
        factories.Dataset()

    def search(**params):
        response = app.get("/api/3/action/package_search", query_string=params)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return response.json["result"]

    assert search(q="-*")["count"] == 0
    assert search(q="text:*")["count"] == 3
    scored = search(q="*:*", fl="score")
    assert scored["count"] == 3 and all(set(r) <= {"score"} for r in scored["results"])
