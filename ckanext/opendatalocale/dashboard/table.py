"""Exports of the collectivités table: CSV (BOM, formulas neutralised) and JSON (pure)."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# Cells that a spreadsheet would read as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

def neutralise(value: Any) -> str:
    """Text for a CSV cell; a leading =, +, -, @ gets a quote so spreadsheets show it as text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _rate(ratio: Mapping[str, Any]) -> str:
    return "" if ratio.get("rate") is None else f"{ratio['rate']:.4f}"


TABLE_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("siren", lambda r: r["siren"]),
    ("insee", lambda r: r["insee"]),
    ("nom", lambda r: r["name"]),
    ("type", lambda r: r["kind"]),
    ("population_totale", lambda r: r["population_totale"]),
    ("millesime_population", lambda r: r["population_vintage"]),
    ("tranche_population", lambda r: r["population_band"]),
    ("epci_siren", lambda r: r["epci_siren"]),
    ("obligation", lambda r: r["obligation"]["status"]),
    ("obligation_decision", lambda r: r["obligation"]["decided_by"]),
    ("ouverte", lambda r: int(r["open"])),
    ("jeux_de_donnees", lambda r: r["dataset_count"]),
    ("derniere_publication", lambda r: r["last_publication"]),
    ("scdl_presents", lambda r: r["scdl"]["present"]),
    ("scdl_attendus", lambda r: len(r["scdl"]["expected"])),
    ("taux_conformite", lambda r: _rate(r["conformity"])),
    ("taux_fraicheur", lambda r: _rate(r["freshness"])),
    ("score_metadonnees", lambda r: r["metadata"]["score"]),
    ("formats_ouverts", lambda r: _rate(r["open_formats"])),
    ("canal", lambda r: r["channels"]["main"]),
    ("niveau", lambda r: r["level"]),
)

# The Observatoire open data des territoires' CSV layout (dashboard.md §4.4, view 3).
OBSERVATOIRE_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("siren", lambda r: r["siren"]),
    ("nom", lambda r: r["name"]),
    ("type", lambda r: r["observatoire_type"]),
    ("regcode", lambda r: r.get("region") or ""),
    ("depcode", lambda r: r["dep"]),
    ("url-ptf", lambda r: r.get("portal_url") or ""),
    ("nb-ptf", lambda r: r["dataset_count"]),
    ("url-datagouv", lambda r: ""),
    ("nb-datagouv", lambda r: r["channels"]["counts"].get("harvested:datagouv", 0)),
    ("pop-insee", lambda r: r["population_totale"]),
    ("lat", lambda r: ""),
    ("long", lambda r: ""),
    ("ptf", lambda r: r.get("portal_url") or ""),
    ("Techno", lambda r: "CKAN"),
)


def to_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[tuple[str, Any]] = TABLE_COLUMNS,
           delimiter: str = ",") -> str:
    """UTF-8 text with a BOM (so spreadsheets detect the encoding); formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([name for name, _ in columns])
    for row in rows:
        writer.writerow([neutralise(getter(row)) for _, getter in columns])
    return "\ufeff" + buffer.getvalue()


def to_json(rows: Iterable[Mapping[str, Any]]) -> str:
    return json.dumps(list(rows), ensure_ascii=False, indent=1)
