"""Config declarations shared by several plugins of the suite.

Each feature plugin declares its own ``config_declaration.yaml``; options of
shared parts (the HTTP client used by SCDL sync, conformity and harvesters)
are declared by whichever of those plugins is enabled, once:

    @tk.blanket.config_declarations(declarations("config_declaration.yaml", HTTP_CLIENT))
    class ConformityPlugin(p.SingletonPlugin): ...
"""
from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Callable

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent
HTTP_CLIENT = PACKAGE_DIR / "http" / "config_declaration.yaml"


def _has_float_type() -> bool:
    """CKAN 2.12 declarations know ``type: float``; 2.11 refuses it."""
    import ckan

    major_minor = tuple(int(part) for part in ckan.__version__.split(".")[:2])
    return major_minor >= (2, 12)


FLOAT_TYPE = _has_float_type()


def declarations(*files: str | Path) -> Callable[[Any, Any], None]:
    """A ``blanket.config_declarations`` subject loading several YAML files.

    Relative paths are resolved against the calling feature's folder. Options
    another enabled plugin already declared are skipped rather than declared
    twice.
    """
    caller_dir = Path(inspect.stack()[1].filename).resolve().parent
    paths = [Path(f) if Path(f).is_absolute() else caller_dir / f for f in files]

    def declare(declaration: Any, key: Any) -> None:
        for path in paths:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            for group in data.get("groups", []):
                group["options"] = [o for o in group.get("options", [])
                                    if o["key"] not in declaration]
                if not FLOAT_TYPE:
                    for option in group["options"]:
                        if option.get("type") == "float":
                            # Read as text; the code converts with float().
                            del option["type"]
            # CKAN's loader fails on a group left without options.
            data["groups"] = [g for g in data.get("groups", []) if g["options"]]
            declaration.load_dict(data)

    return declare
