"""The package's shape: features stacked as floors that only import downwards, and modules
small enough to read in one sitting. Read from the source with ``ast``, nothing imported."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT

PACKAGE = REPO_ROOT / "ckanext" / "opendatalocale"
MAX_MODULE_LINES = 500

# Shared ground every feature may use (one module or folder each, no feature logic).
GROUND = frozenset({"after_commit", "cli", "csrf", "declarations", "guard", "http", "plugin_order", "resources",
                    "translation", "web"})
# The features, lowest first: each may import the ground and the floors below it, never a
# floor above (nor a neighbour on its own floor).
FLOORS = ("search", "territories", "scdl", "conformity", "publications", "convert", "harvesters",
          "linkcheck", "consolidation", "dashboard", "observatory")
# CKAN's layout puts every plugin's alembic scripts under one folder: each script belongs to
# the feature it migrates and may import it.
ABOVE_ALL = frozenset({"migration"})


def _unit(path: Path) -> str:
    """The ground module or feature a file belongs to."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imported_units(path: Path) -> set[str]:
    package = ["ckanext", "opendatalocale", *path.relative_to(PACKAGE).parts[:-1]]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + 1]
            names = ([base + node.module.split(".")] if node.module
                     else [base + [alias.name] for alias in node.names])
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module.split(".")]
        else:
            continue
        found.update(name[2] for name in names if name[:2] == ["ckanext", "opendatalocale"] and len(name) > 2)
    return found


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_unit_of_the_package_is_placed_on_a_floor():
    units = {_unit(path) for path in _modules()} - {"__init__"}
    assert units <= GROUND | set(FLOORS) | ABOVE_ALL, sorted(units - GROUND - set(FLOORS) - ABOVE_ALL)


def test_no_import_runs_up_the_floors():
    wrong = []
    for path in _modules():
        unit = _unit(path)
        if unit in ABOVE_ALL or unit == "__init__":
            continue
        for other in _imported_units(path) - {unit}:
            if other in GROUND and unit not in GROUND:
                continue
            if unit in GROUND:
                allowed = other in GROUND
            else:
                allowed = other in FLOORS and FLOORS.index(other) < FLOORS.index(unit)
            if not allowed:
                wrong.append(f"{path.relative_to(REPO_ROOT)} imports {other}")
    assert not wrong, "\n".join(sorted(wrong))


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_module_is_short_enough_to_read(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{lines} lines: split it along its seams"
