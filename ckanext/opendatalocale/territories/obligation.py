"""The open-data publication obligation of a collectivité, with its reasoning in words.

Law (CRPA L312-1-1, décret 2016-1922 → D312-1-1-1): administrations publish their documents
and databases online, except legal persons with fewer than 50 agents (ETP) and collectivités
territoriales of fewer than 3 500 inhabitants. Hence:
- communes: obliged when population ≥ 3 500 AND staff ≥ 50;
- EPCI (not collectivités territoriales): obliged when staff ≥ 50;
- départements and régions: always above both thresholds.
Population totale of the latest populations légales is the legal reference (configurable).
Staff counts are not open data, so the platform presumes them (configurable), a known count
can be given, and an ATD override beats everything.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from .reference import Collectivite

OBLIGED = "obliged"
EXEMPT = "exempt"
UNKNOWN = "unknown"  # "à vérifier": the rule cannot decide without a staff count
STATUSES = (OBLIGED, EXEMPT, UNKNOWN)

_CONCLUSION = {
    OBLIGED: ({"fr": "Soumise à l'obligation.", "en": "Subject to the obligation."},
              {"fr": "Soumis à l'obligation.", "en": "Subject to the obligation."}),
    EXEMPT: ({"fr": "Non soumise à l'obligation.", "en": "Not subject to the obligation."},
             {"fr": "Non soumis à l'obligation.", "en": "Not subject to the obligation."}),
    UNKNOWN: ({"fr": "Obligation à vérifier.", "en": "Obligation to be checked."},) * 2,
}
_STATUS_WORDS = {
    OBLIGED: {"fr": "soumise à l'obligation", "en": "subject to the obligation"},
    EXEMPT: {"fr": "non soumise à l'obligation", "en": "not subject to the obligation"},
    UNKNOWN: {"fr": "obligation à vérifier", "en": "obligation to be checked"},
}
# (French noun, feminine?, English noun)
_KIND_WORDS = {"commune": ("Commune", True, "Commune"), "epci": ("EPCI", False, "EPCI"),
               "departement": ("Département", False, "Département"), "region": ("Région", True, "Région")}


@dataclass(frozen=True, slots=True)
class ObligationRules:
    """The configurable part of the rule (defaults follow dashboard.md §3.3)."""

    population_threshold: int = 3_500
    staff_threshold: int = 50
    # "totale" (legal reference) or "municipale".
    population_kind: str = "totale"
    # Communes at or above this population are presumed to have ≥ staff_threshold agents
    # (the Observatoire's assumption); None: never presume, such communes are "à vérifier".
    presume_staff_from_population: int | None = 3_500
    # EPCI à fiscalité propre presumed to have ≥ staff_threshold agents; False: "à vérifier".
    presume_epci_staff: bool = True

    def __post_init__(self) -> None:
        if self.population_kind not in ("totale", "municipale"):
            raise ValueError("population_kind must be 'totale' or 'municipale'")


DEFAULT_RULES = ObligationRules()


@dataclass(frozen=True, slots=True)
class Override:
    """An ATD admin's decision for one collectivité; it takes precedence over the rule."""

    status: str
    reason: str
    author: str
    date: dt.date | dt.datetime | str

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}")


@dataclass(frozen=True, slots=True)
class Obligation:
    siren: str
    status: str  # final status (override first)
    automatic_status: str  # what the rule alone says
    decided_by: str  # "rule" or "override"
    population: int | None
    population_kind: str
    population_vintage: int | None
    staff_presumed: bool
    override: Override | None
    reasoning: dict[str, str] = field(default_factory=dict)

    @property
    def obliged(self) -> bool:
        return self.status == OBLIGED


def format_number(value: int, lang: str) -> str:
    """12 345 (French, no-break space) or 12,345 (English)."""
    text = f"{value:,}"
    return text.replace(",", "\u00a0") if lang == "fr" else text


def compute_obligation(collectivite: Collectivite, rules: ObligationRules = DEFAULT_RULES,
                       override: Override | None = None, staff: int | None = None) -> Obligation:
    """The obligation of ``collectivite``. ``staff`` is a known agent count (ETP) if any."""
    population_kind = rules.population_kind
    population = (collectivite.population_totale if population_kind == "totale"
                  else collectivite.population_municipale)
    if population is None and collectivite.kind in ("departement", "region"):
        # Population totale is not additive, so the national file gives these only municipale.
        population_kind, population = "municipale", collectivite.population_municipale
    noun_fr, feminine, noun_en = _KIND_WORDS[collectivite.kind]
    fr: list[str] = []
    en: list[str] = []
    staff_presumed = False

    if population is not None:
        fr.append(f"{noun_fr} de {format_number(population, 'fr')} habitants "
                  f"(population {population_kind}{_vintage(collectivite)})")
        en.append(f"{noun_en} of {format_number(population, 'en')} inhabitants "
                  f"({'total' if population_kind == 'totale' else 'municipal'} population"
                  f"{_vintage(collectivite)})")
    else:
        fr.append(f"{noun_fr} (population {rules.population_kind} inconnue)")
        en.append(f"{noun_en} ({'total' if rules.population_kind == 'totale' else 'municipal'} "
                  "population unknown)")

    threshold_fr = format_number(rules.population_threshold, "fr")
    threshold_en = format_number(rules.population_threshold, "en")
    staff_fr = format_number(rules.staff_threshold, "fr")
    staff_en = format_number(rules.staff_threshold, "en")
    clauses_fr: list[str] = []
    clauses_en: list[str] = []

    if collectivite.kind in ("departement", "region"):
        status = OBLIGED
        staff_presumed = staff is None
        clauses_fr.append("les départements et les régions dépassent toujours les seuils de "
                          f"{threshold_fr} habitants et de {staff_fr} agents")
        clauses_en.append("départements and régions are always above the thresholds of "
                          f"{threshold_en} inhabitants and {staff_en} agents")
    elif collectivite.kind == "commune" and population is None:
        status = UNKNOWN
        clauses_fr.append(f"seuil de {threshold_fr} habitants non vérifiable")
        clauses_en.append(f"the {threshold_en}-inhabitant threshold cannot be checked")
    elif collectivite.kind == "commune" and population < rules.population_threshold:
        status = EXEMPT
        clauses_fr.append(f"sous le seuil de {threshold_fr} habitants (collectivité territoriale "
                          f"de moins de {threshold_fr} habitants, CRPA L312-1-1)")
        clauses_en.append(f"below the threshold of {threshold_en} inhabitants (collectivité "
                          f"territoriale under {threshold_en} inhabitants, CRPA L312-1-1)")
    else:
        if collectivite.kind == "commune":
            clauses_fr.append(f"au-dessus du seuil de {threshold_fr} habitants")
            clauses_en.append(f"at or above the threshold of {threshold_en} inhabitants")
        else:
            clauses_fr.append("le seuil de population ne s'applique pas aux EPCI")
            clauses_en.append("the population threshold does not apply to EPCI")
        status, staff_presumed = _staff_clause(collectivite, population, staff, rules,
                                               clauses_fr, clauses_en)

    automatic = status
    conclusion = _CONCLUSION[automatic][0 if feminine else 1]
    auto_fr = f"{fr[0]} : {' ; '.join(clauses_fr)}. {conclusion['fr']}"
    auto_en = f"{en[0]}: {'; '.join(clauses_en)}. {conclusion['en']}"

    if override is not None:
        status = override.status
        date = override.date.isoformat()[:10] if hasattr(override.date, "isoformat") else str(override.date)
        words = _STATUS_WORDS[override.status]
        reasoning = {
            "fr": f"Décision manuelle : {words['fr']} — motif : « {override.reason} » "
                  f"(par {override.author}, le {date}). Calcul automatique : {auto_fr}",
            "en": f"Manual decision: {words['en']} — reason: “{override.reason}” "
                  f"(by {override.author}, on {date}). Automatic rule: {auto_en}",
        }
    else:
        reasoning = {"fr": auto_fr, "en": auto_en}
    return Obligation(siren=collectivite.siren, status=status, automatic_status=automatic,
                      decided_by="override" if override else "rule", population=population,
                      population_kind=population_kind,
                      population_vintage=collectivite.population_vintage,
                      staff_presumed=staff_presumed, override=override, reasoning=reasoning)


def _vintage(collectivite: Collectivite) -> str:
    return f" {collectivite.population_vintage}" if collectivite.population_vintage else ""


def _staff_clause(collectivite: Collectivite, population: int | None, staff: int | None,
                  rules: ObligationRules, fr: list[str], en: list[str]) -> tuple[str, bool]:
    """Append the staff clause; return (status, presumed)."""
    threshold_fr = format_number(rules.staff_threshold, "fr")
    threshold_en = format_number(rules.staff_threshold, "en")
    if staff is not None:
        above = staff >= rules.staff_threshold
        fr.append(f"effectif connu de {format_number(staff, 'fr')} agents, "
                  f"{'au-dessus du' if above else 'sous le'} seuil de {threshold_fr} agents")
        en.append(f"known staff of {format_number(staff, 'en')} agents, "
                  f"{'at or above' if above else 'below'} the threshold of {threshold_en} agents")
        return (OBLIGED if above else EXEMPT), False
    if collectivite.kind == "epci":
        if rules.presume_epci_staff:
            fr.append(f"effectif présumé ≥ {threshold_fr} agents (présomption de la plateforme "
                      "pour les EPCI à fiscalité propre)")
            en.append(f"staff presumed ≥ {threshold_en} agents (platform presumption for EPCI "
                      "à fiscalité propre)")
            return OBLIGED, True
        fr.append(f"effectif inconnu (seuil de {threshold_fr} agents à vérifier)")
        en.append(f"staff unknown (the {threshold_en}-agent threshold must be checked)")
        return UNKNOWN, False
    presume_from = rules.presume_staff_from_population
    if presume_from is not None and population is not None and population >= presume_from:
        fr.append(f"effectif présumé ≥ {threshold_fr} agents (présomption de la plateforme "
                  f"au-delà de {format_number(presume_from, 'fr')} habitants)")
        en.append(f"staff presumed ≥ {threshold_en} agents (platform presumption from "
                  f"{format_number(presume_from, 'en')} inhabitants)")
        return OBLIGED, True
    if presume_from is None:
        fr.append(f"effectif inconnu (seuil de {threshold_fr} agents à vérifier)")
        en.append(f"staff unknown (the {threshold_en}-agent threshold must be checked)")
    else:
        fr.append(f"effectif inconnu (la plateforme ne présume ≥ {threshold_fr} agents qu'à partir "
                  f"de {format_number(presume_from, 'fr')} habitants)")
        en.append(f"staff unknown (the platform presumes ≥ {threshold_en} agents only from "
                  f"{format_number(presume_from, 'en')} inhabitants)")
    return UNKNOWN, False


def compute_all(collectivites: Mapping[str, Collectivite] | list[Collectivite],
                rules: ObligationRules = DEFAULT_RULES,
                overrides: Mapping[str, Override] | None = None,
                staff: Mapping[str, int] | None = None) -> dict[str, Obligation]:
    """Obligations keyed by SIREN; overrides and staff counts are keyed by SIREN too."""
    records = collectivites.values() if isinstance(collectivites, Mapping) else collectivites
    overrides, staff = overrides or {}, staff or {}
    return {c.siren: compute_obligation(c, rules, overrides.get(c.siren), staff.get(c.siren))
            for c in records}
