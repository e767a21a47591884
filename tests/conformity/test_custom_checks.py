"""Each custom check: valid, invalid, empty cell, missing column (Validata semantics)."""
from __future__ import annotations

import pytest

from ckanext.opendatalocale.conformity import validate
from ckanext.opendatalocale.conformity.checks import frformat_classes, kebab_case

SIRET_OK = "21350238800019"
SIRET_BAD = "21350238800018"
SIREN_OK = "213502388"


def schema(fields, checks):
    return {"fields": [f if isinstance(f, dict) else {"name": f, "type": "string"} for f in fields],
            "custom_checks": checks}


def run(csv_text: str, descriptor: dict):
    return validate(csv_text.encode("utf-8"), descriptor, max_errors=1000)


def counts(report) -> dict:
    return dict(report.counts_by_type)


# ----------------------------------------------------------------- frformat-backed

SIRET_SCHEMA = schema(["id", "other"], [{"name": "french-siret-value", "params": {"column": "id"}}])


@pytest.mark.parametrize("value,expected", [
    (SIRET_OK, {}),
    (SIRET_BAD, {"custom-check-error": 1}),
    ("2.1e13", {"custom-check-error": 1}),
    ("", {}),  # empty cell: requiredness is the schema's business
])
def test_siret(value, expected):
    report = run(f"id,other\n{value},x\n", SIRET_SCHEMA)
    assert counts(report) == expected
    if expected:
        error = report.errors[0]
        assert (error.check, error.row, error.column, error.value) == ("siret", 2, "id", value)
        assert error.message["fr"] == f"La colonne id contient un SIRET invalide à la ligne 2 : « {value} »."
        assert error.message["en"] == f"Column id contains an invalid SIRET at row 2: “{value}”."


def test_siret_missing_column_is_skipped():
    assert counts(run("other\nx\n", SIRET_SCHEMA)) == {}


def test_new_name_siret_and_siren():
    descriptor = schema(["a", "b"], [{"name": "siret", "params": {"column": "a"}},
                                     {"name": "french-siren-value", "params": {"column": "b"}}])
    assert counts(run(f"a,b\n{SIRET_OK},{SIREN_OK}\n", descriptor)) == {}
    report = run(f"a,b\n{SIRET_OK},123456789\n", descriptor)
    assert counts(report) == {"custom-check-error": 1}
    assert report.errors[0].check == "siren" and "SIREN" in report.errors[0].message["fr"]


def test_field_level_custom_check_declaration():
    descriptor = {"fields": [{"name": "id", "type": "string", "customCheck": "siret"}]}
    assert counts(run(f"id\n{SIRET_BAD}\n", descriptor)) == {"custom-check-error": 1}


@pytest.mark.parametrize("value,expected", [
    ("35238", {}), ("99999", {"custom-check-error": 1}), ("", {}),
])
def test_code_commune_insee_with_version(value, expected):
    descriptor = schema(["insee", "x"], [{"name": "code-commune-insee", "params": {"column": "insee", "version": "2024"}}])
    assert counts(run(f"insee,x\n{value},x\n", descriptor)) == expected


def test_versioned_format_without_version_is_a_check_error():
    descriptor = schema(["insee"], [{"name": "code-commune-insee", "params": {"column": "insee"}}])
    report = run("insee\n35238\n", descriptor)
    assert counts(report) == {"check-error": 1}
    assert "version" in report.errors[0].message["en"]


@pytest.mark.parametrize("value,expected", [("56000", {}), ("00000", {"custom-check-error": 1})])
def test_code_postal(value, expected):
    descriptor = schema(["cp"], [{"name": "code-postal", "params": {"column": "cp"}}])
    assert counts(run(f"cp\n{value}\n", descriptor)) == expected


def test_frformat_names_cover_both_frformat_versions():
    names = frformat_classes()
    for name in ("siret", "siren", "code-commune-insee", "code-postal", "nomenclature-acte",
                 "code-pays-iso2", "coordonnees-gps-francaises", "numero-departement", "code-departement"):
        assert name in names
    assert kebab_case("CodePaysISO3") == "code-pays-iso3"
    assert kebab_case("IdRNB") == "id-rnb"
    assert kebab_case("CoordonneesGPSFrancaises") == "coordonnees-gps-francaises"


def test_unknown_check_is_reported():
    report = run("a\nx\n", schema(["a"], [{"name": "no-such-check", "params": {"column": "a"}}]))
    assert report.status == "invalid" and counts(report) == {"check-error": 1}


# ----------------------------------------------------------------- nomenclature ACTES

ACTES = schema(["m", "x"], [{"name": "nomenclature-actes-value", "params": {"column": "m"}}])


@pytest.mark.parametrize("value,expected", [
    ("Urbanisme/Documents d'urbanisme", {}),
    ("finances locales/Subventions", {}),  # case and accents are ignored
    ("Fonction Publique/Personnel", {}),
    ("Urbanisme / Documents", {"custom-check-error": 1}),  # spaces around the slash
    ("Voirie/Travaux", {"custom-check-error": 1}),  # not an ACTES root
    ("Urbanisme", {"custom-check-error": 1}),  # no slash
    ("", {}),
])
def test_nomenclature_actes(value, expected):
    assert counts(run(f"m,x\n\"{value}\",x\n", ACTES)) == expected


# ----------------------------------------------------------------- year-interval-value

YEARS = schema(["y", "x"], [{"name": "year-interval-value", "params": {"column": "y"}}])
YEARS_ONLY = schema(["y", "x"], [{"name": "year-interval-value", "params": {"column": "y", "allow-year-only": "yes"}}])


@pytest.mark.parametrize("descriptor,value,expected", [
    (YEARS, "2017/2018", {}),
    (YEARS, "2018/2017", {"year-interval-value": 1}),
    (YEARS, "2017/2017", {"year-interval-value": 1}),
    (YEARS, "2017", {"year-interval-value": 1}),
    (YEARS_ONLY, "2017", {}),
    (YEARS_ONLY, "17/18", {"year-interval-value": 1}),
    (YEARS, "", {}),
])
def test_year_interval(descriptor, value, expected):
    assert counts(run(f"y,x\n{value},x\n", descriptor)) == expected


def test_year_interval_missing_column():
    assert counts(run("x\n2018/2017\n", YEARS)) == {}


# ----------------------------------------------------------------- cohesive-columns-value

COHESIVE = schema(["a", "b", "c", "z"], [{"name": "cohesive-columns-value", "params": {"column": "a", "othercolumns": ["b", "c"]}}])


@pytest.mark.parametrize("line,expected", [
    ("1,2,3", {}), (",,", {"blank-row": 1}), ("1,,3", {"cohesive-columns-value": 1}), (",2,", {"cohesive-columns-value": 1}),
])
def test_cohesive_columns(line, expected):
    # An all-empty row is a blank-row (frictionless) but cohesive (all empty).
    assert counts(run(f"a,b,c\n{line}\n", COHESIVE)) == expected


def test_cohesive_columns_partly_absent_is_one_file_error():
    report = run("a,b\n1,2\n1,2\n", COHESIVE)
    assert counts(report) == {"cohesive-columns-value": 1}
    assert report.errors[0].code == "cohesive-columns-absent"


def test_cohesive_columns_all_absent_is_fine():
    assert counts(run("z\n1\n\n", COHESIVE)) == {"blank-row": 1}


# ----------------------------------------------------------------- compare-columns-value

COMPARE = schema([{"name": "total", "type": "integer"}, {"name": "part", "type": "integer"}],
                 [{"name": "compare-columns-value", "params": {"column": "total", "column2": "part", "op": ">="}}])
DATES = schema([{"name": "pref", "type": "date"}, {"name": "delib", "type": "date"}],
               [{"name": "compare-columns-value", "params": {"column": "pref", "column2": "delib", "op": ">="}}])


@pytest.mark.parametrize("line,expected", [
    ("10,9", {}), ("10,10", {}), ("9,10", {"compare-columns-value": 1}),
    ("100,99", {}),  # numeric, not lexicographic
    (",5", {}), ("5,", {}),
])
def test_compare_columns_numbers(line, expected):
    assert counts(run(f"total,part\n{line}\n", COMPARE)) == expected


def test_compare_columns_dates():
    assert counts(run("pref,delib\n2017-10-16,2017-10-15\n", DATES)) == {}
    report = run("pref,delib\n2017-02-03,2017-10-15\n", DATES)
    assert counts(report) == {"compare-columns-value": 1}
    assert "2017-02-03" in report.errors[0].message["fr"]


def test_compare_columns_missing_column():
    assert counts(run("total\n1\n", COMPARE)) == {}


def test_compare_columns_mixed_types_are_not_comparable():
    descriptor = schema([{"name": "a", "type": "date"}, {"name": "b", "type": "integer"}],
                        [{"name": "compare-columns-value", "params": {"column": "a", "column2": "b", "op": "<"}}])
    report = run("a,b\n2020-01-01,3\n", descriptor)
    assert counts(report) == {"compare-columns-value": 1}
    assert report.errors[0].code == "compare-columns-incomparable"


def test_compare_columns_bad_operator():
    descriptor = schema(["a", "b"], [{"name": "compare-columns-value", "params": {"column": "a", "column2": "b", "op": "!="}}])
    assert counts(run("a,b\n1,2\n", descriptor)) == {"check-error": 1}


# ----------------------------------------------------------------- sum-columns-value

SUM = schema([{"name": n, "type": "integer"} for n in ("reel", "pour", "contre", "abst")],
             [{"name": "sum-columns-value", "params": {"column": "reel", "columns": ["pour", "contre", "abst"]}}])


@pytest.mark.parametrize("line,expected", [
    ("10,5,3,2", {}), ("10,5,3,1", {"sum-columns-value": 1}), ("10,5,,2", {}), (",5,3,2", {}),
])
def test_sum_columns(line, expected):
    assert counts(run(f"reel,pour,contre,abst\n{line}\n", SUM)) == expected


def test_sum_columns_missing_column():
    assert counts(run("reel,pour,contre\n10,1,1\n", SUM)) == {}


# ----------------------------------------------------------------- one-of-required

ONE_OF = schema(["idBeneficiaire", "rnaBeneficiaire", "x"],
                [{"name": "one-of-required", "params": {"column1": "idBeneficiaire", "column2": "rnaBeneficiaire"}}])


@pytest.mark.parametrize("line,expected", [
    (f"{SIRET_OK},,x", {}), (",W123456789,x", {}), (f"{SIRET_OK},W123456789,x", {}),
    (",,x", {"one-of-required": 1}),
])
def test_one_of_required(line, expected):
    assert counts(run(f"idBeneficiaire,rnaBeneficiaire,x\n{line}\n", ONE_OF)) == expected


def test_one_of_required_one_column_absent():
    assert counts(run("idBeneficiaire,x\n1,x\n,x\n", ONE_OF)) == {"one-of-required": 1}


def test_one_of_required_both_columns_absent_is_one_file_error():
    report = run("x\na\nb\nc\n", ONE_OF)
    assert counts(report) == {"one-of-required": 1}
    assert report.errors[0].code == "one-of-required-absent"
    assert "idBeneficiaire" in report.errors[0].message["fr"]


def test_custom_checks_run_on_blank_rows_like_validata():
    # Validata reports blank-row *and* one-of-required on an empty line.
    assert counts(run(f"idBeneficiaire,rnaBeneficiaire,x\n{SIRET_OK},,x\n\n", ONE_OF)) == {
        "blank-row": 1, "one-of-required": 1}
