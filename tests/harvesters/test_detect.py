"""The SCDL detector on real harvest samples and real SCDL files."""
from __future__ import annotations

import codecs
import copy
import json

import pytest
import rdflib
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, SKOS

from ckanext.opendatalocale.harvesters.detect import (  # the detector (scdl.detect) and its harvest adapters
    Detection,
    DetectionInput,
    describe_ckan_resource,
    describe_datagouv_resource,
    describe_ods_dataset,
    detect,
    is_false_positive,
    match_columns,
    normalize_name,
    sniff_csv_header,
)
from ckanext.opendatalocale.scdl.registry import get_registry
from tests.helpers import fixture_path

HARVEST = ("samples", "harvest")


def load_json(*parts: str):
    return json.loads(fixture_path(*HARVEST, *parts).read_text(encoding="utf-8"))


def header_of(*parts: str) -> list[str]:
    return sniff_csv_header(fixture_path("samples", *parts).read_bytes()[:65536])


# --------------------------------------------------------------------------- declared

def test_datagouv_resource_schema_name_and_version():
    sample = load_json("datagouv", "api1_resource_with-schema_indice-reparabilite.json")["resource"]
    resource = copy.deepcopy(sample)
    resource["schema"] = {"name": "scdl/deliberations", "version": "2.1.5", "url": None}
    found = detect(describe_datagouv_resource(resource))
    assert found == Detection("scdl/deliberations", "2.1.5",
                              "https://schema.data.gouv.fr/schemas/scdl/deliberations/2.1.5/schema.json",
                              "declared", 1.0, "declared schema scdl/deliberations 2.1.5")


def test_datagouv_resource_schema_with_url_only():
    resource = load_json("datagouv", "api1_resource_with-schema_indice-reparabilite.json")["resource"]
    resource["schema"] = {"name": None, "version": None,
                          "url": "https://gitlab.com/opendatafrance/scdl/subventions/-/raw/v2.1.1/schema.json"}
    found = detect(describe_datagouv_resource(resource))
    assert (found.name, found.version, found.method) == ("scdl/subventions", "2.1.1", "declared")


def test_datagouv_resource_with_a_non_scdl_schema_is_not_claimed():
    resource = load_json("datagouv", "api1_resource_with-schema_indice-reparabilite.json")["resource"]
    assert resource["schema"]["name"] == "etalab/schema-indice-reparabilite"
    assert detect(describe_datagouv_resource(resource)) is None


def test_datagouv_validation_report_names_the_schema():
    # Harvested by data.gouv.fr from opendata56.fr: schema is {name: null},
    # but data.gouv.fr validated it against IRVE statique 2.2.0.
    resource = load_json("datagouv", "api1_resource_irve-opendata56_validation-report-extras.json")
    found = detect(describe_datagouv_resource(resource))
    assert (found.name, found.version, found.method) == ("etalab/schema-irve-statique", "2.2.0", "declared")


def test_datagouv_dataset_without_schemas():
    dataset = load_json("datagouv", "api1_GET_datasets-id_insee-fichier-des-personnes-decedees.json")
    assert all(detect(describe_datagouv_resource(r, dataset)) is None for r in dataset["resources"])


def conforms_to_by_distribution(path) -> dict[str, list]:
    graph = rdflib.Graph().parse(path, format="xml")
    result: dict[str, list] = {}
    for distribution in graph.subjects(RDF.type, DCAT.Distribution):
        statements = []
        for node in graph.objects(distribution, DCTERMS.conformsTo):
            statement = {"uri": str(node)} if isinstance(node, rdflib.URIRef) else {}
            for key, predicate in (("title", DCTERMS.title), ("type", DCTERMS.type), ("version", OWL.versionInfo)):
                value = graph.value(node, predicate)
                if value is not None:
                    statement[key] = str(value)
            statements.append(statement)
        result[str(distribution)] = statements
    return result


def test_dcat_conforms_to_schema_data_gouv_fr():
    by_distribution = conforms_to_by_distribution(
        fixture_path(*HARVEST, "dcat", "bnodes_conformsTo-schema-data-gouv.rdf.xml"))
    found = {uri: detect(DetectionInput(declared=statements)) for uri, statements in by_distribution.items()
             if statements}
    matched = {(d.name, d.version, d.method) for d in found.values() if d}
    assert matched == {("etalab/schema-irve-statique", "2.2.0", "declared")}
    # The unknown version 1337.42.0 and example.org/schema.json are not claimed.
    assert sum(1 for d in found.values() if d is None) == 2


def test_dcat_crs_and_iso_conforms_to_are_false_positives():
    graph = rdflib.Graph().parse(
        fixture_path(*HARVEST, "dcat", "datara--f40c3860-7236-4b30-a141-23b8ae33f7b2.rdf.xml"), format="xml")
    statements = []
    for node in graph.objects(None, DCTERMS.conformsTo):
        statement = {"uri": str(node)} if isinstance(node, rdflib.URIRef) else {}
        for key, predicate in (("title", DCTERMS.title), ("type", DCTERMS.type), ("label", SKOS.prefLabel)):
            value = graph.value(node, predicate)
            if value is not None:
                statement[key] = str(value)
        statements.append(statement)
    titles = " | ".join(s.get("title", "") for s in statements)
    assert "EPSG:2154" in titles and "ISO 19115" in titles
    assert all(is_false_positive(s) for s in statements if s)
    assert detect(DetectionInput(declared=statements)) is None


@pytest.mark.parametrize("ref", [
    "http://www.opengis.net/def/crs/EPSG/0/2154",
    "EPSG:4326",
    "RGF93 / Lambert-93",
    {"title": "WGS 84", "type": "http://inspire.ec.europa.eu/glossary/SpatialReferenceSystem"},
    "http://data.europa.eu/r5r/",
    "https://semiceu.github.io/DCAT-AP/releases/3.0.0/",
    "http://inspire.ec.europa.eu/documents/Metadata/MD_IR_and_ISO_20131029.pdf",
    "ISO 19139",
])
def test_false_positives(ref):
    assert is_false_positive(ref)
    assert detect(DetectionInput(declared=[ref])) is None


@pytest.mark.parametrize("ref", [
    "https://schema.data.gouv.fr/schemas/scdl/budget/0.8.3/schema.json",
    "scdl/deliberations",
    {"name": "scdl/prenoms", "version": "1.1.6"},
])
def test_real_schemas_are_not_false_positives(ref):
    assert not is_false_positive(ref)
    assert detect(DetectionInput(declared=[ref])).method == "declared"


def test_false_positive_is_skipped_and_next_statement_used():
    found = detect(DetectionInput(declared=[
        "http://www.opengis.net/def/crs/EPSG/0/2154",
        "https://schema.data.gouv.fr/scdl/equipements/latest.html",
    ]))
    assert (found.name, found.version) == ("scdl/equipements", get_registry().latest("scdl/equipements"))


def test_ckan_conforms_to_free_text_is_not_a_schema():
    dataset = load_json("ckan", "ckanext-dcat_ckan_full_dataset_dcat_ap.json")
    assert dataset["conforms_to"] == ["Standard 1", "Standard 2"]
    assert detect(describe_ckan_resource(dataset["resources"][0], dataset)) is None


def test_ckan_resource_schema_url_and_conforms_to():
    dataset = load_json("ckan", "ckanext-dcat_ckan_full_dataset_dcat_ap.json")
    resource = dict(dataset["resources"][0],
                    conforms_to=json.dumps(["EPSG:2154",
                                            "https://schema.data.gouv.fr/schemas/scdl/budget/0.8.2/schema.json"]))
    found = detect(describe_ckan_resource(resource, dataset))
    assert (found.name, found.version, found.method) == ("scdl/budget", "0.8.2", "declared")
    resource = dict(dataset["resources"][0],
                    schema="https://raw.githubusercontent.com/etalab/schema-irve/v2.3.1/dynamique/schema-dynamique.json")
    found = detect(describe_ckan_resource(resource, dataset))
    assert (found.name, found.method) == ("etalab/schema-irve-dynamique", "declared")


def test_ckan_inline_table_schema():
    descriptor = get_registry().get("scdl/catalogue", "0.1.3").descriptor
    found = detect(describe_ckan_resource({"schema": json.dumps(descriptor)}))
    assert (found.name, found.version) == ("scdl/catalogue", "0.1.3")
    # Without its path, the inline schema is still recognised by its fields.
    bare = {"fields": descriptor["fields"]}
    found = detect(describe_ckan_resource({"schema": json.dumps(bare)}))
    assert (found.name, found.method, found.confidence) == ("scdl/catalogue", "header", 1.0)


def test_unknown_version_is_not_turned_into_latest():
    found = detect(DetectionInput(
        declared=["https://schema.data.gouv.fr/schemas/etalab/schema-irve-statique/1337.42.0/schema-statique.json"],
        texts=["Voir https://schema.data.gouv.fr/schemas/etalab/schema-irve-statique/1337.42.0/schema-statique.json"],
    ))
    assert found is None


# --------------------------------------------------------------------------- metadata

def test_schema_url_in_description():
    found = detect(DetectionInput(texts=[
        "Subventions 2023",
        "Fichier conforme au schéma https://schema.data.gouv.fr/scdl/subventions/2.1.1/. Mis à jour chaque année.",
    ]))
    assert (found.name, found.version, found.method, found.confidence) == (
        "scdl/subventions", "2.1.1", "metadata-url", 0.9)
    assert "schema.data.gouv.fr/scdl/subventions/2.1.1/" in found.evidence


def test_schema_name_in_metadata():
    found = detect(DetectionInput(texts=["Publié selon le SCDL (scdl/deliberations@2.1.3)."]))
    assert (found.name, found.version, found.method, found.confidence) == (
        "scdl/deliberations", "2.1.3", "metadata-url", 0.8)


def test_ods_references_meta_with_schema_url():
    dataset = load_json("opendatasoft", "explore-v2.1_GET_catalog-datasets.example.json")["results"][0]
    assert detect(describe_ods_dataset(dataset)) is None
    dataset = copy.deepcopy(dataset)
    dataset["metas"]["default"]["references"] = (
        "https://gitlab.com/opendatafrance/scdl/equipements/-/raw/v0.1.4/schema.json")
    found = detect(describe_ods_dataset(dataset))
    assert (found.name, found.version, found.method) == ("scdl/equipements", "0.1.4", "metadata-url")


# --------------------------------------------------------------------------- header matching

SYNTHETIC = {
    "budget": "scdl/budget", "catalogue": "scdl/catalogue", "dae": "atlasante/schema-dae",
    "deliberations": "scdl/deliberations", "equipements": "scdl/equipements",
    "irve-dynamique": "etalab/schema-irve-dynamique", "irve-statique": "etalab/schema-irve-statique",
    "menus-collectifs": "scdl/menus-collectifs", "plats-menus-collectifs": "scdl/plats-menus-collectifs",
    "prenoms": "scdl/prenoms", "subventions": "scdl/subventions",
}


@pytest.mark.parametrize("slug,name", sorted(SYNTHETIC.items()))
def test_header_of_each_schema_example(slug, name):
    found = detect(DetectionInput(columns=header_of("scdl-examples", "_synthetic", f"{slug}.csv")))
    registry = get_registry()
    assert (found.name, found.version, found.method) == (name, registry.latest(name), "header")
    assert found.confidence == 1.0


@pytest.mark.parametrize("path", [
    ("harvest", "plain-file", "antibes_subventions_exemple-valide.csv"),
    ("harvest", "plain-file", "haute-garonne_datalocale_subventions_commune-de-roques.csv"),
    ("harvest", "plain-file", "somme_conventions-subventions_cp1252.csv"),
    ("scdl-examples", "subventions", "exemple_valide.csv"),
])
def test_real_subventions_files(path):
    found = detect(DetectionInput(columns=header_of(*path)))
    assert found.name == "scdl/subventions" and found.method == "header"
    assert found.confidence >= 0.8


def test_best_version_is_the_one_whose_fields_match():
    # This Validata test file uses the field names of menus-collectifs 1.2.0
    # (menuTypePlat...), renamed in 1.2.1.
    columns = header_of("scdl-examples", "menus-collectifs", "validata-tests",
                        "mini-menus-collectifs_invalide.utf-16.csv")
    found = detect(DetectionInput(columns=columns))
    assert (found.name, found.version, found.confidence) == ("scdl/menus-collectifs", "1.2.0", 1.0)
    ranked = match_columns(columns)
    assert ranked[0].version == "1.2.0"
    latest = next(m for m in ranked if m.version == "1.2.3")
    assert latest.required_share < 1 and "menuPlatType" in latest.missing_required


def test_roques_file_matches_the_older_subventions_version():
    # No rnaBeneficiaire column, notificationUE required: the 2.0.x layout.
    found = detect(DetectionInput(columns=header_of(
        "harvest", "plain-file", "haute-garonne_datalocale_subventions_commune-de-roques.csv")))
    assert found.version.startswith("2.0.")


def test_case_and_separator_folding_lowers_confidence():
    columns = ["Coll_Nom", "coll siret", "delib-id", "DÉLIB_DATE", "delib_matiere_code", "DelibMatiereNom",
               "DELIB_OBJET"]
    found = detect(DetectionInput(columns=columns))
    assert found.name == "scdl/deliberations" and found.confidence == 0.95
    assert "ignoring case/accents" in found.evidence


def test_missing_required_columns_are_reported():
    columns = header_of("scdl-examples", "dae", "v1.0.0", "exemple_invalide_structure.csv")
    found = detect(DetectionInput(columns=columns))
    assert found.name == "atlasante/schema-dae" and 0.9 < found.confidence < 1
    assert "missing: lat_coor1" in found.evidence


def test_unrelated_or_older_layouts_are_not_claimed():
    # Poitiers publishes the SCDL v1 subventions layout (ATTRIB_NOM...), in no catalogued version.
    assert detect(DetectionInput(columns=header_of(
        "harvest", "plain-file", "poitiers_subventions-associations-2017_scdl-v1.csv"))) is None
    # The 2020 IRVE layout (n_amenageur...) predates etalab/schema-irve-statique 2.x.
    assert detect(DetectionInput(columns=header_of(
        "scdl-examples", "irve-statique", "validata-tests", "irve-driveco-201215.csv"))) is None
    # Two common columns are not enough to claim a schema.
    assert detect(DetectionInput(columns=["COLL_NOM", "COLL_SIRET", "commentaire"])) is None


def test_ods_fields_names_and_labels():
    # OpenDataSoft lower-cases technical names; labels keep the publisher's header.
    sample = load_json("opendatasoft", "explore-v2.1_GET_catalog-datasets.example.json")["results"][0]
    dataset = copy.deepcopy(sample)
    schema = get_registry().get("scdl/equipements")
    dataset["fields"] = [{"name": f"field_{i}", "label": name, "type": "text"}
                         for i, name in enumerate(schema.field_names)]
    found = detect(describe_ods_dataset(dataset))
    assert (found.name, found.method, found.confidence) == ("scdl/equipements", "header", 1.0)
    dataset["fields"] = [{"name": name.lower(), "label": f"Colonne {i}", "type": "text"}
                         for i, name in enumerate(schema.field_names)]
    found = detect(describe_ods_dataset(dataset))
    assert (found.name, found.method) == ("scdl/equipements", "header") and found.confidence == 0.95


def test_ods_v20_envelope_is_accepted():
    sample = load_json("opendatasoft", "explore-v2.0_GET_catalog-datasets_rte-federated.json")
    item = sample["datasets"][0]
    described = describe_ods_dataset(item)
    assert described.columns  # the inner dataset's fields were read
    assert detect(described) is None


# --------------------------------------------------------------------------- order

def test_declared_wins_over_metadata_and_header():
    columns = header_of("scdl-examples", "_synthetic", "subventions.csv")
    found = detect(DetectionInput(declared=[{"name": "scdl/deliberations", "version": "2.1.5"}],
                                  texts=["https://schema.data.gouv.fr/scdl/budget/0.8.3/"], columns=columns))
    assert (found.name, found.method) == ("scdl/deliberations", "declared")
    found = detect(DetectionInput(texts=["https://schema.data.gouv.fr/scdl/budget/0.8.3/"], columns=columns))
    assert (found.name, found.method) == ("scdl/budget", "metadata-url")


def test_min_confidence_threshold():
    columns = header_of("harvest", "plain-file", "somme_conventions-subventions_cp1252.csv")
    assert detect(DetectionInput(columns=columns), min_confidence=0.99) is None
    assert detect(DetectionInput(columns=columns), min_confidence=0.5).name == "scdl/subventions"


# --------------------------------------------------------------------------- CSV header sniffing

def test_sniff_utf8_bom_and_semicolon():
    data = codecs.BOM_UTF8 + "nomAttribuant;idAttribuant;montant\r\nVille;123;4\r\n".encode()
    assert sniff_csv_header(data) == ["nomAttribuant", "idAttribuant", "montant"]


def test_sniff_cp1252():
    data = "Bénéficiaire;Année;Montant €\r\nA;2020;1\r\n".encode("cp1252")
    assert sniff_csv_header(data) == ["Bénéficiaire", "Année", "Montant €"]


def test_sniff_utf16_file():
    columns = header_of("scdl-examples", "menus-collectifs", "validata-tests",
                        "mini-menus-collectifs_invalide.utf-16.csv")
    assert columns[:2] == ["menuCollNom", "menuCollSiret"]
    assert sniff_csv_header("a\tb\n1\t2\n".encode("utf-16-le")) == ["a", "b"]


def test_sniff_tab_comma_and_quotes():
    assert sniff_csv_header(b"a\tb\tc\n1\t2\t3\n") == ["a", "b", "c"]
    assert sniff_csv_header(b'"nom; complet",ville,"code"\n') == ["nom; complet", "ville", "code"]
    assert sniff_csv_header(b"\n\nCOLL_NOM;COLL_SIRET;\n") == ["COLL_NOM", "COLL_SIRET"]


def test_sniff_cut_multibyte_and_empty():
    data = "Société;Montant;Catégorie\n".encode() * 10
    cut = data[: data.index("é".encode(), 40) + 1]  # stops inside a two-byte character
    assert sniff_csv_header(cut) == ["Société", "Montant", "Catégorie"]
    assert sniff_csv_header(b"") == []
    assert sniff_csv_header(b"\r\n\r\n") == []


def test_sniff_real_utf8_sample_keeps_accents():
    poitiers = header_of("harvest", "plain-file", "poitiers_subventions-associations-2017_scdl-v1.csv")
    assert poitiers[-1] == "Notification à la commission Européenne"


def test_normalize_name():
    assert normalize_name("COLL_NOM") == normalize_name("coll nom") == normalize_name("CollNom") == "collnom"
    assert normalize_name("\ufeffDÉLIB-date") == "delibdate"
