"""Reminder messages to collectivités: "ce qu'il reste à faire", written from the figures of
their dashboard snapshot (pure: no CKAN import; French and English, the glue picks).

The message has the ATD's common text (subject and introduction, edited before sending, where
``{collectivite}`` is replaced by the collectivité's name), then the list the suite computes:
missing expected SCDL, non-conformant files with their first errors, data to update and
broken links, each with where to act on the portal.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ckanext.opendatalocale.conformity import messages

WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "subject": "{territory} : ce qu'il reste à faire pour {collectivite}",
        "intro": "Bonjour,\n\nVoici, d'après le tableau de bord open data du territoire, ce qu'il reste "
                 "à faire pour {collectivite}. L'équipe d'animation reste à votre disposition.",
        "todo": "Ce qu'il reste à faire",
        "nothing": "Rien à signaler : toutes les données attendues sont publiées, conformes et à jour. Merci !",
        "missing": "Données SCDL attendues non publiées ({count}) :",
        "missing_item": "- {schema} : à publier. Parcours guidé et convertisseur : {publish}",
        "invalid": "Fichiers non conformes au schéma ({count}) :",
        "invalid_item": "- {schema} : {errors} erreur(s) à corriger. Rapport : {report} ; republier : {publish}",
        "first_errors": "Premières erreurs relevées :",
        "error_item": "  * {type} ({count}) : {hint}",
        "stale": "Données à mettre à jour ({count}) :",
        "stale_item": "- {title} : dernière mise à jour le {date}",
        "broken": "Liens de téléchargement cassés ({count}) :",
        "broken_item": "- {title} : {url} ({error})",
        "figures": "Vos chiffres : {datasets} jeu(x) de données publié(s), {present} sur {expected} "
                   "données SCDL attendues, conformité {conformity}, fraîcheur {freshness}.",
        "page": "Votre fiche sur le tableau de bord : {url}",
        "unknown": "n.c.",
        "http": "erreur HTTP {status}",
    },
    "en": {
        "subject": "{territory}: what is left to do for {collectivite}",
        "intro": "Hello,\n\nHere is, from the territory's open data dashboard, what is left to do for "
                 "{collectivite}. The support team remains at your disposal.",
        "todo": "What is left to do",
        "nothing": "Nothing to report: every expected dataset is published, conformant and up to date. Thank you!",
        "missing": "Expected SCDL data not published ({count}):",
        "missing_item": "- {schema}: to publish. Guided path and converter: {publish}",
        "invalid": "Files not conformant to their schema ({count}):",
        "invalid_item": "- {schema}: {errors} error(s) to fix. Report: {report}; publish again: {publish}",
        "first_errors": "First errors found:",
        "error_item": "  * {type} ({count}): {hint}",
        "stale": "Data to update ({count}):",
        "stale_item": "- {title}: last updated on {date}",
        "broken": "Broken download links ({count}):",
        "broken_item": "- {title}: {url} ({error})",
        "figures": "Your figures: {datasets} dataset(s) published, {present} of {expected} expected "
                   "SCDL datasets, conformity {conformity}, freshness {freshness}.",
        "page": "Your page on the dashboard: {url}",
        "unknown": "n/a",
        "http": "HTTP error {status}",
    },
}


def default_subject(territory: str, lang: str = "fr") -> str:
    return WORDS[lang]["subject"].replace("{territory}", territory)


def default_intro(lang: str = "fr") -> str:
    return WORDS[lang]["intro"]


def _percent(ratio: Mapping[str, Any], lang: str, words: Mapping[str, str]) -> str:
    rate = (ratio or {}).get("rate")
    if rate is None:
        return words["unknown"]
    return f"{rate * 100:.0f}\u00a0%" if lang == "fr" else f"{rate * 100:.0f}%"


def short_name(schema: str) -> str:
    return schema.rsplit("/", 1)[-1]


def todo(row: Mapping[str, Any], site_url: str, lang: str = "fr") -> dict[str, list[dict[str, Any]]]:
    """What is left to do, as data (the preview shows it, the message writes it)."""
    cells = row["scdl"]["cells"]
    missing = [{"schema": s, "publish": f"{site_url}/scdl/{short_name(s)}/publier"}
               for s in row["scdl"]["expected"] if cells[s]["state"] == "absent"]
    invalid = [{"schema": s, "errors": cells[s].get("error_count"),
                "report": f"{site_url}/conformite/resource/{cells[s]['resource_id']}",
                "publish": f"{site_url}/scdl/{short_name(s)}/publier"}
               for s in row["scdl"]["expected"] if cells[s]["state"] == "invalid"]
    stale = [{"title": d["title"], "date": (d["updated"] or "")[:10]}
             for d in row.get("datasets") or [] if d.get("fresh") is False]
    availability = row.get("availability") or {}
    broken = [{"title": b["title"], "url": b["url"],
               "error": (WORDS[lang]["http"].format(status=b["status"]) if b.get("status")
                         else (b.get("message") or {}).get(lang) or b.get("code") or "")}
              for b in availability.get("broken_links") or []]
    errors = [{"type": e["type"], "count": e["count"], "hint": messages.hint(e["type"])[lang]}
              for e in (row.get("conformity") or {}).get("top_errors") or []][:3]
    return {"missing": missing, "invalid": invalid, "errors": errors, "stale": stale, "broken": broken}


def compose(row: Mapping[str, Any], *, subject: str, intro: str, territory: str, site_url: str,
            page_url: str, lang: str = "fr") -> tuple[str, str]:
    """(subject, plain-text body) of the reminder to one collectivité."""
    words = WORDS[lang]
    name = row["name"]
    items = todo(row, site_url, lang)
    lines = [intro.replace("{collectivite}", name).replace("{territory}", territory).strip(), "",
             words["figures"].format(datasets=row["dataset_count"], present=row["scdl"]["present"],
                                     expected=len(row["scdl"]["expected"]),
                                     conformity=_percent(row["conformity"], lang, words),
                                     freshness=_percent(row["freshness"], lang, words)),
             "", words["todo"], "=" * len(words["todo"])]
    sections = (("missing", "missing_item"), ("invalid", "invalid_item"), ("stale", "stale_item"),
                ("broken", "broken_item"))
    if not any(items[key] for key, _ in sections):
        lines.append(words["nothing"])
    for key, item in sections:
        if not items[key]:
            continue
        lines += ["", words[key].format(count=len(items[key]))]
        lines += [words[item].format(**{k: ("?" if v is None else v) for k, v in entry.items()})
                  for entry in items[key]]
        if key == "invalid" and items["errors"]:
            lines.append(words["first_errors"])
            lines += [words["error_item"].format(**error) for error in items["errors"]]
    lines += ["", words["page"].format(url=page_url)]
    final_subject = subject.replace("{collectivite}", name).replace("{territory}", territory).strip()
    return final_subject, "\n".join(lines) + "\n"
