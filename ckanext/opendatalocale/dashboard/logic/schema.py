"""navl schemas of the territory actions, and their validators (as in ``ckan.logic.schema``)."""
from __future__ import annotations

import re
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.opendatalocale.territories import editing

KINDS = ("commune", "epci", "departement", "region")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,99}$")
MAX_HORIZON_DAYS = 3660
RESERVED_SLUGS = frozenset({"nouveau"})  # /territoire/nouveau is the creation form


def _conn():
    return model.Session.connection()


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return value.replace(",", " ").split()
    if isinstance(value, (list, tuple)):
        return [str(item).strip() for item in value if str(item).strip()]
    raise tk.Invalid(tk._("Not a list"))


def slug_validator(value: Any, context: dict[str, Any]) -> str:
    value = str(value).strip()
    if not SLUG.match(value) or value in RESERVED_SLUGS:
        raise tk.Invalid(tk._("Use 2 to 100 lower-case letters, digits and hyphens"))
    if editing.slug_taken(_conn(), value, context.get("territory_id")):
        raise tk.Invalid(tk._("This URL is already used by another territory"))
    return value


def _known(kind: str, message: str):
    def validator(value: Any, context: dict[str, Any]) -> list[str]:
        codes = sorted(set(_as_list(value)))
        unknown = [code for code in codes if code not in editing.known_codes(_conn(), kind, codes)]
        if unknown:
            raise tk.Invalid(tk._(message).format(codes=", ".join(unknown)))
        return codes
    return validator


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated when raised."""
    return message


departements_validator = _known("departement", N_("Unknown département: {codes}"))
epci_validator = _known("epci", N_("Not an EPCI à fiscalité propre of the reference: {codes}"))
sirens_validator = _known("siren", N_("Unknown SIREN: {codes}"))


def organizations_validator(value: Any, context: dict[str, Any]) -> list[str]:
    """Organisation names or ids, as ids."""
    ids, unknown = [], []
    for name in _as_list(value):
        group = model.Group.get(name)
        if group is None or not group.is_organization or group.state != "active":
            unknown.append(name)
        elif group.id not in ids:
            ids.append(group.id)
    if unknown:
        raise tk.Invalid(tk._("Organisation not found: {org}").format(org=", ".join(unknown)))
    return ids


def _schema_names() -> list[str]:
    from ckanext.opendatalocale.scdl.registry import get_registry

    return list(get_registry().names())


def expected_schemas_validator(value: Any, context: dict[str, Any]) -> dict[str, list[str]]:
    """``{kind: [schema, ...]}`` (lists or space-separated strings) of known schemas."""
    if not isinstance(value, dict):
        raise tk.Invalid(tk._("Expected an object {kind: [schema, ...]}"))
    names, result = _schema_names(), {}
    for kind, schemas in value.items():
        if kind not in KINDS:
            raise tk.Invalid(tk._("Unknown kind of collectivité: {kind}").format(kind=kind))
        schemas = list(dict.fromkeys(_as_list(schemas)))
        unknown = [name for name in schemas if name not in names]
        if unknown:
            raise tk.Invalid(tk._("Unknown schema: {names}").format(names=", ".join(unknown)))
        result[kind] = schemas
    return result


def schema_horizons_validator(value: Any, context: dict[str, Any]) -> dict[str, int]:
    """``{schema: days}`` with 1 ≤ days ≤ 3660."""
    if not isinstance(value, dict):
        raise tk.Invalid(tk._("Expected an object {schema: days}"))
    names, result = _schema_names(), {}
    for name, days in value.items():
        if name not in names:
            raise tk.Invalid(tk._("Unknown schema: {names}").format(names=name))
        try:
            days = int(str(days).strip())
        except ValueError:
            raise tk.Invalid(tk._("{schema}: the horizon must be a whole number of days").format(schema=name))
        if not 1 <= days <= MAX_HORIZON_DAYS:
            raise tk.Invalid(tk._("{schema}: the horizon must be between 1 and {max} days").format(
                schema=name, max=MAX_HORIZON_DAYS))
        result[name] = days
    return result


def _perimeter_required(key, data, errors, context) -> None:
    """After the fields: a territory needs at least one département, EPCI or collectivité."""
    if any(errors.get((field,)) for field in editing.RULE_KEYS):
        return
    if not any(data.get((field,)) for field in editing.RULE_KEYS):
        errors[("departements",)] = [tk._("Choose at least one département, EPCI or commune")]


def _fields(required: bool) -> dict[str, Any]:
    v = tk.get_validator
    first = [v("not_empty")] if required else [v("ignore_missing"), v("not_empty")]
    return {
        "name": first + [v("unicode_safe"), lambda value: value.strip()],
        "slug": [v("ignore_missing"), v("unicode_safe"), slug_validator],
        "description": [v("ignore_missing"), v("unicode_safe")],
        "departements": [v("ignore_missing"), departements_validator],
        "epci": [v("ignore_missing"), epci_validator],
        "sirens": [v("ignore_missing"), sirens_validator],
        "organizations": [v("ignore_missing"), organizations_validator],
        "expected_schemas": [v("ignore_missing"), expected_schemas_validator],
        "schema_horizons": [v("ignore_missing"), schema_horizons_validator],
    }


def territory_create_schema() -> dict[str, Any]:
    return {**_fields(required=True), "__after": [_perimeter_required]}


def territory_update_schema() -> dict[str, Any]:
    # The perimeter left after an update merges the given rules with the current ones: the
    # action checks that it is not empty.
    return {"id": [tk.get_validator("not_empty"), tk.get_validator("unicode_safe")], **_fields(required=False)}


def territory_reference_search_schema() -> dict[str, Any]:
    v = tk.get_validator
    return {"q": [v("not_empty"), v("unicode_safe")],
            "kinds": [v("ignore_missing"), _kinds_validator],
            "limit": [v("default")(20), v("natural_number_validator"), v("limit_to_configured_maximum")("", 50)]}


def _kinds_validator(value: Any, context: dict[str, Any]) -> list[str]:
    kinds = _as_list(value)
    unknown = [kind for kind in kinds if kind not in editing.SEARCH_KINDS]
    if unknown:
        raise tk.Invalid(tk._("Unknown kind of collectivité: {kind}").format(kind=", ".join(unknown)))
    return kinds


MAX_OFFSET = 1_000_000


def offset_validator(value: Any, context: dict[str, Any]) -> int:
    """A paging offset: a whole number a database can take (a huge one is bad input, not a 500)."""
    value = tk.get_validator("natural_number_validator")(value, context)
    if int(value) > MAX_OFFSET:
        raise tk.Invalid(tk._("Must be at most {max}").format(max=MAX_OFFSET))
    return int(value)


def territory_audit_list_schema() -> dict[str, Any]:
    v = tk.get_validator
    return {"id": [v("not_empty"), v("unicode_safe")],
            "offset": [v("default")(0), offset_validator],
            "limit": [v("default")(50), v("natural_number_validator"), v("limit_to_configured_maximum")("", 500)]}
