"""Benchmark the converter on a 100,000-row messy spreadsheet, beside a baseline of the same run.

Generates a commune's subventions table (title rows, French headers in another
order, an internal column, dates as 25/08/2024 or real date cells, amounts as
``2 441,50 €``, SIRETs with spaces, Oui/Non, enum values in capitals) twice —
as XLSX and as cp1252 ``;`` CSV — with its conformant truth, then measures,
each in its own subprocess (peak RSS from ``ru_maxrss``):

* convert: ``read_table`` + ``suggest`` + ``convert`` (which writes the SCDL
  CSV and checks it with the conformity engine), no human input;
* baseline: reading the same file (openpyxl read-only, resp. ``csv``) plus
  validating the truth file with the conformity engine.

Targets: convert <= 2.5x the baseline; peak memory <= 200 MB.

    .venv/bin/python bench/bench_convert.py [--rows 100000]
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEADERS = ["Collectivité", "N° délibération", "Montant (€)", "Objet", "Part de la subvention", "SIRET collectivité",
           "Nature de l'aide", "Date convention", "Notifiée UE", "SIRET bénéficiaire", "Bénéficiaire", "Versement",
           "Période de versement", "Commentaire interne"]
NATURES = ["aide en numéraire", "aide en nature", "aide en numéraire;aide en nature"]


def generate(rows: int, workdir: Path) -> tuple[Path, Path, Path]:
    import openpyxl

    from ckanext.opendatalocale.convert.identifiers import luhn_complete as luhn

    rng = random.Random(7)
    sirets = [luhn(luhn("".join(rng.choice("123456789") for _ in range(8))) + f"{i:04d}") for i in range(500)]
    coll = sirets[0]
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Subventions")
    sheet.append(["Subventions versées — Ville de Banc-d'Essai"])
    sheet.append([])
    sheet.append(HEADERS)
    truth_path, csv_path = workdir / "truth.csv", workdir / "messy.csv"
    with open(truth_path, "w", newline="", encoding="utf-8") as t, open(csv_path, "w", newline="", encoding="cp1252") as m:
        truth, messy = csv.writer(t), csv.writer(m, delimiter=";")
        truth.writerow(["nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire",
                        "idBeneficiaire", "rnaBeneficiaire", "objet", "montant", "nature", "conditionsVersement",
                        "datesPeriodeVersement", "idRAE", "notificationUE", "pourcentageSubvention", "dispositifAide"])
        messy.writerow(["Subventions versées — Ville de Banc-d'Essai"])
        messy.writerow([])
        messy.writerow(HEADERS)
        for i in range(rows):
            signed = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 700))
            amount = f"{rng.randint(100, 99999)},{rng.randint(10, 99)}"
            nature, share, ue = rng.choice(NATURES), rng.choice(["1", "0,5", "0,25"]), rng.choice(["Oui", "Non"])
            benef, paid = sirets[i % 500], (signed + dt.timedelta(days=30)).isoformat()
            ref, name, kind = f"DCM-{signed.year}-{i:06d}", f"Association {i % 997}", rng.choice(["Unique", "Échelonné"])
            spaced = f"{benef[:3]} {benef[3:6]} {benef[6:9]} {benef[9:]}"
            row = ["Ville de Banc-d'Essai", ref, f"{amount[:-6]} {amount[-6:]} €".strip(), "Fonctionnement", share,
                   f"{coll[:3]} {coll[3:6]} {coll[6:9]} {coll[9:]}", nature.upper(), signed.strftime("%d/%m/%Y"), ue,
                   spaced, name, kind, paid, "ok"]
            messy.writerow(row)
            sheet.append(row[:7] + [signed] + row[8:])
            truth.writerow(["Ville de Banc-d'Essai", coll, signed.isoformat(), ref, name, benef, "", "Fonctionnement",
                            amount.replace(",", "."), nature, kind.lower(), paid, "", ue.lower(),
                            share.replace(",", "."), ""])
    xlsx_path = workdir / "messy.xlsx"
    book.save(xlsx_path)
    return xlsx_path, csv_path, truth_path


CONVERT = """
import json, resource, sys, time
from ckanext.opendatalocale.convert import core
from ckanext.opendatalocale.scdl.registry import get_registry
entry = get_registry().get("scdl/subventions")
started = time.perf_counter()
table = core.read_table(open(sys.argv[1], "rb").read(), sys.argv[1])
result = core.convert(table, entry.descriptor, core.suggest(table, entry.descriptor))
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "rows": result.rows, "conforms": result.conforms,
                  "unconverted": result.unconverted_count,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

BASELINE = """
import csv, json, resource, sys, time
from ckanext.opendatalocale.conformity import validate
from ckanext.opendatalocale.scdl.registry import get_registry
entry = get_registry().get("scdl/subventions")
started = time.perf_counter()
count = 0
if sys.argv[1].endswith(".xlsx"):
    import openpyxl
    book = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
    for row in book.worksheets[0].iter_rows(values_only=True):
        count += 1
    book.close()
else:
    with open(sys.argv[1], newline="", encoding="cp1252") as handle:
        for row in csv.reader(handle, delimiter=";"):
            count += 1
report = validate(sys.argv[2], entry.descriptor)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "rows": count, "status": report.status,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def run(template: str, *args: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(template), *map(str, args)],
                          capture_output=True, text=True, cwd=REPO, timeout=3600)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    failures = []
    with tempfile.TemporaryDirectory(prefix="odl-bench-convert-") as tmp:
        xlsx, csv_file, truth = generate(args.rows, Path(tmp))
        print(f"Converter, {args.rows:,} rows of messy subventions (time and peak RSS; baseline in the same run)")
        for label, source in (("XLSX", xlsx), ("CSV cp1252", csv_file)):
            ours, base = run(CONVERT, source), run(BASELINE, source, truth)
            ratio = ours["seconds"] / base["seconds"]
            peak = ours["maxrss_kb"] / 1024
            print(f"  {label:<11} convert  {ours['seconds']:7.2f} s  peak RSS {peak:6.1f} MB  "
                  f"rows {ours['rows']:,}  conforms {ours['conforms']}  unconverted {ours['unconverted']}")
            print(f"  {'':<11} baseline {base['seconds']:7.2f} s  peak RSS {base['maxrss_kb'] / 1024:6.1f} MB  "
                  f"(read + validate truth: {base['status']})")
            print(f"  {'':<11} ratio    {ratio:7.2f}x (target <= 2.5x), memory {peak:.0f} MB (target <= 200 MB)")
            if not ours["conforms"] or ours["rows"] != args.rows:
                failures.append(f"{label}: output not conformant or rows lost")
    if failures:
        raise SystemExit("; ".join(failures))


if __name__ == "__main__":
    main()
