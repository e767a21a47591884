"""A constructed territory for the observatory tests: five communes of one population band
(one, Noyal, publishes nothing), a larger town, two EPCI, and consolidated rows written as the
consolidation store gives them (typed values plus provenance columns)."""
from __future__ import annotations

import datetime as dt

from ckanext.opendatalocale.territories.reference import Collectivite

DEP = "56"
# SIRENs pass the Luhn check (the SCDL checks verify the SIRET of each row).
ARZON, BADEN, CARNAC, DAMGAN, NOYAL, FOUESNANT = ("210000014", "210000022", "210000030", "210000048",
                                                 "210000055", "210000063")
EPCI_1, EPCI_2 = "240000000", "240000018"
QUIMPER = "210000071"  # the other territory (département 29), same band


def _commune(siren, name, population, epci, dep=DEP):
    return Collectivite(siren=siren, kind="commune", name=name, insee=f"{dep}{siren[-3:]}", dep=dep,
                        region="53", population_totale=population, population_municipale=population,
                        population_vintage=2023, epci_siren=epci)


REFERENCE = (
    _commune(ARZON, "Arzon", 5000, EPCI_1), _commune(BADEN, "Baden", 4000, EPCI_1),
    _commune(CARNAC, "Carnac", 8000, EPCI_1), _commune(DAMGAN, "Damgan", 6000, EPCI_2),
    _commune(NOYAL, "Noyal", 7000, EPCI_1), _commune(FOUESNANT, "Fouesnant", 20000, EPCI_2),
    Collectivite(siren=EPCI_1, kind="epci", name="Golfe Communauté", dep=DEP, region="53",
                 population_totale=24000, epci_nature="CA"),
    Collectivite(siren=EPCI_2, kind="epci", name="Rivages Communauté", dep=DEP, region="53",
                 population_totale=26000, epci_nature="CC"),
)
OTHER_REFERENCE = (_commune(QUIMPER, "Quimperlé", 9000, None, dep="29"),)

NAMES = {r.siren: r.name for r in REFERENCE + OTHER_REFERENCE}


def provenance(siren: str, dataset: str, resource: str) -> dict:
    return {"_siren": siren, "_collectivite": NAMES[siren], "_dataset_id": dataset, "_resource_id": resource,
            "_schema_version": "2.1.0", "_read_at": dt.datetime(2026, 6, 1, 8, 0)}


def grant(siren, day, amount, beneficiary, nature="aide en numéraire", dataset=None, resource=None):
    return {"nomAttribuant": NAMES[siren], "idAttribuant": siren + "00011", "dateConvention": day,
            "nomBeneficiaire": beneficiary, "idBeneficiaire": None, "objet": "Fonctionnement",
            "montant": amount, "nature": nature, "conditionsVersement": "unique",
            "datesPeriodeVersement": "2024-06-01", "notificationUE": False, "pourcentageSubvention": 1,
            **provenance(siren, dataset or f"ds-{siren}", resource or f"res-{siren}")}


def subventions_rows() -> list[dict]:
    d = dt.date
    return [
        grant(ARZON, d(2024, 3, 1), 6000, "Club nautique"),
        grant(ARZON, d(2024, 9, 1), 4000, "Comité des fêtes", nature="aide en nature"),
        grant(ARZON, d(2023, 5, 1), 5000, "Club nautique"),
        grant(BADEN, d(2024, 2, 1), 12000, "Bagad"),
        grant(CARNAC, d(2024, 4, 1), 8000, "Musée"),
        grant(DAMGAN, d(2024, 1, 15), 30000, "École de musique"),
        grant(FOUESNANT, d(2024, 6, 1), 40000, "Office de tourisme"),
        # A private dataset's row that the consolidation should never have kept: hidden here too.
        grant(BADEN, d(2024, 2, 2), 99999, "Secret", dataset="ds-private", resource="res-private"),
    ]


def deliberation(siren, day, code, url, resource=None):
    return {"COLL_NOM": NAMES[siren], "COLL_SIRET": siren + "00011", "DELIB_ID": f"{siren}-{day}-{code}",
            "DELIB_DATE": day, "DELIB_MATIERE_CODE": code, "DELIB_MATIERE_NOM": "x", "DELIB_OBJET": "Objet",
            "DELIB_URL": url, **provenance(siren, f"dd-{siren}", resource or f"rd-{siren}")}


def deliberations_rows() -> list[dict]:
    d = dt.date
    return [
        deliberation(ARZON, d(2025, 1, 10), "7.1", "https://arzon.example/d1.pdf"),
        deliberation(ARZON, d(2025, 1, 10), "7.2", None),
        deliberation(ARZON, d(2025, 2, 12), "1.1", "https://arzon.example/d3.pdf"),
        deliberation(ARZON, d(2025, 3, 14), "5.3", "https://arzon.example/d4.pdf"),
        deliberation(ARZON, d(2024, 12, 5), "7.1", None),
        deliberation(BADEN, d(2025, 5, 1), "2.1", None),
        deliberation(BADEN, d(2025, 6, 1), "2.2", None),
    ]


def equipment(siren, uid, theme):
    return {"COLL_NOM": NAMES[siren], "COLL_SIRET": siren + "00011", "EQUIP_UID": uid, "EQUIP_THEME": theme,
            "EQUIP_CODE": "x", "EQUIP_TYPE": "x", "EQUIP_NOM": uid, "EQUIP_LAT": 47.5, "EQUIP_LONG": -2.9,
            **provenance(siren, f"de-{siren}", f"re-{siren}")}


def equipements_rows() -> list[dict]:
    return ([equipment(ARZON, f"A{i}", "Equipement sportif et de loisirs") for i in range(3)]
            + [equipment(ARZON, "A9", "Equipement culturel"), equipment(CARNAC, "C1", "Equipement culturel")])


def irve_rows() -> list[dict]:
    return [{"id_station_itinerance": "FRS56P1", "id_pdc_itinerance": f"FRS56E{i}", "nom_station": "Port",
             "implantation_station": "Voirie", "puissance_nominale": 22, **provenance(ARZON, "di-a", "ri-a")}
            for i in range(4)]


def dae_rows() -> list[dict]:
    return [{"nom": "Mairie", "acc": "Extérieur", "etat_fonct": "En fonctionnement", **provenance(BADEN, "dd-b", "rdae-b")},
            {"nom": "Salle", "acc": "Intérieur", "etat_fonct": "En fonctionnement", **provenance(BADEN, "dd-b", "rdae-b")},
            {"nom": "Ancien", "acc": "Intérieur", "etat_fonct": "Supprimé définitivement", **provenance(BADEN, "dd-b", "rdae-b")}]


def budget_line(siren, year, document, section, amount_field, amount, codrd="dépense", opbudg="réel"):
    return {"BGT_NATDEC": document, "BGT_ANNEE": year, "BGT_SIRET": siren + "00011", "BGT_NOM": "Budget principal",
            "BGT_CONTNAT": "x", "BGT_CONTNAT_LABEL": "x", "BGT_NATURE": "6", "BGT_NATURE_LABEL": "Charges",
            "BGT_SECTION": section, "BGT_OPBUDG": opbudg, "BGT_CODRD": codrd, amount_field: amount,
            **provenance(siren, f"db-{siren}", f"rb-{siren}")}


def budget_rows() -> list[dict]:
    return [
        # 2024: both documents; the compte administratif counts (3.0 M real spending).
        budget_line(CARNAC, 2024, "budget primitif", "fonctionnement", "BGT_MTPREV", 2_500_000),
        budget_line(CARNAC, 2024, "compte administratif", "fonctionnement", "BGT_MTREAL", 2_000_000),
        budget_line(CARNAC, 2024, "compte administratif", "investissement", "BGT_MTREAL", 1_000_000),
        budget_line(CARNAC, 2024, "compte administratif", "fonctionnement", "BGT_MTREAL", 500_000, codrd="recette"),
        budget_line(CARNAC, 2024, "compte administratif", "fonctionnement", "BGT_MTREAL", 700_000, opbudg="ordre"),
        # 2025: only the budget primitif.
        budget_line(CARNAC, 2025, "budget primitif", "fonctionnement", "BGT_MTPREV", 3_200_000),
    ]


def menus_rows() -> list[dict]:
    def dish(day, kind, signs):
        return {"menuDate": day, "menuPlatType": kind, "menuPlatNom": "Plat", "menuPlatSiqo": signs,
                **provenance(DAMGAN, "dm-d", "rm-d")}
    d = dt.date
    return [dish(d(2025, 9, 1), "entrée", ["AB"]), dish(d(2025, 9, 1), "plat principal", []),
            dish(d(2025, 9, 1), "dessert", ["Label Rouge", "AB"]), dish(d(2025, 9, 2), "plat principal", None)]


def prenoms_rows() -> list[dict]:
    def born(siren, year, name, count, sex="F"):
        return {"COLL_INSEE": "56001", "ENFANT_SEXE": sex, "ENFANT_PRENOM": name, "NOMBRE_OCCURRENCES": count,
                "ANNEE": year, **provenance(siren, f"dp-{siren}", f"rp-{siren}")}
    return [born(ARZON, 2024, "Louise", 3), born(ARZON, 2024, "Gabriel", 4, "M"), born(ARZON, 2023, "Jade", 2),
            born(CARNAC, 2024, "Louise", 2), born(CARNAC, 2024, "Léo", 1, "M")]


def other_subventions_rows() -> list[dict]:
    return [grant(QUIMPER, dt.date(2024, 5, 1), 36000, "Cinéma")]


ROWS = {"scdl/subventions": subventions_rows, "scdl/deliberations": deliberations_rows,
        "scdl/equipements": equipements_rows, "etalab/schema-irve-statique": irve_rows,
        "atlasante/schema-dae": dae_rows, "scdl/budget": budget_rows, "scdl/menus-collectifs": menus_rows,
        "scdl/prenoms": prenoms_rows}


def rows_by_schema() -> dict[str, list[dict]]:
    return {schema: make() for schema, make in ROWS.items()}
