"""The pure core: carrying rows of a schema version to the latest, row by row."""
from __future__ import annotations

from ckanext.opendatalocale.consolidation import samples
from ckanext.opendatalocale.consolidation.carry import carry_plan, line_cells, read_source
from ckanext.opendatalocale.scdl.registry import get_registry

ALLAIRE = "215600016"


def test_the_plan_says_what_an_older_version_loses_or_lacks():
    registry = get_registry()
    plan = carry_plan(registry, "scdl/subventions", "1.1.0")
    assert plan.emptied == ("rnaBeneficiaire", "dispositifAide") and not plan.blocking and not plan.dropped
    assert "pourcentageSubvention" in plan.changed
    assert [n["fr"].split(" : ")[0] for n in plan.notes()] == ["Version 1.1.0 → 2.1.1"] * 2
    assert carry_plan(registry, "scdl/subventions", None).notes() == []
    # menus-collectifs 1.2.0 renamed required columns: its rows cannot be carried.
    menus = carry_plan(registry, "scdl/menus-collectifs", "1.2.0")
    assert "menuRepasType" in menus.blocking and "menuTypeRepas" in menus.dropped
    assert any("ne peuvent pas être reprises" in note["fr"] for note in menus.notes())


def test_valid_rows_are_carried_in_the_latest_order_and_bad_ones_rejected_with_their_reason():
    registry = get_registry()
    rows = samples.subventions("Allaire", ALLAIRE, 6, version="1.1.0")
    rows[3][rows[0].index("montant")] = "beaucoup"
    rows.insert(5, [""] * len(rows[0]))  # a blank line in the middle: layout, not data
    result = read_source(samples.to_csv(rows, delimiter=";"), carry_plan(registry, "scdl/subventions", "1.1.0"))
    latest = registry.get("scdl/subventions")
    assert [number for number, _, _ in result.kept] == [2, 3, 5, 7, 8]
    cells = line_cells(result.kept[0][1])
    assert len(cells) == len(latest.field_names)
    assert cells[latest.field_names.index("rnaBeneficiaire")] == ""
    assert cells[latest.field_names.index("montant")] == rows[1][rows[0].index("montant")]
    (reject,) = result.rejects
    assert reject.row_number == 4 and reject.data["montant"] == "beaucoup"
    assert "montant" in reject.reason["fr"] and "beaucoup" in reject.reason["en"]
    assert (result.rows_read, result.rejected_rows, result.failed) == (6, 1, False)
    assert result.period == ("2024-01-01", "2024-06-08")


def test_exact_duplicates_share_a_key():
    rows = samples.subventions("Allaire", ALLAIRE, 3)
    rows.append(list(rows[1]))
    result = read_source(samples.to_xlsx(rows), carry_plan(get_registry(), "scdl/subventions", None))
    keys = [key for _, _, key in result.kept]
    assert len(result.kept) == 4 and keys[0] == keys[3] and len(set(keys)) == 3


def test_a_file_that_cannot_be_carried_is_one_reject_that_counts_its_rows():
    registry = get_registry()
    result = read_source(b"%PDF-1.4 not a table", carry_plan(registry, "scdl/subventions", None))
    assert result.failed and result.kept == [] and result.rejects[0].row_number is None
    assert "PDF" in result.rejects[0].reason["fr"] or "pdf" in result.rejects[0].reason["fr"]
    rows = [row[:-1] for row in samples.subventions("Allaire", ALLAIRE, 4)]  # no dispositifAide: fine
    rows = [[c for i, c in enumerate(row) if i != 4] for row in rows]  # no nomBeneficiaire: required
    result = read_source(samples.to_csv(rows), carry_plan(registry, "scdl/subventions", None))
    assert result.failed and result.rejected_rows == 4
    assert "nomBeneficiaire" in result.rejects[0].reason["fr"] and "4 lignes" in result.rejects[0].reason["fr"]
