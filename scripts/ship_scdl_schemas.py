#!/usr/bin/env python
"""Regenerate the SCDL schemas shipped in schemas/scdl/.

Source: either a checkout of github.com/datagouv/schema.data.gouv.fr (the
catalogue is ``site/.vuepress/public/schemas-scdl.json`` and every version sits
under ``site/.vuepress/public/schemas/<org>/<name>/<version>/``), or the shared
research reference (``reference/scdl/``: ``schema-data-gouv-fr/schemas-scdl.json``
and ``<slug>/versions/<version>/schema.json``).

Writes ``<slug>/<version>/schema.json`` (byte copies), ``catalog.json`` and
``ATTRIBUTION.md``. Versions that do not load in frictionless 5 are left out
and listed on stderr.

    python scripts/ship_scdl_schemas.py ../shared/reference/scdl
    python scripts/ship_scdl_schemas.py ~/src/schema.data.gouv.fr --commit <sha>
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
import ckanext  # noqa: E402

# A namespace .pth from another ckanext package may have claimed "ckanext" already.
if str(REPO_ROOT / "ckanext") not in list(ckanext.__path__):
    ckanext.__path__.append(str(REPO_ROOT / "ckanext"))

from ckanext.opendatalocale.scdl.registry import CATALOG_FORMAT, SHIPPED_DIR  # noqa: E402
from ckanext.opendatalocale.scdl.sync import (  # noqa: E402
    DEFAULT_CATALOG_URL,
    catalog_versions,
    check_table_schema,
    is_selected,
    local_metadata,
    parse_catalog,
)

SITE_PUBLIC = Path("site/.vuepress/public")


class Source:
    """Where the catalogue and the schema files of one snapshot are."""

    def __init__(self, root: Path, commit: str | None):
        self.root = root
        self.checkout = (root / SITE_PUBLIC / "schemas-scdl.json").is_file()
        if self.checkout:
            self.catalog_path = root / SITE_PUBLIC / "schemas-scdl.json"
            self.commit = commit or _git_head(root)
            self.commit_date = None
        else:
            self.catalog_path = root / "schema-data-gouv-fr" / "schemas-scdl.json"
            index = json.loads((root / "index.json").read_text(encoding="utf-8"))
            self.commit = commit or index.get("source_commit")
            self.commit_date = index.get("source_commit_date")
        if not self.catalog_path.is_file():
            raise SystemExit(f"no schemas-scdl.json under {root}")

    def schema_file(self, name: str, slug: str, version: str, url: str) -> Path:
        if self.checkout:
            org_name = name
            return self.root / SITE_PUBLIC / "schemas" / org_name / version / url.rsplit("/", 1)[-1]
        return self.root / slug / "versions" / version / "schema.json"


def _git_head(root: Path) -> str | None:
    try:
        return subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def ship(source: Source, target: Path) -> int:
    upstream = parse_catalog(source.catalog_path.read_bytes())
    schemas, not_shipped, failures = [], [], []
    staging = target.with_name(target.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for entry in upstream:
        meta = local_metadata(entry)
        if not is_selected(entry):
            not_shipped.append(
                {k: meta[k] for k in ("name", "slug", "title", "label", "schema_type", "homepage", "external_doc", "schema_url")}
            )
            continue
        versions = []
        for version, url in catalog_versions(entry):
            src = source.schema_file(meta["name"], meta["slug"], version, url)
            if not src.is_file():
                failures.append(f"{meta['name']} {version}: missing {src}")
                continue
            raw = src.read_bytes()
            try:
                check_table_schema(json.loads(raw.decode("utf-8-sig")))
            except ValueError as exc:
                failures.append(f"{meta['name']} {version}: does not load in frictionless 5: {exc}")
                continue
            relative = f"{meta['slug']}/{version}/schema.json"
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            (staging / relative).write_bytes(raw)
            versions.append({"version": version, "schema_url": url, "path": relative})
        if versions:
            meta["versions"] = versions
            meta["latest"] = versions[-1]["version"]
            schemas.append(meta)
    catalog = {
        "format": CATALOG_FORMAT,
        "catalog_url": DEFAULT_CATALOG_URL,
        "source": {
            "repository": "https://github.com/datagouv/schema.data.gouv.fr",
            "commit": source.commit,
            "commit_date": source.commit_date,
            "path": str(SITE_PUBLIC / "schemas-scdl.json"),
            "licence": "Licence Ouverte / Open Licence 2.0 (Etalab); site repository MIT",
        },
        "schemas": schemas,
        "not_shipped": not_shipped,
    }
    (staging / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (staging / "ATTRIBUTION.md").write_text(attribution(catalog), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    shipped = sum(len(s["versions"]) for s in schemas)
    print(f"shipped {len(schemas)} schemas, {shipped} versions into {target}")
    for line in failures:
        print("not shipped:", line, file=sys.stderr)
    return 1 if failures else 0


def attribution(catalog: dict) -> str:
    source = catalog["source"]
    lines = [
        "# SCDL Table Schemas shipped with ckanext-opendatalocale",
        "",
        "Generated by `scripts/ship_scdl_schemas.py`; do not edit by hand.",
        "",
        "The files under `<slug>/<version>/schema.json` are byte-for-byte copies of the Table Schemas",
        "published on [schema.data.gouv.fr](https://schema.data.gouv.fr), taken from the repository",
        f"{source['repository']} at commit `{source['commit']}`"
        + (f" ({source['commit_date']})" if source.get("commit_date") else "")
        + ", path `site/.vuepress/public/schemas/<org>/<name>/<version>/`.",
        "`catalog.json` is derived from that repository's `site/.vuepress/public/schemas-scdl.json`",
        "(names, titles, descriptions, versions, URLs, labels, homepage, examples); the English labels",
        "are ours.",
        "",
        "## Licences",
        "",
        "* The schemas are French public-sector publications reused under the Licence Ouverte / Open",
        "  Licence 2.0 (Etalab), the default licence for public-sector information, which asks for",
        "  attribution: « Source : schema.data.gouv.fr et les producteurs des schémas ci-dessous ».",
        "* The schema.data.gouv.fr site repository itself is under the MIT licence (DINSIC/Etalab).",
        "* scdl/subventions is also published by OpenDataFrance under The Unlicense",
        "  (github.com/OpenDataFrance/subventions). The other upstream repositories state no licence",
        "  visible from here; their schemas are used through the schema.data.gouv.fr publication.",
        "",
        "## Schemas, producers and upstream repositories",
        "",
        "| name | title | versions | upstream | contact |",
        "|---|---|---|---|---|",
    ]
    for schema in catalog["schemas"]:
        versions = ", ".join(v["version"] for v in schema["versions"])
        lines.append(
            f"| `{schema['name']}` | {schema['title']} | {versions} | {schema.get('homepage') or ''} | {schema.get('contact') or ''} |"
        )
    if catalog.get("not_shipped"):
        lines += ["", "Catalogue entries labelled SCDL but not Table Schemas (not shipped):", ""]
        lines += [f"* `{s['name']}` ({s['schema_type']}): {s['title']}" for s in catalog["not_shipped"]]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="schema.data.gouv.fr checkout or shared reference/scdl directory")
    parser.add_argument("--commit", help="source commit, when it cannot be read from the source")
    parser.add_argument("--target", type=Path, default=SHIPPED_DIR)
    args = parser.parse_args()
    return ship(Source(args.source.resolve(), args.commit), args.target)


if __name__ == "__main__":
    sys.exit(main())
