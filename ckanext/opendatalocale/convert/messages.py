"""The converter's messages, English in the code and French in ``i18n/fragments/convert.fr.po``.

Each message is marked with :func:`N_` so ``scripts/build_i18n.py`` extracts
it into the suite's catalogue; the pure core reads the French text back from
the compiled catalogue with the standard library's gettext (no CKAN needed),
and the CKAN glue can pass the same English text to ``toolkit._``.
"""
from __future__ import annotations

import gettext
from functools import lru_cache
from typing import Any

DOMAIN = "ckanext-opendatalocale"


def N_(text: str) -> str:
    """Mark a message for extraction; translated when rendered."""
    return text


MESSAGES: dict[str, str] = {
    # Input that cannot be converted (ConvertError).
    "empty-file": N_("The file is empty."),
    "no-header": N_("No header row was found: the first rows hold no column names."),
    "binary-file": N_("This file is not a table (it looks like a binary file)."),
    "too-large": N_("The file is larger than the limit of {limit} bytes."),
    "spreadsheet-too-large": N_("The spreadsheet expands to more than {limit} bytes once unzipped (zip bomb?)."),
    "too-many-columns": N_("The table has {count} columns; at most {limit} are accepted."),
    "too-many-rows": N_("The table has more than {limit} rows."),
    "unreadable-spreadsheet": N_("The spreadsheet cannot be read: {note}"),
    "unsupported-format": N_("The format {format} is not a table the converter reads (CSV, XLSX, XLS, ODS)."),
    "malformed-csv": N_("The CSV file is malformed near line {row}: {note}"),
    "cell-too-large": N_("A cell near line {row} is longer than {limit} characters."),
    "encoding": N_("The text encoding of the file cannot be read."),
    "invalid-schema": N_("The schema cannot be used: {note}"),
    "bad-recipe": N_("The recipe cannot be read: {note}"),
    "unknown-field": N_("The schema has no field named {field}."),
    "bad-constant": N_("A constant must be written FIELD=VALUE, not {text}."),
    "unknown-schema": N_("Unknown schema: {name}."),
    # Values left as they were (unconverted).
    "not-a-date": N_("not a date the converter recognises"),
    "not-a-datetime": N_("not a date and time the converter recognises"),
    "not-a-number": N_("not a number"),
    "not-an-integer": N_("not a whole number"),
    "not-a-year": N_("not a year"),
    "not-a-boolean": N_("not a yes/no value the schema accepts ({values})"),
    "bad-siret": N_("not a valid SIRET (14 digits passing the Luhn check)"),
    "bad-siren": N_("not a valid SIREN (9 digits passing the Luhn check)"),
    "bad-insee": N_("not an INSEE municipality code (5 characters)"),
    "enum-ambiguous": N_("close to several allowed values ({values}): not guessed"),
    "enum-unknown": N_("not one of the allowed values ({values})"),
    "pattern": N_("does not have the expected form"),
    "too-long": N_("longer than {limit} characters"),
    "out-of-range": N_("outside the allowed range"),
    "not-a-coordinate": N_("not a coordinate"),
    # Reading notes (Table.warnings).
    "rows-skipped": N_("{count} row(s) above the header were skipped (title, notes or blank rows)."),
    "header-merged": N_("The header spread over two rows; the two rows were joined."),
    "header-renamed": N_("Blank or repeated column names were renamed: {names}."),
    "lossy-encoding": N_("Some characters could not be decoded and were replaced."),
    # Command line.
    "missing-field": N_("{field}: required field with no column (give it with --set {field}=VALUE)."),
    "unconverted-value": N_("row {row}, column {column}: “{value}” left as it was, {reason}."),
    # Recipe replay.
    "column-appeared": N_("New column: {column}."),
    "column-vanished": N_("Column no longer in the file: {column} (was {field})."),
    "column-changed": N_("Column {column} now looks like {now} rather than {before}."),
}


@lru_cache(maxsize=1)
def _french() -> gettext.NullTranslations:
    from ckanext.opendatalocale.resources import data_dir  # the import system knows where i18n/ is

    try:
        return gettext.translation(DOMAIN, localedir=str(data_dir("i18n")), languages=["fr"])
    except (OSError, ModuleNotFoundError):
        return gettext.NullTranslations()


def render(code: str, **params: Any) -> tuple[str, str]:
    """(French, English) text of a message with its parameters filled in."""
    english = MESSAGES.get(code, code)
    french = _french().gettext(english)
    return _fill(french, params), _fill(english, params)


def _fill(text: str, params: dict[str, Any]) -> str:
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text
