"""``ckan opendatalocale convert`` as the operator runs it, and its error paths."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ckanext.opendatalocale.cli import suite_group
from ckanext.opendatalocale.convert import cli

from .cases import FIXTURES, read_csv

ROOT = Path(__file__).resolve().parents[2]
opendatalocale = suite_group(*cli.COMMANDS)
CKAN = Path(sys.executable).with_name("ckan")
SUBVENTIONS_XLSX = FIXTURES / "dev" / "subventions-lorient-xlsx.xlsx"
DELIBERATIONS_CSV = FIXTURES / "dev" / "deliberations-lorient-csv.csv"


@pytest.fixture
def ckan_ini(tmp_path):
    """test.ini with the plugins that bring the ``convert`` command."""
    ini = tmp_path / "convert.ini"
    ini.write_text(
        "[app:main]\n"
        f"use = config:{ROOT / 'test.ini'}\n"
        "ckan.plugins = opendatalocale_search opendatalocale_convert opendatalocale_scdl opendatalocale_conformity\n"
        f"sqlalchemy.url = {os.environ.get('CKAN_SQLALCHEMY_URL', 'postgresql://postgres@127.0.0.1:5432/odl_test')}\n",
        encoding="utf-8",
    )
    return ini


def _ckan(ini: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CKAN), "-c", str(ini), "opendatalocale", "convert", *args],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_operator_converts_a_spreadsheet_then_replays_its_recipe(ckan_ini, tmp_path):
    out, recipe = tmp_path / "subventions.csv", tmp_path / "recipe.json"
    done = _ckan(ckan_ini, str(SUBVENTIONS_XLSX), "--schema", "scdl/subventions", "--output", str(out),
                 "--save-recipe", str(recipe), "--format", "json")
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert summary["conforms"] is True
    assert summary["schema"] == {"name": "scdl/subventions", "version": "2.1.1"}
    mapped = {m["column"]: m["field"] for m in summary["mapping"]}
    assert mapped["Montant (€)"] == "montant" and mapped["SIRET bénéficiaire"] == "idBeneficiaire"
    assert summary["unmapped_columns"] == ["Commentaire interne"]
    assert summary["changed_cells"]["nature"] == 76  # "Aide en numéraire" -> "aide en numéraire"
    assert summary["conformity"]["status"] == "valid"
    rows = read_csv(out.read_bytes())
    assert rows[0][:3] == ["nomAttribuant", "idAttribuant", "dateConvention"] and len(rows) == 77
    saved = json.loads(recipe.read_text(encoding="utf-8"))
    assert saved["columns"]["Commentaire interne"] is None and saved["schema_version"] == "2.1.1"

    again = _ckan(ckan_ini, str(SUBVENTIONS_XLSX), "--schema", "scdl/subventions", "--output",
                  str(tmp_path / "again.csv"), "--recipe", str(recipe))
    assert again.returncode == 0, again.stderr[-2000:]
    assert (tmp_path / "again.csv").read_bytes() == out.read_bytes()


def test_operator_gets_exit_1_and_the_missing_field_when_the_output_does_not_conform(ckan_ini, tmp_path):
    source = tmp_path / "sans-siret.csv"
    lines = DELIBERATIONS_CSV.read_bytes().decode("cp1252").splitlines()
    header = lines[0].split(";")
    drop = header.index("SIRET")
    source.write_bytes("\n".join(";".join(c for i, c in enumerate(line.split(";")) if i != drop)
                                 for line in lines).encode("cp1252"))
    done = _ckan(ckan_ini, str(source), "--schema", "scdl/deliberations", "--output", str(tmp_path / "o.csv"))
    assert done.returncode == 1, done.stderr[-2000:]
    assert "COLL_SIRET: required field with no column" in done.stdout
    fixed = _ckan(ckan_ini, str(source), "--schema", "scdl/deliberations", "--output", str(tmp_path / "o.csv"),
                  "--set", "COLL_SIRET=215 601 212 60838")
    assert fixed.returncode == 0, fixed.stdout[-2000:]
    assert read_csv((tmp_path / "o.csv").read_bytes())[1][1] == "21560121260838"


@pytest.mark.parametrize("content,code", [
    (b"", "empty-file"),
    (b"%PDF-1.4\n" + bytes(range(256)) * 40, "unsupported-format"),
    (b"1;2;3\n4;5;6\n", "no-header"),
])
def test_bad_input_exits_2_with_a_message_and_writes_nothing(tmp_path, content, code):
    source, out = tmp_path / "input.csv", tmp_path / "out.csv"
    source.write_bytes(content)
    result = CliRunner().invoke(opendatalocale, ["convert", str(source), "--schema", "scdl/subventions",
                                                 "--output", str(out), "--format", "json"])
    assert result.exit_code == 2, result.output
    assert json.loads(result.output)["error"]["code"] == code
    assert not out.exists()


def test_a_file_over_the_size_cap_is_refused_before_reading(tmp_path):
    source, out = tmp_path / "huge.csv", tmp_path / "out.csv"
    with open(source, "wb") as handle:  # a sparse 101 MiB file: over the 100 MiB default cap
        handle.truncate(101 * 1024 * 1024)
    result = CliRunner().invoke(opendatalocale, ["convert", str(source), "--schema", "scdl/subventions",
                                                 "--output", str(out)])
    assert result.exit_code == 2
    assert "larger than the limit" in result.output
    assert not out.exists()


def test_unknown_schema_bad_constant_and_bad_recipe_exit_2(tmp_path):
    runner, out = CliRunner(), str(tmp_path / "out.csv")
    base = ["convert", str(DELIBERATIONS_CSV), "--output", out]
    assert runner.invoke(opendatalocale, base + ["--schema", "scdl/inexistant"]).exit_code == 2
    assert runner.invoke(opendatalocale, base + ["--schema", "scdl/deliberations", "--set", "COLL_SIRET"]).exit_code == 2
    unknown_field = runner.invoke(opendatalocale, base + ["--schema", "scdl/deliberations", "--set", "NOPE=1"])
    assert unknown_field.exit_code == 2 and "NOPE" in unknown_field.output
    broken = tmp_path / "recipe.json"
    broken.write_text("{not json", encoding="utf-8")
    bad = runner.invoke(opendatalocale, base + ["--schema", "scdl/deliberations", "--recipe", str(broken)])
    assert bad.exit_code == 2 and "recipe" in bad.output
    assert not Path(out).exists()
