"""Project-wide checks: documentation and translations stay complete, names follow the
conventions."""
from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import ckan.plugins as plugins

from tests.helpers import REPO_ROOT


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=REPO_ROOT, capture_output=True, text=True)


def test_configuration_docs_list_every_declared_option():
    result = _run("scripts/config_docs.py", "--check")
    assert result.returncode == 0, result.stderr


def test_every_message_has_a_french_translation():
    result = _run("scripts/build_i18n.py", "--check")
    assert result.returncode == 0, result.stderr


def test_readme_documents_every_config_option():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/configuration.md" in readme
    assert "make demo" in readme and "make test" in readme


# Each feature's API actions carry its prefix (README, "Development").
ACTION_PREFIXES = {
    "conformity": ("conformity_",), "consolidation": ("consolidation_",), "convert": ("scdl_convert",),
    "dashboard": ("dashboard_", "territory_"), "harvesters": ("opendatalocale_harvest_",),
    "linkcheck": ("opendatalocale_link",), "observatory": ("observatory_",), "scdl": ("scdl_",),
}


def test_every_action_carries_its_feature_prefix_and_has_its_auth_function():
    """Read from the plugins as CKAN would register them (a helper of an action module that
    blanket picked up would be an action named after it), without starting CKAN."""
    found = set()
    for entry in entry_points(group="ckan.plugins"):
        if not entry.value.startswith("ckanext.opendatalocale."):
            continue
        plugin_class = entry.load()
        if not plugins.IActions.implemented_by(plugin_class):
            continue
        feature = entry.value.split(".")[2]
        actions = {name for name, action in plugin_class().get_actions().items()
                   if not getattr(action, "chained_action", False)}  # CKAN's own, extended
        auth = set(plugin_class().get_auth_functions())
        for name in actions:
            assert name.startswith(ACTION_PREFIXES[feature]), f"{entry.name}: {name}"
            assert name in auth, f"{entry.name}: {name} has no auth function"
        found |= {feature}
    assert found == set(ACTION_PREFIXES)
