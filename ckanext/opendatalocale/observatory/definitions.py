"""The observatory's indicators: what each measures, from which SCDL schema, on which scale.
Texts are English message ids marked with ``N_`` (translated by the glue). Pure Python."""
from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:
    """Mark a message for extraction; the pages translate it."""
    return message


@dataclass(frozen=True, slots=True)
class Indicator:
    key: str
    schema: str
    label: str
    unit: str
    definition: str
    # Inhabitants the headline is counted per (1, 1,000, 10,000), None when not a population ratio.
    per: int | None
    # Yearly indicators take the most recent year the collectivité publishes; the others count
    # what the latest consolidated file holds.
    yearly: bool
    # False for figures that are not one number to rank (prénoms).
    comparable: bool = True
    decimals: int = 1


INDICATORS: tuple[Indicator, ...] = (
    Indicator("subventions", "scdl/subventions", N_("Grants"), N_("€ per inhabitant"),
              N_("Sum of the amounts of the grants agreed in the year (date of the agreement), divided "
                 "by the total population of the collectivité. Also: number of distinct beneficiaries "
                 "and split by nature of the aid."), 1, True, decimals=2),
    Indicator("deliberations", "scdl/deliberations", N_("Deliberations"), N_("deliberations per year"),
              N_("Number of deliberations dated in the year, split by ACTES subject (first level of "
                 "the subject code), and the share that links to the document (DELIB_URL)."),
              None, True, decimals=0),
    Indicator("equipements", "scdl/equipements", N_("Public facilities"), N_("per 1,000 inhabitants"),
              N_("Number of facilities listed, per 1,000 inhabitants, split by theme (EQUIP_THEME)."),
              1000, False, decimals=2),
    Indicator("irve", "etalab/schema-irve-statique", N_("EV charging points"), N_("per 10,000 inhabitants"),
              N_("Number of distinct charging points (id_pdc_itinerance) per 10,000 inhabitants, and "
                 "the number of stations."), 10000, False, decimals=2),
    Indicator("defibrillateurs", "atlasante/schema-dae", N_("Defibrillators"), N_("per 10,000 inhabitants"),
              N_("Number of defibrillators not marked as removed (etat_fonct) per 10,000 inhabitants."),
              10000, False, decimals=2),
    Indicator("budget", "scdl/budget", N_("Budget"), N_("€ of real spending per inhabitant"),
              N_("Real spending (BGT_OPBUDG = réel, BGT_CODRD = dépense) of the year's compte "
                 "administratif (amount BGT_MTREAL) or, when only that was published, of the budget "
                 "primitif (amount BGT_MTPREV), divided by the total population."), 1, True, decimals=0),
    Indicator("menus", "scdl/menus-collectifs", N_("School and collective menus"),
              N_("% of dishes with a quality sign"),
              N_("Share of the dishes served in the year whose menuPlatSiqo lists at least one official "
                 "quality or origin sign (Label Rouge, AB, AOP…)."), None, True, decimals=0),
    Indicator("prenoms", "scdl/prenoms", N_("First names"), N_("most given first names"),
              N_("Births per first name and year as declared by the civil registry (NOMBRE_OCCURRENCES), "
                 "the most given first."), None, True, comparable=False, decimals=0),
)
BY_KEY = {indicator.key: indicator for indicator in INDICATORS}
BY_SCHEMA = {indicator.schema: indicator for indicator in INDICATORS}

# ACTES subjects, first level of DELIB_MATIERE_CODE (nomenclature of the ACTES platform).
ACTES_MATIERES = {
    "1": N_("Public procurement"), "2": N_("Town planning"), "3": N_("Property and estate"),
    "4": N_("Civil service"), "5": N_("Institutions and political life"),
    "6": N_("Public freedoms and police powers"), "7": N_("Local finances"),
    "8": N_("Areas of competence by theme"), "9": N_("Other areas of competence"),
}
