"""What the observatory pages show, built from the actions' answers: per indicator its
definition and sources, charts (SVG) and the tables beside them. One builder serves the HTML
page, its CSV exports (one per table) and the embeddable cards."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.territories.bands import BANDS_BY_CODE
from ckanext.opendatalocale.web import language

from . import charts
from .definitions import ACTES_MATIERES, BY_KEY

RANKING_SHOWN = 10  # rows of a ranking on the page; its CSV has them all


def number(value: Any, decimals: int = 1) -> str:
    return charts.format_number(value, decimals, language())


def band_label(code: str | None) -> str:
    band = BANDS_BY_CODE.get(code or "")
    return band.label[language()] if band else "—"


def scdl_slug(schema: str) -> str:
    from ckanext.opendatalocale.scdl.utils import registry

    return registry().get(schema).slug


def meta(key: str, period: Any = None, consolidation: dict | None = None) -> dict[str, Any]:
    indicator = BY_KEY[key]
    slug = scdl_slug(indicator.schema)
    return {"key": key, "label": tk._(indicator.label), "unit": tk._(indicator.unit),
            "definition": tk._(indicator.definition), "schema": indicator.schema, "decimals": indicator.decimals,
            "scdl_url": tk.h.url_for("scdl.schema", slug=slug), "publish_url": tk.h.url_for("scdl.publish", slug=slug),
            "period": period, "consolidation": consolidation,
            "dataset_url": tk.h.url_for("dataset.read", id=consolidation["dataset_name"])
            if consolidation and consolidation.get("dataset_name") else None}


def table(ident: str, title: str, columns: list[tuple[str, str, int | None]], rows: list[dict]) -> dict[str, Any]:
    """``columns``: (key, label, decimals: None for text); a row's ``_href_<key>`` links a cell."""
    return {"id": ident, "title": title, "columns": columns, "rows": rows}


def _category(key: str, name: str) -> str:
    if key == "deliberations" and name in ACTES_MATIERES:
        return f"{name} — {tk._(ACTES_MATIERES[name])}"
    return name


def _chart(item: dict[str, Any], kind: str, label_key: str, value_key: str, title: str, decimals: int,
           **extra: Any) -> str:
    points = [(str(row[label_key]), row[value_key]) for row in item["rows"]]
    fmt = lambda v: number(v, decimals)  # noqa: E731
    draw = charts.columns if kind == "columns" else charts.bars
    return draw(points, title, ident=item["id"], fmt=fmt, **extra)


def _portrait_link(slug: str, siren: str) -> str:
    return tk.h.url_for("observatory.portrait", slug=slug, siren=siren)


def territory_sections(show: dict[str, Any]) -> list[dict[str, Any]]:
    slug = show["slug"]
    sections = []
    for item in show["indicators"]:
        key = item["key"]
        info = meta(key, item["period"], item["consolidation"])
        decimals = info["decimals"]
        blocks = []
        totals = item["territory"]
        if totals.get("series"):
            rows = [{"year": y, "value": v} for y, v in sorted(totals["series"].items())]
            t = table(f"{key}-evolution", tk._("Territory, per year"),
                      [("year", tk._("Year"), None), ("value", info["unit"], decimals)], rows)
            blocks.append({"table": t, "svg": _chart(t, "columns", "year", "value", t["title"], decimals)})
        if totals.get("breakdown"):
            rows = [{"category": _category(key, k), "value": v} for k, v in totals["breakdown"].items()]
            title = {"subventions": tk._("Amount by nature (€, latest year)"),
                     "deliberations": tk._("Deliberations by ACTES subject (latest year)"),
                     "equipements": tk._("Facilities by theme")}.get(key, tk._("Breakdown"))
            t = table(f"{key}-repartition", title, [("category", tk._("Category"), None),
                                                   ("value", tk._("Value"), 0 if key != "subventions" else 2)], rows)
            blocks.append({"table": t, "svg": _chart(t, "bars", "category", "value", title, 0)})
        if key == "prenoms" and totals.get("years"):
            year = max(totals["years"])
            rows = [{"name": n, "births": c} for n, c in totals["years"][year]]
            t = table(f"{key}-prenoms", tk._("Most given first names in {year}").format(year=year),
                      [("name", tk._("First name"), None), ("births", tk._("Births"), 0)], rows)
            blocks.append({"table": t, "svg": _chart(t, "bars", "name", "births", t["title"], 0)})
        if item.get("bands"):
            rows = [{**row, "band": band_label(row["band"])} for row in item["bands"]]
            blocks.append({"table": table(f"{key}-strates", tk._("Communes by population band"), [
                ("band", tk._("Population band"), None), ("collectivites", tk._("Communes"), 0),
                ("publishers", tk._("Publishing"), 0), ("q1", tk._("1st quartile"), decimals),
                ("median", tk._("Median"), decimals), ("q3", tk._("3rd quartile"), decimals)], rows)})
        if item.get("ranking"):
            # Only the rows shown get a link (url_for costs; the CSV has every row, without links).
            rows = [{**row, "_href_name": _portrait_link(slug, row["siren"])} if i < RANKING_SHOWN else row
                    for i, row in enumerate(item["ranking"])]
            blocks.append({"table": table(f"{key}-classement", tk._("Ranking"), [
                ("rank", tk._("Rank"), 0), ("name", tk._("Collectivité"), None), ("siren", "SIREN", None),
                ("population", tk._("Population"), 0), ("value", info["unit"], decimals)], rows), "limit": RANKING_SHOWN})
        sections.append({**info, "publishers": item["publishers"], "collectivites": item["collectivites"],
                         "value": totals.get("headline"), "year": totals.get("year"), "blocks": blocks})
    return sections


def portrait_sections(show: dict[str, Any]) -> list[dict[str, Any]]:
    slug = show["territory"]["slug"]
    sections = []
    for item in show["indicators"]:
        key = item["key"]
        info = meta(key, item["period"], item["consolidation"])
        decimals = info["decimals"]
        figures = item["figures"] or {}
        blocks = []
        comparison = item.get("comparison")
        if comparison and item["publishes"]:
            scopes = [(tk._("Same band, département {dep}").format(dep=show["dep"] or "—"), comparison["departement"]),
                      (tk._("Same band, whole portal"), comparison["portal"])]
            rows = [{"scope": name, **values} for name, values in scopes]
            blocks.append({"table": table(f"{key}-comparaison", tk._("Compared with the same population band"), [
                ("scope", tk._("Compared with"), None), ("count", tk._("Publishing"), 0),
                ("q1", tk._("1st quartile"), decimals), ("median", tk._("Median"), decimals),
                ("q3", tk._("3rd quartile"), decimals), ("rank", tk._("Rank"), 0)], rows)})
        if comparison and comparison["epci"]["members"]:
            rows = [{"name": m["name"], "siren": m["siren"], "population": m["population"], "value": m["value"],
                     "publishes": tk._("yes") if m["publishes"] else tk._("no"),
                     "_href_name": _portrait_link(slug, m["siren"])} for m in comparison["epci"]["members"]]
            t = table(f"{key}-epci", tk._("Members of {epci}").format(epci=comparison["epci"]["name"] or "EPCI"), [
                ("name", tk._("Commune"), None), ("population", tk._("Population"), 0),
                ("value", info["unit"], decimals), ("publishes", tk._("Publishes"), None)], rows)
            median = comparison["departement"].get("median")
            blocks.append({"table": t, "svg": _chart(
                t, "bars", "name", "value", t["title"], decimals, highlight=show["name"],
                reference=(tk._("band median"), median) if median is not None else None)})
        if figures.get("series") and len(figures["series"]) > 0:
            rows = [{"year": y, "value": v} for y, v in sorted(figures["series"].items())]
            t = table(f"{key}-evolution", tk._("Per year"), [("year", tk._("Year"), None),
                                                             ("value", info["unit"], decimals)], rows)
            blocks.append({"table": t, "svg": _chart(t, "columns", "year", "value", t["title"], decimals)})
        details = _details(key, figures)
        if details:
            blocks.append({"table": details})
        if comparison and comparison.get("comparables"):
            rows = [{"name": c["name"], "siren": c["siren"], "population": c["population"], "value": c["value"],
                     "_href_name": _portrait_link(slug, c["siren"])} for c in comparison["comparables"]]
            blocks.append({"table": table(f"{key}-comparables", tk._("Comparable collectivités"), [
                ("name", tk._("Collectivité"), None), ("population", tk._("Population"), 0),
                ("value", info["unit"], decimals)], rows)})
        sections.append({**info, "publishes": item["publishes"], "value": figures.get("headline"),
                         "year": figures.get("year"), "comparison": comparison, "blocks": blocks})
    return sections


def _details(key: str, figures: dict[str, Any]) -> dict[str, Any] | None:
    years = figures.get("years") or {}
    if key == "subventions" and years:
        rows = [{"year": y, "amount": v["amount"], "grants": v["grants"], "beneficiaries": v["beneficiaries"],
                 "numeraire": sum(a for n, a in v["nature"].items() if n.startswith("aide en numéraire")),
                 "nature": sum(a for n, a in v["nature"].items() if n.startswith("aide en nature"))}
                for y, v in sorted(years.items())]
        return table("subventions-detail", tk._("Grants per year"), [
            ("year", tk._("Year"), None), ("amount", tk._("Amount (€)"), 2), ("grants", tk._("Grants"), 0),
            ("beneficiaries", tk._("Beneficiaries"), 0), ("numeraire", tk._("In cash (€)"), 2),
            ("nature", tk._("In kind (€)"), 2)], rows)
    if key == "deliberations" and years:
        rows = [{"year": y, "count": v["count"], "linked": (v["linked_share"] or 0) * 100,
                 "matieres": ", ".join(f"{code}: {n}" for code, n in v["matiere"].items())}
                for y, v in sorted(years.items())]
        return table("deliberations-detail", tk._("Deliberations per year"), [
            ("year", tk._("Year"), None), ("count", tk._("Deliberations"), 0),
            ("linked", tk._("% with the document"), 0), ("matieres", tk._("By ACTES subject"), None)], rows)
    if key == "equipements" and figures.get("themes"):
        rows = [{"theme": t, **v} for t, v in figures["themes"].items()]
        return table("equipements-detail", tk._("Facilities by theme"), [
            ("theme", tk._("Theme"), None), ("count", tk._("Facilities"), 0),
            ("per_1000", tk._("per 1,000 inhabitants"), 2)], rows)
    if key == "budget" and years:
        rows = [{"year": y, "document": v["document"], "total": v["total"], "per_inhabitant": v["per_inhabitant"],
                 "fonctionnement": v["sections"].get("fonctionnement"),
                 "investissement": v["sections"].get("investissement")} for y, v in sorted(years.items())]
        return table("budget-detail", tk._("Real spending per year"), [
            ("year", tk._("Year"), None), ("document", tk._("Document"), None), ("total", tk._("Total (€)"), 0),
            ("fonctionnement", tk._("Operating (€)"), 0), ("investissement", tk._("Investment (€)"), 0),
            ("per_inhabitant", tk._("€ per inhabitant"), 0)], rows)
    if key == "menus" and years:
        rows = [{"year": y, **v} for y, v in sorted(years.items())]
        return table("menus-detail", tk._("Dishes per year"), [
            ("year", tk._("Year"), None), ("dishes", tk._("Dishes"), 0), ("signed", tk._("With a quality sign"), 0),
            ("share", "%", 0)], rows)
    if key == "prenoms" and years:
        rows = [{"year": y, "names": ", ".join(f"{n} ({c})" for n, c in top[:5])} for y, top in sorted(years.items())]
        return table("prenoms-detail", tk._("Most given first names"), [
            ("year", tk._("Year"), None), ("names", tk._("First names (births)"), None)], rows)
    if key in ("irve", "defibrillateurs") and figures.get("count") is not None:
        rows = [{"count": figures["count"], "value": figures["headline"]}]
        return table(f"{key}-detail", tk._("Count"), [("count", tk._("Number"), 0),
                                                      ("value", tk._("per 10,000 inhabitants"), 2)], rows)
    return None


def find_table(sections: list[dict[str, Any]], ident: str) -> dict[str, Any] | None:
    for section in sections:
        for block in section["blocks"]:
            if block["table"]["id"] == ident:
                return block["table"]
    return None
