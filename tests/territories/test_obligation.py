"""Legal obligation: thresholds, presumptions, overrides, wording; population bands."""
from __future__ import annotations

import datetime as dt

import pytest

from ckanext.opendatalocale.territories.bands import BANDS, population_band
from ckanext.opendatalocale.territories.obligation import (EXEMPT, OBLIGED, UNKNOWN, ObligationRules,
                                                           Override, compute_all, compute_obligation)
from ckanext.opendatalocale.territories.reference import Collectivite, load_national


def commune(ptot, pmun=None, vintage=2023):
    return Collectivite(siren="215600016", kind="commune", name="Allaire", insee="56001", dep="56",
                        region="53", population_totale=ptot, population_municipale=pmun,
                        population_vintage=vintage)


def test_commune_at_threshold_is_obliged_with_exact_wording():
    result = compute_obligation(commune(3500))
    assert result.status == OBLIGED and result.staff_presumed and result.decided_by == "rule"
    assert result.reasoning["fr"] == (
        "Commune de 3\u00a0500 habitants (population totale 2023) : au-dessus du seuil de "
        "3\u00a0500 habitants ; effectif présumé ≥ 50 agents (présomption de la plateforme "
        "au-delà de 3\u00a0500 habitants). Soumise à l'obligation.")
    assert result.reasoning["en"] == (
        "Commune of 3,500 inhabitants (total population 2023): at or above the threshold of "
        "3,500 inhabitants; staff presumed ≥ 50 agents (platform presumption from 3,500 "
        "inhabitants). Subject to the obligation.")


def test_commune_below_threshold_is_exempt():
    result = compute_obligation(commune(3499))
    assert result.status == EXEMPT and not result.staff_presumed
    assert result.reasoning["fr"] == (
        "Commune de 3\u00a0499 habitants (population totale 2023) : sous le seuil de 3\u00a0500 "
        "habitants (collectivité territoriale de moins de 3\u00a0500 habitants, CRPA L312-1-1). "
        "Non soumise à l'obligation.")


def test_population_kind_is_configurable():
    allaire = commune(4040, 3450)
    assert compute_obligation(allaire).status == OBLIGED
    municipale = compute_obligation(allaire, ObligationRules(population_kind="municipale"))
    assert municipale.status == EXEMPT and municipale.population == 3450
    assert "(population municipale 2023)" in municipale.reasoning["fr"]
    with pytest.raises(ValueError):
        ObligationRules(population_kind="legale")


def test_presumption_threshold_and_known_staff():
    rules = ObligationRules(presume_staff_from_population=10_000)
    result = compute_obligation(commune(5000), rules)
    assert result.status == UNKNOWN
    assert result.reasoning["fr"].endswith(
        "effectif inconnu (la plateforme ne présume ≥ 50 agents qu'à partir de 10\u00a0000 "
        "habitants). Obligation à vérifier.")
    assert compute_obligation(commune(12_000), rules).status == OBLIGED
    assert compute_obligation(commune(5000), ObligationRules(presume_staff_from_population=None)).status == UNKNOWN
    known = compute_obligation(commune(12_345), staff=42)
    assert known.status == EXEMPT and not known.staff_presumed
    assert "effectif connu de 42 agents, sous le seuil de 50 agents" in known.reasoning["fr"]
    assert compute_obligation(commune(12_345), staff=50).status == OBLIGED
    # A known staff count does not lift the population exemption.
    assert compute_obligation(commune(3000), staff=80).status == EXEMPT


def test_unknown_population():
    result = compute_obligation(commune(None))
    assert result.status == UNKNOWN
    assert result.reasoning["fr"] == ("Commune (population totale inconnue) : seuil de 3\u00a0500 "
                                      "habitants non vérifiable. Obligation à vérifier.")


def test_override_takes_precedence_and_keeps_the_rule():
    override = Override(EXEMPT, "effectif de 38 agents (bilan social 2024)", "a.martin",
                        dt.date(2026, 1, 15))
    result = compute_obligation(commune(12_345), override=override)
    assert (result.status, result.automatic_status, result.decided_by) == (EXEMPT, OBLIGED, "override")
    assert result.reasoning["fr"] == (
        "Décision manuelle : non soumise à l'obligation — motif : « effectif de 38 agents (bilan "
        "social 2024) » (par a.martin, le 2026-01-15). Calcul automatique : Commune de 12\u00a0345 "
        "habitants (population totale 2023) : au-dessus du seuil de 3\u00a0500 habitants ; effectif "
        "présumé ≥ 50 agents (présomption de la plateforme au-delà de 3\u00a0500 habitants). "
        "Soumise à l'obligation.")
    assert result.reasoning["en"].startswith("Manual decision: not subject to the obligation — "
                                             "reason: “effectif de 38 agents (bilan social 2024)” "
                                             "(by a.martin, on 2026-01-15). Automatic rule: ")
    forced = compute_obligation(commune(1200), override=Override(OBLIGED, "délibération", "x", "2026-02-01"))
    assert forced.status == OBLIGED and forced.automatic_status == EXEMPT
    with pytest.raises(ValueError):
        Override("maybe", "", "", "2026-01-01")


def test_epci_rule():
    epci = Collectivite(siren="200027027", kind="epci", name="CC Arc Sud Bretagne",
                        population_totale=29691, population_municipale=29113, population_vintage=2022,
                        epci_nature="CC")
    result = compute_obligation(epci)
    assert result.status == OBLIGED
    assert result.reasoning["fr"] == (
        "EPCI de 29\u00a0691 habitants (population totale 2022) : le seuil de population ne "
        "s'applique pas aux EPCI ; effectif présumé ≥ 50 agents (présomption de la plateforme "
        "pour les EPCI à fiscalité propre). Soumis à l'obligation.")
    assert compute_obligation(epci, ObligationRules(presume_epci_staff=False)).status == UNKNOWN
    assert compute_obligation(epci, staff=30).status == EXEMPT
    small = Collectivite(siren="200027027", kind="epci", name="x", population_totale=2000)
    assert compute_obligation(small).status == OBLIGED  # no population threshold for EPCI


def test_departement_and_region_always_obliged():
    national = load_national()
    morbihan = compute_obligation(national.get("225600014"))
    assert morbihan.status == OBLIGED and morbihan.population_kind == "municipale"
    assert morbihan.reasoning["fr"].startswith("Département de ")
    assert morbihan.reasoning["fr"].endswith(
        "(population municipale 2023) : les départements et les régions dépassent toujours les "
        "seuils de 3\u00a0500 habitants et de 50 agents. Soumis à l'obligation.")
    bretagne = compute_obligation(national.get("233500016"))
    assert bretagne.status == OBLIGED and bretagne.reasoning["fr"].endswith("Soumise à l'obligation.")


def test_morbihan_counts_and_national_denominator():
    national = load_national()
    territory = national.filter(dep="56")
    results = compute_all(territory.records)
    communes = [c for c in territory.of_kind("commune")]
    assert sum(results[c.siren].obliged for c in communes) == 58
    by_pmun = compute_all(communes, ObligationRules(population_kind="municipale"))
    assert sum(r.obliged for r in by_pmun.values()) == 55
    assert sum(r.obliged for r in results.values()) == 58 + 15 + 1 + 1
    override = {"215600016": Override(EXEMPT, "38 agents", "atd", "2026-01-01")}
    assert sum(r.obliged for r in compute_all(communes, overrides=override).values()) == 57


def test_population_bands():
    assert [b.code for b in BANDS] == ["lt3500", "3500-10000", "10000-20000", "20000-50000",
                                       "50000-100000", "ge100000"]
    assert population_band(3499).code == "lt3500"
    assert population_band(3500).code == "3500-10000"
    assert population_band(9999).code == "3500-10000"
    assert population_band(100_000).code == "ge100000"
    assert population_band(0).code == "lt3500"
    assert population_band(None) is None
    assert population_band(20_000).label == {"fr": "20 000 à 50 000 hab.", "en": "20,000 to 50,000"}
