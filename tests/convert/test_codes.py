"""Evidence from codes, labels and examples (pure core): hierarchy of codes, labels following their code."""
from __future__ import annotations

from ckanext.opendatalocale.convert import codes, core
from ckanext.opendatalocale.convert.numbers import example_precision, number_style

SCHEMA = {"fields": [
    {"name": "REF_ARTICLE", "title": "Numéro de l'article", "type": "string", "example": "6042",
     "constraints": {"required": True, "maxLength": 9}},
    {"name": "REF_ARTICLE_LABEL", "title": "Libellé de l'article", "type": "string", "example": "Achats divers",
     "constraints": {"required": True}},
    {"name": "REF_CHAPITRE", "title": "Numéro", "type": "string", "example": "011",
     "description": "Le numéro est celui du chapitre qui regroupe les articles.",
     "constraints": {"required": True, "maxLength": 9}},
    {"name": "REF_CHAPITRE_LABEL", "title": "Libellé", "type": "string", "example": "Charges générales",
     "constraints": {"required": True}},
    {"name": "MONTANT", "title": "Montant", "type": "number", "example": "1500.25"},
]}


def test_shapes_and_examples():
    assert [codes.shape(v) for v in ("0042", "Achats", "A-12", " ")] == ["digits", "words", "mixed", None]
    assert codes.example_shape({"examples": "45421"}) == "digits"
    assert codes.contradicts_example("digits", ["Achats", "Matériel", "Impôts"])
    assert not codes.contradicts_example("digits", ["604", "Achats", "218"])


def test_a_code_that_starts_another_on_every_row_is_the_coarser():
    rows = [["6042", "604", "x"], ["2183", "218", "y"], ["7311", "731", "x"]]
    assert codes.hierarchy(rows, 3) == [(1, 0)]
    assert codes.hierarchy([["2024", "20241"], ["2024", "20242"]], 2) == []  # a constant is no nomenclature


def test_label_fields_are_paired_with_their_code_by_name():
    names = [f["name"] for f in SCHEMA["fields"]] + ["DELIB_MATIERE_CODE", "DELIB_MATIERE_NOM"]
    assert set(codes.label_pairs(names)) == {("REF_ARTICLE", "REF_ARTICLE_LABEL"),
                                            ("REF_CHAPITRE", "REF_CHAPITRE_LABEL"),
                                            ("DELIB_MATIERE_CODE", "DELIB_MATIERE_NOM")}


def test_codes_and_labels_go_to_their_fields_whatever_the_headers_say():
    # Both code headers name neither field; the values (604 starts 6042) and the label headers decide.
    lines = ["Code détail;Intitulé détail;Code principal;Intitulé principal;Montant"]
    for fine, coarse, fine_label, coarse_label in (("6042", "604", "Prestations", "Achats"),
                                                  ("2183", "218", "Bureautique", "Matériel"),
                                                  ("7311", "731", "Impôts locaux", "Impôts"),
                                                  ("1641", "164", "Emprunts en euros", "Emprunts")):
        lines.append(f"{fine};{fine_label};{coarse};{coarse_label};1 500,25")
    table = core.read_table("\n".join(lines).encode("utf-8"), "codes.csv")
    mapping = core.suggest(table, SCHEMA)
    assert mapping.fields == {"REF_ARTICLE": 0, "REF_ARTICLE_LABEL": 1, "REF_CHAPITRE": 2,
                              "REF_CHAPITRE_LABEL": 3, "MONTANT": 4}


def test_three_decimals_in_a_field_of_two_are_thousands():
    assert example_precision({"type": "number", "examples": "15567.08"}) == 2
    assert example_precision({"type": "number", "example": "48.808989"}) == 6
    assert example_precision({"type": "integer"}) == 0
    assert number_style(["86.822", "5.294", "11.978"], precision=2) == "fr-dots"
    assert number_style(["86.822", "5.294", "11.978"], precision=6) == "fr"  # coordinates keep their decimals
    assert number_style(["86.822", "5.294", "0.978"], precision=2) == "fr"  # 0.978 is no thousand
