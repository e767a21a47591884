"""Database side of the territory reference: upsert collectivités, load outlines, define
territories and resolve their members. Works on any SQLAlchemy connection (no CKAN import),
so the CLI, the jobs and the tests share it."""
from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from .model import collectivite, obligation_override, territory
from .obligation import Override
from .reference import Collectivite, Reference

_UPSERT_COLUMNS = ("kind", "insee", "name", "dep", "region", "population_totale",
                   "population_municipale", "population_vintage", "epci_siren", "epci_nature",
                   "covers_deps", "source", "updated")


def _row(record: Collectivite, source: str, now: dt.datetime) -> dict[str, Any]:
    return {"siren": record.siren, "kind": record.kind, "insee": record.insee, "name": record.name,
            "dep": record.dep, "region": record.region,
            "population_totale": record.population_totale,
            "population_municipale": record.population_municipale,
            "population_vintage": record.population_vintage, "epci_siren": record.epci_siren,
            "epci_nature": record.epci_nature, "covers_deps": " ".join(record.covers_deps) or None,
            "source": source, "updated": now}


def import_reference(conn: sa.engine.Connection, reference: Reference | Iterable[Collectivite],
                     source: str, batch: int = 2000) -> int:
    """Insert or update every record by SIREN (geometry untouched); returns the row count."""
    now = dt.datetime.utcnow()
    rows = [_row(record, source, now) for record in reference]
    for start in range(0, len(rows), batch):
        statement = insert(collectivite).values(rows[start:start + batch])
        statement = statement.on_conflict_do_update(
            index_elements=[collectivite.c.siren],
            set_={name: statement.excluded[name] for name in _UPSERT_COLUMNS})
        conn.execute(statement)
    return len(rows)


def import_outlines(conn: sa.engine.Connection, outlines: Mapping[str, Mapping[str, Any]],
                    batch: int = 500, kind: str = "commune") -> int:
    """Attach GeoJSON geometries to the communes (``{insee: geometry}``) or, with
    ``kind="epci"``, to the EPCI (``{siren: geometry}``); returns matches."""
    key = {"commune": "insee", "epci": "siren"}[kind]
    statement = sa.text(
        "UPDATE odl_collectivite AS c SET geometry = v.geometry "
        "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS v(insee text, geometry jsonb) "
        f"WHERE c.kind = '{kind}' AND c.{key} = v.insee")
    items = [{"insee": insee, "geometry": geometry} for insee, geometry in outlines.items()]
    matched = 0
    for start in range(0, len(items), batch):
        result = conn.execute(statement, {"rows": json.dumps(items[start:start + batch])})
        matched += result.rowcount
    return matched


def to_record(row: Mapping[str, Any]) -> Collectivite:
    return Collectivite(
        siren=row["siren"], kind=row["kind"], name=row["name"], insee=row["insee"], dep=row["dep"],
        region=row["region"], population_totale=row["population_totale"],
        population_municipale=row["population_municipale"],
        population_vintage=row["population_vintage"], epci_siren=row["epci_siren"],
        epci_nature=row["epci_nature"], covers_deps=tuple((row["covers_deps"] or "").split()))


def slugify(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "territoire"


def define_territory(conn: sa.engine.Connection, name: str, *, departements: Iterable[str] = (),
                     epci: Iterable[str] = (), sirens: Iterable[str] = (),
                     organization_ids: Iterable[str] = (), slug: str | None = None,
                     description: str = "") -> dict[str, Any]:
    """Create the territory, or replace the rules of the one with the same slug."""
    slug = slug or slugify(name)
    rules = {"departements": sorted(set(departements)), "epci": sorted(set(epci)),
             "sirens": sorted(set(sirens))}
    now = dt.datetime.utcnow()
    values = {"name": name, "description": description, "rules": rules,
              "organization_ids": list(dict.fromkeys(organization_ids)), "modified": now}
    statement = insert(territory).values(id=str(uuid.uuid4()), slug=slug, created=now, **values)
    statement = statement.on_conflict_do_update(index_elements=[territory.c.slug], set_=values)
    conn.execute(statement)
    return get_territory(conn, slug)


def get_territory(conn: sa.engine.Connection, slug_or_id: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(territory).where(
        sa.or_(territory.c.slug == slug_or_id, territory.c.id == slug_or_id))).mappings().first()
    return dict(row) if row else None


def list_territories(conn: sa.engine.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(territory).order_by(territory.c.name)).mappings()
    return [dict(row) for row in rows]


def territory_reference(conn: sa.engine.Connection, rules: Mapping[str, Any]) -> Reference:
    """The territory's collectivités: communes of its départements, of its EPCI and its explicit
    SIRENs, plus the EPCI, départements and régions above those communes."""
    deps = set(rules.get("departements") or ())
    epcis = set(rules.get("epci") or ())
    sirens = set(rules.get("sirens") or ())
    c = collectivite.c
    clauses = []
    if deps:
        clauses.append(c.dep.in_(deps))
    if epcis or sirens:
        clauses += [c.epci_siren.in_(epcis | sirens), c.siren.in_(epcis | sirens)]
    if not clauses:
        return Reference(())
    columns = [col for col in collectivite.c if col.name != "geometry"]
    rows = [dict(row) for row in conn.execute(
        sa.select(*columns).where(sa.or_(*clauses), c.kind.in_(("commune", "epci")))).mappings()]
    # The levels above: EPCI seated outside the départements, every département and région.
    upper_epci = {row["epci_siren"] for row in rows if row["epci_siren"]} - {row["siren"] for row in rows}
    rows += [dict(row) for row in conn.execute(sa.select(*columns).where(sa.or_(
        c.siren.in_(upper_epci), c.kind.in_(("departement", "region"))))).mappings()]
    candidates = Reference(tuple(to_record(row) for row in rows))
    chosen: dict[str, Collectivite] = {}
    if deps:
        chosen.update((r.siren, r) for r in candidates.filter(dep=deps))
    if epcis:
        chosen.update((r.siren, r) for r in candidates.filter(epci=epcis))
    explicit = [candidates.get(s) for s in sirens if candidates.get(s)]
    explicit_communes = [r.insee for r in explicit if r.kind == "commune"]
    if explicit_communes:
        chosen.update((r.siren, r) for r in candidates.filter(communes=explicit_communes))
    chosen.update((r.siren, r) for r in explicit)
    return Reference(tuple(sorted(chosen.values(), key=lambda r: (r.kind != "region",
                                                                   r.kind != "departement",
                                                                   r.kind != "epci", r.name))))


def geometries(conn: sa.engine.Connection, sirens: Iterable[str], kind: str = "commune") -> dict[str, dict[str, Any]]:
    """``{insee: geometry}`` of those communes that have an outline (``{siren: geometry}``
    with ``kind="epci"``)."""
    key = collectivite.c.insee if kind == "commune" else collectivite.c.siren
    rows = conn.execute(sa.select(key, collectivite.c.geometry).where(
        collectivite.c.siren.in_(list(sirens)), collectivite.c.kind == kind,
        sa.func.jsonb_typeof(collectivite.c.geometry) == "object"))
    return {code: geometry for code, geometry in rows if code}


def add_override(conn: sa.engine.Connection, siren: str, status: str, reason: str, author: str, *,
                 territory_id: str, when: dt.datetime | None = None) -> dict[str, Any]:
    """Append a territory's decision (history is kept: rows are never updated)."""
    Override(status=status, reason=reason, author=author, date=when or dt.datetime.utcnow())
    values = {"siren": siren, "status": status, "reason": reason, "author": author,
              "territory_id": territory_id, "created": when or dt.datetime.utcnow()}
    new_id = conn.execute(obligation_override.insert().values(**values)
                          .returning(obligation_override.c.id)).scalar_one()
    return {"id": new_id, **values}


def current_overrides(conn: sa.engine.Connection, territory_id: str,
                      sirens: Iterable[str]) -> dict[str, Override]:
    """The territory's latest decision per SIREN (another territory's decisions
    are its own: two ATDs may judge one commune differently)."""
    o = obligation_override.c
    rows = conn.execute(sa.select(o.siren, o.status, o.reason, o.author, o.created)
                        .where(o.territory_id == territory_id, o.siren.in_(list(sirens)))
                        .order_by(o.siren, o.created, o.id)).all()
    latest = {}
    for siren, status, reason, author, created in rows:
        latest[siren] = Override(status=status, reason=reason, author=author, date=created)
    return latest


def override_history(conn: sa.engine.Connection, territory_id: str, siren: str) -> list[dict[str, Any]]:
    o = obligation_override.c
    rows = conn.execute(sa.select(obligation_override).where(o.territory_id == territory_id, o.siren == siren)
                        .order_by(o.created.desc(), o.id.desc())).mappings()
    return [dict(row) for row in rows]
