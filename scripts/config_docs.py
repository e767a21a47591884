"""Write docs/configuration.md from every ``config_declaration.yaml`` of the suite.

    python scripts/config_docs.py          # rewrite the file
    python scripts/config_docs.py --check  # fail if it is out of date (run by the tests)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ckanext" / "opendatalocale"
TARGET = ROOT / "docs" / "configuration.md"


def render() -> str:
    lines = [
        "# Configuration options",
        "",
        "Generated from the plugins' `config_declaration.yaml` files by `scripts/config_docs.py`;",
        "do not edit by hand. Set options in your CKAN `.ini` file; `ckan config declaration",
        "opendatalocale_search` (and so on for each plugin) prints them with their defaults.",
        "",
    ]
    for path in sorted(PACKAGE.rglob("*config_declaration.yaml")):
        declaration = yaml.safe_load(path.read_text(encoding="utf-8"))
        for group in declaration.get("groups", []):
            lines += [f"## {group.get('annotation', path.parent.name)}", "",
                      f"Declared in `{path.relative_to(ROOT)}`.", "",
                      "| option | type | default | description |", "| --- | --- | --- | --- |"]
            for option in group.get("options", []):
                description = " ".join(str(option.get("description", "")).split())
                default = option.get("default", "")
                default = "" if default is None else f"`{default}`"
                kind = option.get("type", "string")
                lines.append(f"| `{option['key']}` | {kind} | {default} | {description} |")
            lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    content = render()
    if args.check:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != content:
            print("docs/configuration.md is out of date: run python scripts/config_docs.py",
                  file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(content, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
