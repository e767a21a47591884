"""The SQL reader of what collectivités publish (see ``facts``), shared by every feature that
works on a territory's datasets so that all of them see the same resources.

It links collectivités to datasets (organisation ``siren`` extra, or the dataset's
``collectivites_siren`` for publication on a commune's behalf, harvested datasets included)
and reads their resources with the conformity summaries written by the conformity feature.
No CKAN import: callers pass a SQLAlchemy connection.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from ckanext.opendatalocale.conformity import facts as conformity_facts
from ckanext.opendatalocale.conformity import status as conformity_status

from .facts import DatasetFacts, ResourceFacts, iso


def extras_flavour(conn: sa.engine.Connection) -> str:
    """CKAN 2.12 keeps extras in a JSONB column; 2.11 in package_extra/group_extra tables."""
    found = conn.execute(sa.text(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = 'package' AND column_name = 'extras'")).first()
    return "jsonb" if found else "table"


def _extras_expr(flavour: str, kind: str, alias: str) -> str:
    if flavour == "jsonb":
        return f"coalesce({alias}.extras, '{{}}'::jsonb)"
    table, key = ("package_extra", "package_id") if kind == "package" else ("group_extra", "group_id")
    return (f"coalesce((SELECT jsonb_object_agg(x.key, x.value) FROM {table} x "
            f"WHERE x.{key} = {alias}.id AND x.state = 'active'), '{{}}'::jsonb)")


def datasets_sql(flavour: str) -> str:
    """Datasets linked to any of ``:sirens``: one row per (siren, dataset)."""
    pkg_extras = _extras_expr(flavour, "package", "p")
    org_extras = _extras_expr(flavour, "group", "g")
    return f"""
WITH org_siren AS (
    SELECT g.id AS org_id, btrim({org_extras} ->> 'siren') AS siren
    FROM "group" g WHERE g.is_organization AND g.state = 'active'
), pkg AS (
    SELECT p.*, {pkg_extras} AS all_extras FROM package p
    WHERE p.state = 'active' AND p.type = 'dataset'
), links AS (
    SELECT os.siren, pkg.id AS package_id, true AS own
    FROM pkg JOIN org_siren os ON os.org_id = pkg.owner_org
    UNION ALL
    SELECT btrim(s.value), pkg.id, false
    FROM pkg CROSS JOIN LATERAL regexp_split_to_table(
        regexp_replace(coalesce(pkg.all_extras ->> 'collectivites_siren', ''), '[\\[\\]"\\s]', '', 'g'),
        ',') AS s(value)
)
SELECT l.siren, bool_or(l.own) AS own, pkg.id, pkg.name, coalesce(pkg.title, pkg.name) AS title,
       pkg.private, pkg.metadata_created, pkg.metadata_modified, coalesce(pkg.license_id, '') AS license_id,
       length(coalesce(pkg.notes, '')) AS notes_length, pkg.owner_org IS NOT NULL AS has_org,
       (coalesce(pkg.maintainer_email, '') <> '' OR coalesce(pkg.author_email, '') <> ''
        OR coalesce(pkg.all_extras ->> 'contact_email', '') <> '') AS has_contact,
       (SELECT count(*) FROM package_tag pt WHERE pt.package_id = pkg.id AND pt.state = 'active') AS tag_count,
       pkg.all_extras AS extras
FROM links l JOIN pkg ON pkg.id = l.package_id
WHERE l.siren = ANY(:sirens)
GROUP BY l.siren, pkg.id, pkg.name, pkg.title, pkg.private, pkg.metadata_created,
         pkg.metadata_modified, pkg.license_id, pkg.notes, pkg.owner_org, pkg.maintainer_email,
         pkg.author_email, pkg.all_extras
"""


RESOURCES_SQL = """
SELECT r.id, r.package_id, coalesce(r.format, '') AS format, coalesce(r.url, '') AS url,
       r.created, r.last_modified, r.extras
FROM resource r WHERE r.state = 'active' AND r.package_id = ANY(:ids)
ORDER BY r.package_id, r.position
"""


HARVEST_SQL = """
WITH src AS (
    SELECT DISTINCT ho.package_id, ho.harvest_source_id AS source_id
    FROM harvest_object ho WHERE ho.current AND ho.package_id = ANY(:ids)
), last_job AS (
    SELECT DISTINCT ON (j.source_id) j.source_id, j.id, j.status, j.finished
    FROM harvest_job j WHERE j.source_id IN (SELECT source_id FROM src)
    ORDER BY j.source_id, j.created DESC
), last_ok AS (
    SELECT j.source_id, max(j.finished) AS finished FROM harvest_job j
    WHERE j.source_id IN (SELECT source_id FROM src) AND j.status = 'Finished'
    GROUP BY j.source_id
)
SELECT s.package_id, s.source_id, coalesce(hs.title, '') AS title, hs.type, hs.active,
       lo.finished AS last_success, lj.status AS last_status,
       (SELECT count(*) FROM harvest_gather_error ge WHERE ge.harvest_job_id = lj.id)
       + (SELECT count(*) FROM harvest_object_error oe JOIN harvest_object o ON o.id = oe.harvest_object_id
          WHERE o.harvest_job_id = lj.id) AS last_errors
FROM src s JOIN harvest_source hs ON hs.id = s.source_id
LEFT JOIN last_job lj ON lj.source_id = s.source_id
LEFT JOIN last_ok lo ON lo.source_id = s.source_id
"""


def fetch_harvest(conn: sa.engine.Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``{package_id: source health}`` when ckanext-harvest's tables exist, else ``{}``."""
    if not conn.execute(sa.text("SELECT to_regclass('harvest_object') IS NOT NULL")).scalar():
        return {}
    result = {}
    for start in range(0, len(ids), 5000):
        for row in conn.execute(sa.text(HARVEST_SQL), {"ids": list(ids[start:start + 5000])}).mappings():
            result[row["package_id"]] = {
                "source_id": row["source_id"], "title": row["title"], "type": row["type"],
                "active": bool(row["active"]), "last_success": iso(row["last_success"]),
                "last_status": row["last_status"], "last_errors": int(row["last_errors"] or 0)}
    return result


def _loads(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        loaded = json.loads(value or "{}")
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def fetch_datasets(conn: sa.engine.Connection, sirens: Iterable[str],
                   flavour: str | None = None) -> dict[str, list[DatasetFacts]]:
    """``{siren: [datasets]}`` for those SIRENs (private datasets included, flagged)."""
    sirens = list(sirens)
    flavour = flavour or extras_flavour(conn)
    rows = conn.execute(sa.text(datasets_sql(flavour)), {"sirens": sirens}).mappings().all()
    by_id: dict[str, list[ResourceFacts]] = {}
    ids = list({row["id"] for row in rows})
    for start in range(0, len(ids), 5000):
        for r in conn.execute(sa.text(RESOURCES_SQL), {"ids": ids[start:start + 5000]}).mappings():
            extras = _loads(r["extras"])
            by_id.setdefault(r["package_id"], []).append(ResourceFacts(
                id=r["id"], package_id=r["package_id"], format=r["format"], url=r["url"],
                created=r["created"], last_modified=r["last_modified"],
                schema_name=extras.get("schema_name") or None,
                schema_version=extras.get("schema_version") or None,
                # The conformity feature decides the state, as on the badge.
                conformity_status=conformity_status.resource_status(extras),
                conformity_error_count=_int_or_none(extras.get("conformity_error_count")),
                conformity_validated_at=extras.get("conformity_validated_at") or None,
                conformity_row_count=_int_or_none(extras.get("conformity_row_count"))))
    failing = [r for resources in by_id.values() for r in resources
               if r.schema_name and r.conformity_status in ("invalid", "error")]
    error_types = conformity_facts.error_types(conn, [r.id for r in failing])
    for resource in failing:
        resource.error_types = error_types.get(resource.id)
    harvest = fetch_harvest(conn, ids)
    result: dict[str, list[DatasetFacts]] = {}
    for row in rows:
        extras = {k: v for k, v in _loads(row["extras"]).items() if isinstance(v, str)}
        result.setdefault(row["siren"], []).append(DatasetFacts(
            id=row["id"], name=row["name"], title=row["title"], private=bool(row["private"]),
            created=row["metadata_created"], modified=row["metadata_modified"],
            license_id=row["license_id"], notes_length=row["notes_length"],
            has_contact=bool(row["has_contact"]), has_org=bool(row["has_org"]),
            tag_count=int(row["tag_count"]), extras=extras, own=bool(row["own"]),
            resources=by_id.get(row["id"], []), harvest=harvest.get(row["id"])))
    return result
