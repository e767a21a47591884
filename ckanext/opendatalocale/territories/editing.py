"""Territories edited by their ATD: create, update and delete with an audit row for each
change, the perimeter's items with their names, and the search of the national reference
that the perimeter picker uses. No CKAN import: the actions pass a connection, the user
name and the values their schema validated."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from .model import collectivite, territory, territory_audit

# What a territory is made of; the audit compares these.
FIELDS = ("name", "slug", "description", "rules", "organization_ids", "settings")
RULE_KEYS = ("departements", "epci", "sirens")
SEARCH_KINDS = ("departement", "epci", "commune")
_ACCENTED, _PLAIN = "àâäáãåçéèêëíìîïñóòôöõúùûüýÿ-'’", "aaaaaaceeeeiiiinooooouuuuyy   "


def fold(text: str) -> str:
    """Lower case, no accents, hyphens and apostrophes as spaces (as ``_folded`` in SQL)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"\s+", " ", re.sub(r"[-'’]", " ", text)).strip()


def _folded(column: Any) -> Any:
    return sa.func.translate(sa.func.lower(column), _ACCENTED, _PLAIN)


def normalise_rules(rules: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    return {key: sorted(set(rules.get(key) or ())) for key in RULE_KEYS}


def definition(row: Mapping[str, Any]) -> dict[str, Any]:
    return {field: row.get(field) for field in FIELDS}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` of the fields that differ."""
    return {field: [before.get(field), after.get(field)] for field in FIELDS
            if before.get(field) != after.get(field)}


def _audit(conn: sa.engine.Connection, row: Mapping[str, Any], action: str, changes: Mapping[str, Any],
           author: str, origin: str) -> None:
    conn.execute(territory_audit.insert().values(
        territory_id=row["id"], slug=row["slug"], action=action, author=author, origin=origin,
        changes=dict(changes), created=dt.datetime.utcnow()))


def _get(conn: sa.engine.Connection, territory_id: str) -> dict[str, Any]:
    return dict(conn.execute(sa.select(territory).where(territory.c.id == territory_id)).mappings().one())


def create(conn: sa.engine.Connection, values: Mapping[str, Any], author: str, origin: str) -> dict[str, Any]:
    """Insert a territory (``values``: the FIELDS) and its audit row."""
    now = dt.datetime.utcnow()
    row = {field: values.get(field) for field in FIELDS}
    row.update(id=str(uuid.uuid4()), rules=normalise_rules(values.get("rules") or {}),
               description=values.get("description") or "", settings=values.get("settings") or {},
               organization_ids=list(dict.fromkeys(values.get("organization_ids") or ())),
               created=now, modified=now)
    conn.execute(territory.insert().values(**row))
    _audit(conn, row, "create", {field: [None, row[field]] for field in FIELDS}, author, origin)
    return _get(conn, row["id"])


def update(conn: sa.engine.Connection, current: Mapping[str, Any], values: Mapping[str, Any],
           author: str, origin: str) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """Apply the given FIELDS (others unchanged); an audit row when something changed.
    Returns the territory and the changes."""
    after = definition(current)
    after.update({field: values[field] for field in FIELDS if field in values})
    after["rules"] = normalise_rules(after["rules"] or {})
    after["organization_ids"] = list(dict.fromkeys(after["organization_ids"] or ()))
    changes = diff(definition(current), after)
    if changes:
        conn.execute(territory.update().where(territory.c.id == current["id"])
                     .values(**after, modified=dt.datetime.utcnow()))
        _audit(conn, {**current, "slug": after["slug"]}, "update", changes, author, origin)
    return _get(conn, current["id"]), changes


def delete(conn: sa.engine.Connection, current: Mapping[str, Any], author: str, origin: str) -> None:
    """Remove the territory; obligation decisions are kept (they concern collectivités). The
    audit row keeps the whole definition. The features that computed figures for it drop
    their own (see the ``territory_delete`` action)."""
    conn.execute(territory.delete().where(territory.c.id == current["id"]))
    _audit(conn, current, "delete", {field: [current.get(field), None] for field in FIELDS}, author, origin)


def slug_taken(conn: sa.engine.Connection, slug: str, except_id: str | None = None) -> bool:
    query = sa.select(territory.c.id).where(territory.c.slug == slug)
    if except_id:
        query = query.where(territory.c.id != except_id)
    return conn.execute(query).first() is not None


def audit_list(conn: sa.engine.Connection, territory_id: str, offset: int = 0,
               limit: int = 50) -> list[dict[str, Any]]:
    a = territory_audit.c
    rows = conn.execute(sa.select(territory_audit).where(a.territory_id == territory_id)
                        .order_by(a.created.desc(), a.id.desc()).offset(offset).limit(limit)).mappings()
    return [dict(row) for row in rows]


_ITEM_COLUMNS = (collectivite.c.siren, collectivite.c.kind, collectivite.c.name, collectivite.c.insee,
                 collectivite.c.dep, collectivite.c.covers_deps, collectivite.c.population_totale,
                 collectivite.c.epci_siren)


def _item(row: Mapping[str, Any]) -> dict[str, Any]:
    kind = row["kind"]
    code = row["insee"] if kind == "departement" else row["siren"]
    return {"value": f"{kind if kind in ('departement', 'epci') else 'siren'}:{code}", "kind": kind, "code": code, "siren": row["siren"],
            "name": row["name"], "insee": row["insee"], "dep": row["dep"],
            "population": row["population_totale"], "epci_siren": row["epci_siren"]}


def search_reference(conn: sa.engine.Connection, q: str, kinds: Iterable[str] = SEARCH_KINDS,
                     limit: int = 20) -> list[dict[str, Any]]:
    """Départements, EPCI and communes whose name contains ``q`` (accents, case, hyphens
    ignored), or whose INSEE code or SIREN starts with it; the closest names first."""
    text = fold(q)
    if not text:
        return []
    c = collectivite.c
    name = _folded(c.name)
    code_match = sa.or_(c.insee == q.strip().upper(), c.siren.startswith(q.strip(), autoescape=True))
    rank = sa.case((name == text, 0), (name.startswith(text, autoescape=True), 1), else_=2)
    kind_order = sa.case(*((c.kind == kind, n) for n, kind in enumerate(SEARCH_KINDS)), else_=9)
    rows = conn.execute(sa.select(*_ITEM_COLUMNS)
                        .where(c.kind.in_(list(kinds)), sa.or_(name.contains(text, autoescape=True), code_match))
                        .order_by(rank, kind_order, c.population_totale.desc().nulls_last(), c.name)
                        .limit(limit)).mappings()
    return [_item(row) for row in rows]


def perimeter_items(conn: sa.engine.Connection, rules: Mapping[str, Iterable[str]]) -> list[dict[str, Any]]:
    """The perimeter's départements, EPCI and collectivités with their names, values as the
    picker posts them (a code missing from the reference is kept, ``known`` False)."""
    c = collectivite.c
    deps, epcis, sirens = (list((rules or {}).get(key) or ()) for key in RULE_KEYS)
    found = {}
    for row in conn.execute(sa.select(*_ITEM_COLUMNS).where(sa.or_(
            sa.and_(c.kind == "departement", c.insee.in_(deps)),
            sa.and_(c.kind == "epci", c.siren.in_(epcis)), c.siren.in_(sirens)))).mappings():
        item = _item(row)
        if row["siren"] in sirens:
            found[f"siren:{row['siren']}"] = {**item, "value": f"siren:{row['siren']}", "known": True}
        if row["kind"] in ("departement", "epci"):
            found[item["value"]] = {**item, "known": True}
    wanted = ([f"departement:{d}" for d in deps] + [f"epci:{e}" for e in epcis] + [f"siren:{s}" for s in sirens])
    return [found.get(value) or {"value": value, "kind": value.split(":")[0], "code": value.split(":")[1],
                                 "name": value.split(":")[1], "known": False} for value in wanted]


PICKED_KINDS = ("departement", "epci", "commune", "siren")


def rules_of(values: Iterable[str]) -> dict[str, list[str]]:
    """Perimeter rules from picked items ``departement:35``, ``epci:SIREN``, ``commune:SIREN``
    or ``siren:SIREN`` (any collectivité)."""
    rules: dict[str, set[str]] = {key: set() for key in RULE_KEYS}
    for value in values:
        kind, _, code = str(value).partition(":")
        key = {"departement": "departements", "epci": "epci", "commune": "sirens", "siren": "sirens"}.get(kind)
        if key is None or not code:
            raise ValueError(value)
        rules[key].add(code.strip())
    return normalise_rules(rules)


def known_codes(conn: sa.engine.Connection, kind: str, codes: Iterable[str]) -> set[str]:
    """Which of ``codes`` exist in the reference (département codes, EPCI or any SIREN)."""
    codes = list(codes)
    if not codes:
        return set()
    c = collectivite.c
    if kind == "departement":
        query = sa.select(c.insee).where(c.kind == "departement", c.insee.in_(codes))
    elif kind == "epci":
        query = sa.select(c.siren).where(c.kind == "epci", c.siren.in_(codes))
    else:
        query = sa.select(c.siren).where(c.siren.in_(codes))
    return set(conn.execute(query).scalars())
