"""Helpers shared by the test modules."""
from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_path(*parts: str) -> Path:
    """Path of a test fixture (origin and licence of each in fixtures/ATTRIBUTION.md)."""
    path = FIXTURES.joinpath(*parts)
    # A missing fixture is a broken test, not a reason to skip.
    assert path.exists(), f"test fixture {path} is missing"
    return path


# Every plugin of the suite, as the demo enables them (tests of the whole site).
SUITE_PLUGINS = ("opendatalocale_search opendatalocale_scdl scheming_datasets scheming_organizations "
                 "opendatalocale_conformity opendatalocale_harvest harvest opendatalocale_ods_harvester "
                 "opendatalocale_datagouv_harvester opendatalocale_ckan_harvester opendatalocale_dcat_harvester "
                 "opendatalocale_file_harvester opendatalocale_dashboard")
SUITE_CONFIG = {
    "ckan.plugins": SUITE_PLUGINS,
    "scheming.dataset_schemas": "ckanext.opendatalocale.schemas:dataset.yaml",
    "scheming.organization_schemas": "ckanext.opendatalocale.schemas:organization.yaml",
    "scheming.presets": "ckanext.scheming:presets.json ckanext.opendatalocale.schemas:presets.yaml",
}


def suite_plugin_names() -> list[str]:
    """The suite's plugins, from its entry points (a new plugin is found without a list to update)."""
    from importlib.metadata import entry_points

    return sorted(ep.name for ep in entry_points(group="ckan.plugins")
                  if ep.value.startswith("ckanext.opendatalocale."))


def suite_blueprints() -> set[str]:
    """Names of the blueprints the suite's loaded plugins register."""
    import ckan.plugins as plugins

    names = set()
    for name in suite_plugin_names():
        if not plugins.plugin_loaded(name):
            continue
        plugin = plugins.get_plugin(name)
        if plugins.IBlueprint.implemented_by(type(plugin)):
            found = plugin.get_blueprint()
            names.update(b.name for b in (found if isinstance(found, list) else [found]))
    return names


def log_in(browser, password: str = "Correct-horse-42", **user_fields) -> dict:
    """A browser session through CKAN's login form (its CSRF token included)."""
    from bs4 import BeautifulSoup
    from ckan.tests import factories

    user = factories.User(password=password, **user_fields)
    page = BeautifulSoup(browser.get("/user/login").get_data(as_text=True), "html.parser")
    token = page.select_one('input[name="_csrf_token"]')["value"]
    browser.post("/user/login", data={"login": user["name"], "password": password, "_csrf_token": token})
    return user
