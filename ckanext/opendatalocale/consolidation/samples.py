"""Conformant SCDL rows for a collectivité, generated (subventions in versions 1.1.0 to 2.1.1,
délibérations 2.1.5): for the demo portal, the benchmark and the tests. Deterministic for a
given seed. Identifiers pass the SIRET/SIREN Luhn check the schemas' custom checks apply."""
from __future__ import annotations

import csv
import io
import random
from typing import Sequence

SUBVENTIONS_V1 = [  # 1.1.0 and 2.0.x
    "nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire", "idBeneficiaire",
    "objet", "montant", "nature", "conditionsVersement", "datesPeriodeVersement", "idRAE", "notificationUE",
    "pourcentageSubvention",
]
SUBVENTIONS_V2 = SUBVENTIONS_V1[:6] + ["rnaBeneficiaire"] + SUBVENTIONS_V1[6:] + ["dispositifAide"]  # 2.1.x
DELIBERATIONS = [
    "COLL_NOM", "COLL_SIRET", "DELIB_ID", "DELIB_DATE", "DELIB_MATIERE_CODE", "DELIB_MATIERE_NOM", "DELIB_OBJET",
    "BUDGET_ANNEE", "BUDGET_NOM", "PREF_ID", "PREF_DATE", "VOTE_EFFECTIF", "VOTE_REEL", "VOTE_POUR", "VOTE_CONTRE",
    "VOTE_ABSTENTION", "DELIB_URL",
]
NATURES = ("aide en numéraire", "aide en nature", "aide en numéraire;aide en nature")
MATIERES = (("1.1", "Commande publique/Marchés publics"), ("2.1", "Urbanisme/Documents d'urbanisme"),
            ("3.1", "Domaine et patrimoine/Acquisitions"), ("4.1", "Fonction publique/Personnels titulaires"),
            ("5.3", "Institutions et vie politique/Désignation de représentants"),
            ("7.5", "Finances locales/Subventions"), ("8.4", "Domaines de compétences par thèmes/Aménagement"),
            ("9.1", "Autres domaines de compétences/Autres domaines de compétences des communes"))


def luhn_complete(digits: str) -> str:
    """``digits`` plus the digit that makes it pass the Luhn check."""
    for last in "0123456789":
        total = 0
        for i, ch in enumerate(reversed(digits + last)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return digits + last
    raise AssertionError("unreachable")


def siret_of(siren: str, establishment: int = 1) -> str:
    return luhn_complete(siren + f"{establishment:04d}")


def subventions(name: str, siren: str, count: int, *, version: str = "2.1.1", seed: int = 0,
                year: int = 2024) -> list[list[str]]:
    """Header and ``count`` rows of subventions in ``version``'s columns."""
    rng = random.Random(f"{siren}-{seed}")
    attribuant = siret_of(siren)
    header = SUBVENTIONS_V2 if version.startswith("2.1") else SUBVENTIONS_V1
    rows: list[list[str]] = [list(header)]
    beneficiaries = [siret_of(luhn_complete(f"{rng.randrange(10**8):08d}"), 1 + n % 9) for n in range(97)]
    for i in range(count):
        beneficiary = beneficiaries[i % 97]
        month, day = 1 + i % 12, 1 + (i * 7) % 28
        values = {
            "nomAttribuant": name, "idAttribuant": attribuant, "dateConvention": f"{year}-{month:02d}-{day:02d}",
            "referenceDecision": f"DEL-{year}-{seed}-{i}", "nomBeneficiaire": f"Association n° {rng.randrange(10**4)}",
            "idBeneficiaire": beneficiary, "rnaBeneficiaire": f"W{rng.randrange(10**9):09d}",
            "objet": "Soutien au fonctionnement", "montant": f"{rng.randrange(100, 50000)}.{rng.randrange(100):02d}",
            "nature": NATURES[i % 3], "conditionsVersement": "unique",
            "datesPeriodeVersement": f"{year}-{month:02d}-{day:02d}", "idRAE": "",
            "notificationUE": "non" if i % 4 else "oui", "pourcentageSubvention": f"0.{rng.randrange(10, 99)}",
            "dispositifAide": "",
        }
        rows.append([values[field] for field in header])
    return rows


def deliberations(name: str, siren: str, count: int, *, seed: int = 0, year: int = 2024) -> list[list[str]]:
    """Header and ``count`` rows of délibérations (2.1.x columns)."""
    rng = random.Random(f"delib-{siren}-{seed}")
    siret = siret_of(siren)
    rows: list[list[str]] = [list(DELIBERATIONS)]
    for i in range(count):
        code, matiere = MATIERES[i % len(MATIERES)]
        month, day = 1 + i % 12, 1 + (i * 5) % 27
        voters = rng.randrange(15, 40)
        pour, contre = voters - 3, 2
        vote = ["", "", "", "", ""] if i % 3 else [str(voters + 2), str(voters), str(pour), str(contre), "1"]
        rows.append([name, siret, f"{seed}-{year}-{i}", f"{year}-{month:02d}-{day:02d}", code, matiere,
                     f"Délibération n° {i} du conseil", "", "", "", f"{year}-{month:02d}-{day + 1:02d}", *vote,
                     f"https://mairie.example/deliberations/{seed}-{i}.pdf" if i % 2 else ""])
    return rows


def to_csv(rows: Sequence[Sequence[str]], delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def to_xlsx(rows: Sequence[Sequence[str]]) -> bytes:
    """An XLSX workbook of text cells, as a spreadsheet export writes it."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
