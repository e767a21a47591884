"""Ready-made charts of one SCDL resource (the ``scdl_chart`` view): per schema, rows counted
or summed by a category. Filled during the territory pass, from the consolidated rows that
name the resource. Pure Python."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import accumulate as acc
from .definitions import ACTES_MATIERES, N_


@dataclass(frozen=True, slots=True)
class ChartSpec:
    key: str
    title: str
    category: Callable[[Mapping[str, Any]], str]
    measure: str | None = None  # field summed; None counts rows
    top: int | None = 12  # largest categories kept; None keeps them all in category order
    unit: str = N_("rows")


def _field(name: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda row: acc.text(row.get(name))


def _matiere(row: Mapping[str, Any]) -> str:
    code = acc.text(row.get("DELIB_MATIERE_CODE")).split(".")[0]
    return f"{code} {ACTES_MATIERES[code]}" if code in ACTES_MATIERES else code


def _power(row: Mapping[str, Any]) -> str:
    power = acc.number(row.get("puissance_nominale"))
    if power is None:
        return ""
    return "< 22 kW" if power < 22 else "22–50 kW" if power < 50 else "≥ 50 kW"


def _signed(row: Mapping[str, Any]) -> str:
    kind = acc.text(row.get("menuPlatType"))
    return f"{kind} · {'SIQO' if acc.listed(row.get('menuPlatSiqo')) else '—'}"


def _real_spending(row: Mapping[str, Any]) -> str:
    if acc.text(row.get("BGT_OPBUDG")) != "réel":
        return ""
    return f"{acc.text(row.get('BGT_SECTION'))} · {acc.text(row.get('BGT_CODRD'))}"


SPECS: dict[str, tuple[ChartSpec, ...]] = {
    "scdl/subventions": (
        ChartSpec("beneficiaires", N_("Amount by beneficiary (largest)"), _field("nomBeneficiaire"), "montant", 10, "€"),
        ChartSpec("nature", N_("Amount by nature of the aid"), _field("nature"), "montant", None, "€")),
    "scdl/deliberations": (
        ChartSpec("mois", N_("Deliberations per month"), lambda r: acc.month_of(r.get("DELIB_DATE")) or "", None, None),
        ChartSpec("matiere", N_("Deliberations by ACTES subject"), _matiere, None, 12)),
    "scdl/equipements": (
        ChartSpec("theme", N_("Facilities by theme"), _field("EQUIP_THEME"), None, 12),),
    "etalab/schema-irve-statique": (
        ChartSpec("implantation", N_("Charging points by location"), _field("implantation_station"), None, 12),
        ChartSpec("puissance", N_("Charging points by power"), _power, None, None)),
    "atlasante/schema-dae": (
        ChartSpec("acces", N_("Defibrillators by access"), _field("acc"), None, 12),
        ChartSpec("etat", N_("Defibrillators by working state"), _field("etat_fonct"), None, 12)),
    "scdl/budget": (
        ChartSpec("sections", N_("Real amounts by section (forecast, BGT_MTPREV)"), _real_spending, "BGT_MTPREV", 12, "€"),
        ChartSpec("nature", N_("Amounts by nature (forecast, BGT_MTPREV)"), _field("BGT_NATURE_LABEL"), "BGT_MTPREV", 12, "€")),
    "scdl/menus-collectifs": (
        ChartSpec("siqo", N_("Dishes by type, with or without a quality sign"), _signed, None, 16),),
    "scdl/prenoms": (
        ChartSpec("prenoms", N_("Most given first names"), lambda r: acc.text(r.get("ENFANT_PRENOM")).title(),
                  "NOMBRE_OCCURRENCES", 15, N_("births")),),
}


class ResourceCharts:
    """Per resource id and chart key, the category totals."""

    def __init__(self) -> None:
        self._totals: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
        self._schema: dict[str, str] = {}
        self._rows: Counter = Counter()

    def add(self, schema: str, row: Mapping[str, Any]) -> None:
        resource = str(row.get("_resource_id") or "")
        specs = SPECS.get(schema)
        if not resource or not specs:
            return
        self._schema[resource] = schema
        self._rows[resource] += 1
        for spec in specs:
            category = spec.category(row)
            if not category:
                continue
            amount = 1.0 if spec.measure is None else acc.number(row.get(spec.measure))
            if amount is not None:
                self._totals[resource][spec.key][category] += amount

    def result(self) -> dict[str, Any]:
        out = {}
        for resource, schema in self._schema.items():
            charts = []
            for spec in SPECS[schema]:
                totals = self._totals[resource].get(spec.key, Counter())
                items = totals.most_common(spec.top) if spec.top else sorted(totals.items())
                charts.append({"key": spec.key, "title": spec.title, "unit": spec.unit,
                               "items": [[k, round(v, 2)] for k, v in items]})
            out[resource] = {"schema": schema, "rows": self._rows[resource], "charts": charts}
        return out
