"""navl schemas of the dashboard's actions (territories, indicators, follow-up, the ATD's
programme), and their validators (as in ``ckan.logic.schema``)."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
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


def validate(data_dict: dict[str, Any], schema: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """``data_dict`` validated by ``schema``, or a ValidationError with a message per field."""
    data, errors = tk.navl_validate(data_dict, schema, context)
    if errors:
        raise tk.ValidationError(errors)
    return data


# -- validators of the dashboard's actions ---------------------------------------------------

MAX_LIMIT = 1000
MAX_REMINDERS = 1000
MAX_TOKEN_CHARS = 64
MAX_DATABASE_ID = 2**31 - 1  # an integer column
ORDERS = ("asc", "desc")
# As forms and query strings send a yes/no: an empty value is no, a missing one the default.
FLAGS = {"1": True, "true": True, "yes": True, "on": True, "": False, "0": False, "false": False, "no": False,
         "off": False}


def choice(values: Iterable[str]):
    """One of ``values``; anything else is an error naming them (CKAN's ``one_of`` takes an
    empty value and names them as a Python list)."""
    values = tuple(values)

    def validator(value: Any, context: dict[str, Any]) -> str:
        if value not in values:
            raise tk.Invalid(tk._("Must be one of: {values}").format(values=", ".join(values)))
        return value
    return validator


def flag_validator(value: Any, context: dict[str, Any]) -> bool:
    """A yes/no parameter: true or false (1/0, yes/no, on/off as forms send them); anything
    else is an error, where CKAN's ``boolean_validator`` would read it as false."""
    if isinstance(value, bool):
        return value
    flag = FLAGS.get(str(value).strip().lower())
    if flag is None:
        raise tk.Invalid(tk._("Must be true or false"))
    return flag


def missing_as(default_value: Any):
    """A missing value becomes ``default_value``; unlike navl's ``default``, an empty one is
    left to the next validator."""
    from ckan.lib.navl.dictization_functions import missing

    def validator(key, data, errors, context) -> None:
        if data.get(key, missing) in (missing, None):
            data[key] = default_value
    return validator


def database_id_validator(value: Any, context: dict[str, Any]) -> int:
    """The id of a row (a positive integer its column can hold)."""
    value = tk.get_validator("is_positive_integer")(value, context)
    if value > MAX_DATABASE_ID:
        raise tk.Invalid(tk._("Must be at most {max}").format(max=MAX_DATABASE_ID))
    return value


def limit_validator(maximum: int):
    """A page's size: a whole number, ``maximum`` when larger (as CKAN's
    ``limit_to_configured_maximum``, which alone would add a second error to a non-number)."""
    def validator(value: Any, context: dict[str, Any]) -> int:
        return min(tk.get_validator("natural_number_validator")(value, context), maximum)
    return validator


def stripped(value: Any, context: dict[str, Any]) -> str:
    return str(value).strip()


def max_chars(maximum: int):
    def validator(value: Any, context: dict[str, Any]) -> str:
        if len(value) > maximum:
            raise tk.Invalid(tk._("Too long (at most {max} characters)").format(max=maximum))
        return value
    return validator


def email_validator(value: Any, context: dict[str, Any]) -> str:
    from ckanext.opendatalocale.dashboard.programme import EMAIL

    if not EMAIL.match(value):
        raise tk.Invalid(tk._("Not a valid e-mail address"))
    return value


def date_validator(value: Any, context: dict[str, Any]) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise tk.Invalid(tk._("Not a date (YYYY-MM-DD)"))


def year_validator(value: Any, context: dict[str, Any]) -> int:
    """A report's year, 2000 to 2100."""
    value = tk.get_validator("int_validator")(value, context)
    if value is None or not 2000 <= value <= 2100:
        raise tk.Invalid(tk._("Invalid year"))
    return value


def chosen_sirens_validator(value: Any, context: dict[str, Any]) -> list[str]:
    """SIRENs chosen for reminders (a list or space- or comma-separated text), each once, at
    most ``MAX_REMINDERS``."""
    return list(dict.fromkeys(_as_list(value)))[:MAX_REMINDERS]


# -- schemas of the dashboard's actions ------------------------------------------------------

def _territory_id() -> list[Any]:
    v = tk.get_validator
    return [v("not_empty"), v("unicode_safe")]


def _siren(required: bool = True) -> list[Any]:
    v = tk.get_validator
    return [v("not_empty") if required else v("ignore_empty"), v("unicode_safe"), stripped]


def filters_schema() -> dict[str, Any]:
    """The filters and sort of the collectivités' table (shared by the list, the matrix, the
    map and the reminders)."""
    from ckanext.opendatalocale.dashboard.refresh import SORTS
    from ckanext.opendatalocale.territories.bands import BANDS_BY_CODE

    v = tk.get_validator
    return {
        "epci": [v("ignore_empty"), v("unicode_safe")],
        "kind": [v("ignore_empty"), choice(KINDS)],
        "band": [v("ignore_empty"), choice(BANDS_BY_CODE)],
        "obliged_only": [missing_as(False), flag_validator],
        "schema": [v("ignore_empty"), v("unicode_safe")],
        "q": [v("ignore_empty"), v("unicode_safe")],
        "sort": [v("default")("name"), choice(SORTS)],
        "order": [v("default")("asc"), choice(ORDERS)],
    }


def _paging(default_limit: int) -> dict[str, Any]:
    v = tk.get_validator
    return {"offset": [v("default")(0), offset_validator],
            "limit": [v("default")(default_limit), limit_validator(MAX_LIMIT)]}


def dashboard_territory_show_schema() -> dict[str, Any]:
    return {"id": _territory_id()}


def dashboard_collectivite_list_schema() -> dict[str, Any]:
    return {"id": _territory_id(), **filters_schema(), **_paging(50)}


def dashboard_collectivite_show_schema() -> dict[str, Any]:
    return {"id": _territory_id(), "siren": _siren()}


def dashboard_matrix_schema() -> dict[str, Any]:
    return {"id": _territory_id(), **filters_schema(), **_paging(100)}


def dashboard_refresh_schema() -> dict[str, Any]:
    return {"id": _territory_id(), "inline": [missing_as(False), flag_validator]}


def dashboard_override_create_schema() -> dict[str, Any]:
    from ckanext.opendatalocale.territories.obligation import STATUSES

    v = tk.get_validator
    return {"id": _territory_id(), "siren": _siren(),
            "status": [v("not_empty"), choice(STATUSES)],
            "reason": [v("not_empty"), v("unicode_safe"), stripped, v("not_empty")]}


def dashboard_note_create_schema() -> dict[str, Any]:
    from ckanext.opendatalocale.dashboard.programme import ACTION_KINDS

    v = tk.get_validator
    return {"id": _territory_id(), "siren": _siren(),
            "text": [v("not_empty"), v("unicode_safe"), stripped, v("not_empty")],
            # A plain note, or an entry of the ATD's action log (training, meeting...).
            "kind": [v("default")("note"), choice(("note", *ACTION_KINDS))],
            "occurred": [v("ignore_empty"), date_validator]}


def dashboard_note_list_schema() -> dict[str, Any]:
    return {"id": _territory_id(), "siren": _siren()}


def dashboard_contact_list_schema() -> dict[str, Any]:
    return {"id": _territory_id(), "siren": _siren()}


def dashboard_contact_create_schema() -> dict[str, Any]:
    v = tk.get_validator
    optional = [v("default")(""), v("unicode_safe"), stripped]
    return {"id": _territory_id(), "siren": _siren(),
            "email": [v("not_empty"), v("unicode_safe"), stripped, email_validator],
            "name": optional, "role": list(optional)}


def dashboard_contact_delete_schema() -> dict[str, Any]:
    v = tk.get_validator
    return {"id": _territory_id(), "siren": _siren(),
            "contact_id": [v("not_empty"), database_id_validator]}


def dashboard_reminder_exclude_schema() -> dict[str, Any]:
    v = tk.get_validator
    return {"id": _territory_id(), "siren": _siren(),
            "exclude": [missing_as(True), flag_validator],
            "reason": [v("default")(""), v("unicode_safe"), stripped]}


def dashboard_reminder_preview_schema() -> dict[str, Any]:
    v = tk.get_validator
    return {"id": _territory_id(), **filters_schema(),
            "sirens": [v("ignore_missing"), chosen_sirens_validator],
            "subject": [v("default")(""), v("unicode_safe"), stripped],
            "intro": [v("default")(""), v("unicode_safe"), stripped]}


def dashboard_reminder_send_schema() -> dict[str, Any]:
    v = tk.get_validator
    return {**dashboard_reminder_preview_schema(),
            "token": [v("not_empty"), v("unicode_safe"), stripped, v("not_empty"), max_chars(MAX_TOKEN_CHARS)]}


def dashboard_reminder_list_schema() -> dict[str, Any]:
    v = tk.get_validator
    return {"id": _territory_id(), "siren": _siren(required=False),
            "token": [v("ignore_empty"), v("unicode_safe"), stripped]}


def dashboard_action_list_schema() -> dict[str, Any]:
    v = tk.get_validator
    return {"id": _territory_id(), "year": [v("default")(dt.date.today().year), year_validator]}


dashboard_report_show_schema = dashboard_action_list_schema
