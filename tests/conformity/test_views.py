"""Badges, SVG endpoints, the report page and the one-click suggestion."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from ckan.tests import factories, helpers

from ckanext.opendatalocale.conformity import jobs

from .glue import (CKAN_MARKS, INVALID, SCHEMA, VALID, VERSION, clean_queue, run_jobs,  # noqa: F401
                   sample_bytes)

pytestmark = CKAN_MARKS


def _token(user):
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def _resource(create_with_upload, name=VALID, dataset=None, **extra):
    dataset = dataset or factories.Dataset()
    fields = {"schema_name": SCHEMA, "schema_version": VERSION}
    fields.update(extra)
    return create_with_upload(sample_bytes(name), name, package_id=dataset["id"], **fields)


def _states(create_with_upload):
    """One resource in each of the four states."""
    valid = _resource(create_with_upload, VALID)
    invalid = _resource(create_with_upload, INVALID)
    error = _resource(create_with_upload, VALID, schema_name="scdl/inexistant", schema_version="1.0")
    run_jobs()
    unchecked = _resource(create_with_upload, VALID)
    return {"valid": valid, "invalid": invalid, "error": error, "unchecked": unchecked}


def test_the_four_states_have_distinct_badges(app, create_with_upload):
    resources = _states(create_with_upload)
    svgs = {}
    for state, resource in resources.items():
        response = app.get(f"/conformite/resource/{resource['id']}.svg")
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("image/svg+xml")
        assert f'data-status="{state}"' in response.body
        svgs[state] = response.body
    assert len(set(svgs.values())) == 4
    assert "non vérifié" in app.get(f"/conformite/resource/{resources['unchecked']['id']}.svg?lang=fr").body
    assert "conforme" not in app.get(f"/conformite/resource/{resources['error']['id']}.svg?lang=fr").body


def test_resource_and_dataset_pages_and_search_show_the_badge(app, create_with_upload):
    resources = _states(create_with_upload)
    for state, resource in resources.items():
        page = app.get(f"/dataset/{resource['package_id']}/resource/{resource['id']}").body
        badges = BeautifulSoup(page, "html.parser").select("[data-conformity]")
        assert [b["data-conformity"] for b in badges][:1] == [state]
        dataset_page = BeautifulSoup(app.get(f"/dataset/{resource['package_id']}").body, "html.parser")
        assert state in [b["data-conformity"] for b in dataset_page.select("[data-conformity]")]
    listing = BeautifulSoup(app.get("/dataset/").body, "html.parser")
    assert {b["data-conformity"] for b in listing.select(".dataset-item [data-conformity]")} == set(resources)


def test_a_dataset_without_schema_shows_no_badge_and_never_conforms(app):
    dataset = factories.Dataset()
    factories.Resource(package_id=dataset["id"], url="https://example.org/a.pdf", format="PDF")
    page = BeautifulSoup(app.get(f"/dataset/{dataset['id']}").body, "html.parser")
    assert page.select("[data-conformity]") == []
    assert 'data-status="unchecked"' in app.get(f"/conformite/dataset/{dataset['id']}.svg").body


def test_the_dataset_badge_shows_the_worst_resource(app, create_with_upload):
    dataset = factories.Dataset()
    _resource(create_with_upload, VALID, dataset=dataset)
    _resource(create_with_upload, INVALID, dataset=dataset)
    run_jobs()
    response = app.get(f"/conformite/dataset/{dataset['name']}.svg")
    assert 'data-status="invalid"' in response.body


def test_svg_badges_are_cacheable(app, create_with_upload):
    resource = _resource(create_with_upload)
    run_jobs()
    url = f"/conformite/resource/{resource['id']}.svg"
    response = app.get(url)
    assert "max-age=300" in response.headers["Cache-Control"]
    assert "public" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    again = app.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert app.get(f"/conformite/dataset/{resource['package_id']}.svg").headers["ETag"]


def _private_resource(create_with_upload):
    """(editor, private dataset, its checked resource)."""
    user = factories.User()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
    dataset = factories.Dataset(owner_org=org["id"], private=True)
    resource = _resource(create_with_upload, dataset=dataset)
    run_jobs()
    return user, dataset, resource


def test_private_resources_are_404_unless_authorised(app, create_with_upload):
    user, dataset, resource = _private_resource(create_with_upload)
    for url in (f"/conformite/resource/{resource['id']}.svg", f"/conformite/dataset/{dataset['id']}.svg",
                f"/conformite/resource/{resource['id']}", f"/conformite/resource/{resource['id']}.json"):
        assert app.get(url).status_code == 404, url
        assert app.get(url, headers=_token(user)).status_code == 200, url


def test_a_private_badge_is_never_kept_by_a_shared_cache(app, create_with_upload):
    user, dataset, resource = _private_resource(create_with_upload)
    for url in (f"/conformite/resource/{resource['id']}.svg", f"/conformite/dataset/{dataset['id']}.svg"):
        response = app.get(url, headers=_token(user))
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "private, no-store", url
    helpers.call_action("package_patch", id=dataset["id"], private=False)
    public = app.get(f"/conformite/resource/{resource['id']}.svg")
    assert public.headers["Cache-Control"] == "public, max-age=300"


def test_the_report_page(app, create_with_upload):
    resource = _resource(create_with_upload, INVALID)
    run_jobs()
    page = app.get(f"/conformite/resource/{resource['id']}", headers={"Accept-Language": "fr"})
    assert page.status_code == 200
    soup = BeautifulSoup(page.body, "html.parser")
    text = soup.get_text(" ")
    assert "constraint-error" in text and "type-error" in text
    # First errors with their row and value, grouped by type and column.
    assert soup.select("table td code")
    report = helpers.call_action("conformity_report_show", id=resource["id"])["result"]["report"]
    first = report["errors"][0]
    assert str(first["row"]) in text
    # A hint on what to fix for each error type.
    assert report["hints"]["type-error"]["en"] in text or report["hints"]["type-error"]["fr"] in text
    # Schema documentation link, JSON download, embeddable snippet.
    links = [a["href"] for a in soup.select("a[href]")]
    assert any("subventions" in href for href in links if "scdl" in href or "schema.data.gouv.fr" in href)
    assert f"/conformite/resource/{resource['id']}.json" in links
    assert f"/conformite/resource/{resource['id']}.svg" in soup.select_one("textarea").text
    download = app.get(f"/conformite/resource/{resource['id']}.json")
    assert download.headers["Content-Type"].startswith("application/json")
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.json["result"]["report"]["error_count"] == report["error_count"]


def test_the_report_page_of_an_unchecked_file_says_so(app, create_with_upload):
    resource = _resource(create_with_upload)
    page = app.get(f"/conformite/resource/{resource['id']}")
    assert page.status_code == 200
    assert BeautifulSoup(page.body, "html.parser").select_one("[data-conformity]")["data-conformity"] == "unchecked"


def test_an_editor_accepts_the_detected_schema_in_one_click(app, create_with_upload):
    user = factories.User()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
    dataset = factories.Dataset(owner_org=org["id"])
    resource = create_with_upload(sample_bytes(VALID), VALID, package_id=dataset["id"], format="CSV")
    run_jobs()
    page = BeautifulSoup(app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}",
                                 headers=_token(user)).body, "html.parser")
    form = page.select_one(".odl-conformity-suggestion form")
    assert form is not None and form["method"] == "post"
    # Anonymous visitors see the suggestion but no button, and cannot post it.
    anonymous = BeautifulSoup(app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}").body, "html.parser")
    assert anonymous.select_one(".odl-conformity-suggestion form") is None
    assert app.post(form["action"]).status_code == 403
    assert app.get(form["action"]).status_code in (404, 405)
    response = app.post(form["action"], headers=_token(user), follow_redirects=False)
    assert response.status_code == 302
    shown = helpers.call_action("resource_show", id=resource["id"])
    assert shown["schema_name"] == SCHEMA and shown["schema_version"]
    run_jobs()
    assert helpers.call_action("resource_show", id=resource["id"])["conformity_status"] == "valid"


def test_an_editor_can_ask_for_a_new_check(app, create_with_upload):
    user = factories.User()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}])
    resource = _resource(create_with_upload, dataset=factories.Dataset(owner_org=org["id"]))
    run_jobs()
    url = f"/conformite/resource/{resource['id']}/verifier"
    assert app.post(url).status_code == 403
    assert app.post(url, headers=_token(user), follow_redirects=False).status_code == 302
    assert jobs.ConformityResult.latest(resource["id"]) is not None
    run_jobs()
    assert len(jobs.ConformityResult.history(resource["id"])) == 2


def test_the_check_again_button_is_for_editors_only(app, create_with_upload):
    editor, outsider = factories.User(), factories.User()
    org = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
    resource = _resource(create_with_upload, dataset=factories.Dataset(owner_org=org["id"]))
    run_jobs()
    url = f"/conformite/resource/{resource['id']}"
    verify = f"/conformite/resource/{resource['id']}/verifier"
    assert verify in app.get(url, headers=_token(editor)).body
    page = app.get(url, headers=_token(outsider))
    assert page.status_code == 200 and verify not in page.body



@pytest.mark.ckan_config("WTF_CSRF_ENABLED", "true")
def test_posts_of_session_users_need_a_csrf_token_even_on_ckan_2_11(app):
    """CKAN exempts API-token and anonymous requests; a browser session must send the token."""
    from flask_wtf.csrf import CSRFError

    from ckanext.opendatalocale.csrf import check_csrf

    with app.flask_app.test_request_context("/conformite/resource/x/verifier", method="POST", data={}):
        with pytest.raises(CSRFError):
            check_csrf()
