"""Benchmark the conformity engine against plain frictionless 5 and validata-table 0.12.5.

Generates SCDL subventions files (about 1 % of rows carry an error: bad SIRET,
bad date, bad amount, value outside the enum, neither beneficiary id) in a
temporary directory, then validates each file, each engine in its own
subprocess (so peak RSS is per engine, read from ``ru_maxrss``):

* ours: ``ckanext.opendatalocale.conformity.validate`` (every custom check);
* baseline (a): plain ``frictionless.validate`` with ``Detector(schema_sync=True)``
  and no custom checks (``limit_errors`` lifted so it reads the whole file);
* baseline (b): validata-table 0.12.5 in its own virtualenv
  (``/work/main/.venv-validata``, created here if absent; benchmark only, never
  a dependency). Its 1,000-error stop and 100,000-row cap are lifted so it
  checks the whole file like the others; the figures say so.

Usage::

    .venv/bin/python bench/bench_validation.py            # 100,000 rows
    .venv/bin/python bench/bench_validation.py --million  # also 1,000,000 rows
    .venv/bin/python bench/bench_validation.py --rows 20000 --skip-validata

``make bench`` runs it without arguments; set ``ODL_BENCH_MILLION=1`` to add
the 1,000,000-row run there, ``ODL_BENCH_SKIP_VALIDATA=1`` to leave
validata-table out (no virtualenv is then created).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUR_PYTHON = Path(sys.executable)
VALIDATA_VENV = REPO / ".venv-validata"
VALIDATA_PYTHON = VALIDATA_VENV / "bin" / "python"
SCHEMA_CANDIDATES = [
    REPO / "schemas/scdl/subventions/2.1.1/schema.json",
]
ERROR_RATE = 0.01

HEADER = [
    "nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire",
    "idBeneficiaire", "rnaBeneficiaire", "objet", "montant", "nature", "conditionsVersement",
    "datesPeriodeVersement", "idRAE", "notificationUE", "pourcentageSubvention", "dispositifAide",
]
NATURES = ["aide en numéraire", "aide en nature", "aide en numéraire;aide en nature"]


def luhn_complete(digits: str) -> str:
    """Append the digit that makes ``digits`` pass the Luhn check (SIRET/SIREN)."""
    for last in "0123456789":
        candidate = digits + last
        total = 0
        for i, ch in enumerate(reversed(candidate)):
            d = int(ch)
            if i % 2:
                d *= 2
                if d > 9:
                    d -= 9
            total += d
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def generate(path: Path, rows: int, seed: int = 4) -> int:
    """Write a subventions CSV; return how many rows were made invalid."""
    rng = random.Random(seed)
    def siret() -> str:  # both the SIREN (9 digits) and the SIRET pass Luhn
        siren = luhn_complete("".join(rng.choice("0123456789") for _ in range(8)))
        return luhn_complete(siren + "".join(rng.choice("0123456789") for _ in range(4)))

    sirets = [siret() for _ in range(5000)]
    attribuant = siret()
    broken = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            year = 2015 + i % 9
            row = [
                "Commune de Rennes", attribuant, f"{year}-{1 + i % 12:02d}-{1 + i % 28:02d}", f"DEL-{year}-{i}",
                f"Association numéro {i % 9973}", rng.choice(sirets), f"W{rng.randrange(10**9):09d}",
                "Soutien au fonctionnement de l'association", f"{rng.randrange(100, 200000)}.{rng.randrange(100):02d}",
                NATURES[i % 3], "unique", f"{year}-03-14/{year + 1}-03-14", "", "non" if i % 5 else "oui",
                f"0.{rng.randrange(1, 99):02d}", "",
            ]
            if rng.random() < ERROR_RATE:
                broken += 1
                kind = rng.randrange(5)
                if kind == 0:
                    row[5] = "2.1e13"  # SIRET typed as a number in a spreadsheet
                elif kind == 1:
                    row[2] = f"{1 + i % 28:02d}/03/{year}"  # French date
                elif kind == 2:
                    row[8] = "12 500,00"  # French amount
                elif kind == 3:
                    row[9] = "Aide en numéraire"  # enum is lower case
                else:
                    row[5] = row[6] = ""  # one-of-required
            writer.writerow(row)
    return broken


OURS = textwrap.dedent("""
    import json, resource, sys, time
    sys.path.insert(0, {repo!r})
    from ckanext.opendatalocale.conformity import Limits, validate
    schema = json.load(open({schema!r}))
    t = time.perf_counter()
    report = validate({path!r}, schema, limits=Limits(max_rows=10**8, max_seconds=10**6))
    seconds = time.perf_counter() - t
    print(json.dumps({{"status": report.status, "counts": dict(report.counts_by_type),
        "errors": report.error_count, "rows": report.rows_checked, "seconds": seconds,
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
""")

FRICTIONLESS = textwrap.dedent("""
    import collections, json, os, resource, time
    import frictionless
    from frictionless import Detector, Resource, Schema
    schema = Schema.from_descriptor({{k: v for k, v in json.load(open({schema!r})).items() if k != "custom_checks"}})
    t = time.perf_counter()
    resource_ = Resource(path=os.path.basename({path!r}), basepath=os.path.dirname({path!r}),
                         schema=schema, detector=Detector(schema_sync=True))
    report = frictionless.validate(resource_, limit_errors=10**9)
    seconds = time.perf_counter() - t
    task = report.tasks[0]
    counts = collections.Counter(e.type for e in task.errors)
    print(json.dumps({{"status": "valid" if report.valid else "invalid", "counts": dict(counts),
        "errors": len(task.errors), "rows": task.stats.get("rows"), "seconds": seconds,
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
""")

VALIDATA = textwrap.dedent("""
    import collections, functools, json, resource, time
    import frictionless
    # Lift validata's 1,000-error stop (frictionless default) and 100,000-row cap
    # so it checks the whole file, like the two other engines.
    frictionless.validate = functools.partial(frictionless.validate, limit_errors=10**9)
    import validata_core.domain.validation_features as features
    features.VALIDATA_MAX_ROWS = 10**9
    from validata_core import validate
    schema = json.load(open({schema!r}))
    t = time.perf_counter()
    report = validate({path!r}, schema)
    seconds = time.perf_counter() - t
    data = report.to_dict()
    data = data.get("report", data)
    counts = collections.Counter(e.get("type") for e in data["errors"])
    print(json.dumps({{"status": "valid" if report.valid else "invalid", "counts": dict(counts),
        "errors": len(data["errors"]), "rows": None, "seconds": seconds,
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
""")


def ensure_validata() -> bool:
    if VALIDATA_PYTHON.exists():
        return True
    print(f"creating {VALIDATA_VENV} with validata-table==0.12.5 …", flush=True)
    try:
        subprocess.run([sys.executable if "venv" not in sys.executable else "python3", "-m", "venv",
                        str(VALIDATA_VENV)], check=True)
        subprocess.run([str(VALIDATA_VENV / "bin" / "pip"), "install", "-q", "validata-table==0.12.5"], check=True)
    except (subprocess.CalledProcessError, OSError) as exc:
        print(f"validata-table unavailable: {exc}")
        return False
    return True


def run(python: Path, template: str, path: Path, schema: Path, timeout: float) -> dict:
    code = template.format(repo=str(REPO), schema=str(schema), path=str(path))
    try:
        done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"failed": f"timeout after {timeout:.0f} s"}
    if done.returncode != 0:
        return {"failed": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def describe(name: str, result: dict, rows: int) -> str:
    if "failed" in result:
        return f"  {name:<22} FAILED: {result['failed']}"
    rate = rows / result["seconds"] if result["seconds"] else float("inf")
    result["rate"] = rate
    return (f"  {name:<22} {result['seconds']:8.2f} s  {rate:10,.0f} rows/s  peak RSS {result['maxrss_kb'] / 1024:7.1f} MB"
            f"  {result['status']:<8} {result['errors']:>7} errors {json.dumps(result['counts'], sort_keys=True)}")


def bench(rows: int, schema: Path, workdir: Path, with_validata: bool, timeout: float) -> None:
    path = workdir / f"subventions_{rows}.csv"
    broken = generate(path, rows)
    print(f"\n== {rows:,} rows ({path.stat().st_size / 1e6:.1f} MB, {broken:,} rows made invalid)", flush=True)
    ours = run(OUR_PYTHON, OURS, path, schema, timeout)
    print(describe("ours (all checks)", ours, rows), flush=True)
    plain = run(OUR_PYTHON, FRICTIONLESS, path, schema, timeout)
    print(describe("frictionless sync", plain, rows), flush=True)
    validata = {"failed": "skipped"}
    if with_validata:
        validata = run(VALIDATA_PYTHON, VALIDATA, path, schema, timeout)
        print(describe("validata-table 0.12.5", validata, rows), flush=True)
    if "rate" not in ours:
        return
    if "rate" in plain:
        print(f"  throughput ours / frictionless  = {ours['rate'] / plain['rate']:.2f}x  (target >= 1.0x)")
    if "rate" in validata:
        print(f"  throughput ours / validata      = {ours['rate'] / validata['rate']:.2f}x  (target >= 3x)")
        same = ours["status"] == validata["status"] and ours["counts"] == validata["counts"]
        print(f"  verdict and error counts equal to validata's: {same}")
    print(f"  peak RSS ours = {ours['maxrss_kb'] / 1024:.1f} MB (target <= 150 MB"
          + (f"; frictionless {plain['maxrss_kb'] / 1024:.1f} MB" if "maxrss_kb" in plain else "")
          + (f"; validata {validata['maxrss_kb'] / 1024:.1f} MB" if "maxrss_kb" in validata else "") + ")")


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append", help="row counts (default 100000)")
    parser.add_argument("--million", action="store_true", help="also run 1,000,000 rows")
    parser.add_argument("--skip-validata", action="store_true")
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()
    args.million = args.million or _env_flag("ODL_BENCH_MILLION")
    args.skip_validata = args.skip_validata or _env_flag("ODL_BENCH_SKIP_VALIDATA")
    sizes = args.rows or [100_000]
    if args.million and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    schema = next((p for p in SCHEMA_CANDIDATES if p.exists()), None)
    if schema is None:
        sys.exit("subventions 2.1.1 schema not found")
    with_validata = not args.skip_validata and ensure_validata()
    with tempfile.TemporaryDirectory(prefix="bench_validation_") as tmp:
        for rows in sizes:
            bench(rows, schema, Path(tmp), with_validata, args.timeout)


if __name__ == "__main__":
    main()
