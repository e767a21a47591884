"""Each normaliser on its edge cases."""
from __future__ import annotations

import datetime as dt

import pytest

from ckanext.opendatalocale.convert import core, normalise, numbers
from ckanext.opendatalocale.convert.identifiers import luhn_complete
from ckanext.opendatalocale.convert.normalise import compile_field, match_enum, number_style


def _number(**extra):
    return compile_field({"name": "montant", "type": "number", **extra})


@pytest.mark.parametrize("cell,expected", [
    ("2 441,50 €", "2441.50"), ("2\u00a0441,50\u00a0€", "2441.50"), ("1 234", "1234"), ("-12,5", "-12.5"),
    ("(300,00)", "-300.00"), ("300-", "-300"), ("−7", "-7"), (1745.39, "1745.39"), (12, "12"), ("0,25", "0.25"),
])
def test_numbers(cell, expected):
    assert _number()(cell) == (expected, None)


def test_thousands_separators_follow_the_column_style():
    assert number_style(["1.234,5", "12.345.678"]) == "fr-dots"
    assert number_style(["1,234.5", "2,000.00"]) == "en"
    assert compile_field({"type": "number"}, samples=["1.234,5"])("1.234,5") == ("1234.5", None)
    assert compile_field({"type": "number"}, samples=["1,234.5"])("1,234.5") == ("1234.5", None)
    assert compile_field({"type": "number"}, samples=["1.234,5", "2.000"])("2.000") == ("2000", None)
    assert compile_field({"type": "number"}, samples=["1,234.5", "2,000"])("2,000") == ("2000", None)
    assert compile_field({"type": "number"}, samples=["2,5"])("2,000") == ("2.000", None)  # French: a decimal comma


@pytest.mark.parametrize("text", ["12", "0012", "1 234", "1 234,56 €", "12,5", "0012,5", "1\u00a0234,5€",
                                  "12 345,67 €", "12,3 €", "12,345", "1,234", "1 23", "123 4567", "1.234", "12.5"])
@pytest.mark.parametrize("style", ["fr", "en", "fr-dots"])
def test_the_quick_path_for_plain_numbers_reads_them_as_the_general_rules_do(text, style):
    # parse_number skips the general rules for unambiguous shapes (the bulk of a column): same answer.
    assert normalise.parse_number(text, style) == numbers._parse_text_number(text, style)


def test_cache_keys_tell_equal_python_values_apart():
    # 1, 1.0 and True compare equal in Python but are different cells (number, number, boolean).
    assert len({normalise.cell_key(v) for v in (1, 1.0, True, "1")}) == 4
    flag = compile_field({"type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]})
    assert [flag(v) for v in (True, 1, "1")] == [("oui", None)] * 3
    assert compile_field({"type": "string"})(1.0) == ("1", None)


def test_repeated_cells_are_counted_and_reported_on_every_row():
    # The conversion converts each distinct cell once: counts and reports still cover every row.
    schema = {"fields": [{"name": "actif", "type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]},
                         {"name": "jour", "type": "date"}]}
    rows = "".join(f"{'Oui' if i % 2 else 'peut-être'};25/08/2024\n" for i in range(6))
    table = core.read_table(("Actif;Jour\n" + rows).encode("utf-8"), "t.csv")
    result = core.convert(table, schema, core.suggest(table, schema))
    assert result.changed_cells == {"actif": 3, "jour": 6}
    assert result.examples["jour"] == [("25/08/2024", "2024-08-25")]
    assert [(row, value) for row, _col, _field, value, _fr, _en in result.unconverted] == [
        (2, "peut-être"), (4, "peut-être"), (6, "peut-être")]
    assert result.unconverted_count == 3


def test_percent_becomes_a_fraction_only_when_the_field_says_so():
    share = _number(constraints={"minimum": 0.01, "maximum": 1})
    assert share("45 %") == ("0.45", None)
    assert _number()("45 %") == ("45", None)


def test_a_number_that_is_not_one_is_kept_and_reported():
    assert _number()("environ 300") == ("environ 300", ("not-a-number", {}))
    assert compile_field({"type": "integer"})("12,5") == ("12,5", ("not-an-integer", {}))
    assert compile_field({"type": "integer"})("1 200") == ("1200", None)


@pytest.mark.parametrize("cell,expected", [
    ("25/08/2024", "2024-08-25"), ("5/3/24", "2024-03-05"), ("01/02/03", "2003-02-01"), ("5 mars 2024", "2024-03-05"),
    ("1er août 2024", "2024-08-01"), ("25.08.2024", "2024-08-25"), (45000, "2023-03-15"), ("45000", "2023-03-15"),
    ("2024-08-25 14:30", "2024-08-25"), (dt.datetime(2024, 8, 25), "2024-08-25"), ("20240825", "2024-08-25"),
])
def test_dates_are_read_day_first(cell, expected):
    assert compile_field({"type": "date"})(cell) == (expected, None)


def test_dates_that_do_not_exist_are_kept():
    assert compile_field({"type": "date"})("31/02/2024") == ("31/02/2024", ("not-a-date", {}))
    assert compile_field({"type": "date", "format": "%d/%m/%Y"})("2024-08-25") == ("25/08/2024", None)
    assert compile_field({"type": "datetime"})("25/08/2024 09:05") == ("2024-08-25T09:05:00", None)


def test_siret_spaces_dots_and_lost_zeros():
    siret = compile_field({"type": "string", "constraints": {"pattern": r"^\d{14}$"}}, {"siret"})
    assert siret("215 601 212 60838") == ("21560121260838", None)
    assert siret("215.601.212.60838") == ("21560121260838", None)
    assert siret(21560121260838) == ("21560121260838", None)
    # A SIRET whose Luhn check fails stays as it was, reported.
    assert siret("215 601 212 60839") == ("215 601 212 60839", ("bad-siret", {}))
    # Leading zero restored only because the check then passes...
    with_zero = luhn_complete(luhn_complete("07350025") + "0005")
    assert siret(int(with_zero)) == (with_zero, None)
    # ...never guessed otherwise.
    assert siret("1234567890123")[1] == ("bad-siret", {})


def test_insee_code_gets_its_leading_zero_back_from_the_pattern():
    insee = compile_field({"type": "string", "constraints": {"pattern": r"^([013-9]\d|2[AB1-9])\d{3}$"}})
    assert insee(1053) == ("01053", None)
    assert insee("56007") == ("56007", None)
    assert insee("abc")[1][0] == "bad-insee"


def test_booleans_follow_the_schema_values():
    flag = compile_field({"type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]})
    assert [flag(v)[0] for v in ("Oui", "O", "X", "vrai", "Non", "N", "faux", True)] == ["oui"] * 4 + ["non"] * 3 + ["oui"]
    assert flag("peut-être")[1][0] == "not-a-boolean"


def test_enums_match_without_case_accents_or_list_spacing_but_never_guess():
    members = ["aide en numéraire", "aide en nature", "aide en numéraire;aide en nature"]
    assert match_enum("AIDE EN NUMERAIRE", members) == ("aide en numéraire", None)
    assert match_enum("Aide en numéraire ; aide en nature", members) == ("aide en numéraire;aide en nature", None)
    found, problem = match_enum("aide en natur", ["aide en nature", "aide en natura"])
    assert found is None and problem[0] == "enum-ambiguous"
    assert match_enum("subvention", members)[1][0] == "enum-unknown"


def test_lists_and_coordinates():
    listed = compile_field({"type": "string", "example": "W;L"})
    assert listed("W ; L") == ("W;L", None)
    assert compile_field({"type": "number"})("47,744425") == ("47.744425", None)
    allergens = compile_field({"type": "array", "arrayItem": {"constraints": {"enum": ["lait", "céleri"]}}})
    assert allergens("Lait, Celeri") == ('["lait", "céleri"]', None)


def test_period_of_dates_in_a_patterned_text_field():
    period = compile_field({"type": "string", "constraints": {
        "pattern": r"^[0-9]{4}\-[0-9]{2}\-[0-9]{2}(\/[0-9]{4}\-[0-9]{2}\-[0-9]{2})?$"}})
    assert period("du 01/03/2024 au 30/06/2024") == ("2024-03-01/2024-06-30", None)
    assert period("12/05/2024") == ("2024-05-12", None)
    assert period("au printemps")[1] == ("pattern", {})
