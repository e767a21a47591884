#!/usr/bin/env python3
"""Regenerate the national collectivités file shipped in ckanext/opendatalocale/territories/data/.

Source: the npm package ``@etalab/decoupage-administratif`` (MIT code, Licence Ouverte data),
fetched with ``npm pack`` into a temporary folder, plus the INSEE populations légales CSV
files of the same release (the npm data gives communes only their population municipale):
``sources/donnees_communes.csv`` and ``sources/donnees_communes_mayotte.csv`` of
github.com/datagouv/decoupage-administratif at tag ``v<version>``.

Usage (from the repository root)::

    python scripts/build_territories.py --version 6.0.0 \
        --cog 2026 --population-vintage 2023 --epci-vintage 2022 --mayotte-vintage 2017 \
        [--sources DIR]        # folder holding donnees_communes*.csv; downloaded from
                               # raw.githubusercontent.com at tag v<version> when omitted
        [--npm-tarball FILE]   # an already downloaded .tgz instead of running npm pack

Each new release: pick the npm version of the new COG year (see the package README
table), check the vintages in its README "Sources", run the script, read the summary it
prints (counts, mismatches) and commit data/collectivites.csv.gz and data/VINTAGE.json.

Only the standard library is used, so the script runs without the extension installed.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

PACKAGE = "@etalab/decoupage-administratif"
DATA_DIR = Path(__file__).resolve().parents[1] / "ckanext" / "opendatalocale" / "territories" / "data"
RAW_SOURCES = "https://raw.githubusercontent.com/datagouv/decoupage-administratif/v{version}/sources/{name}"

COLUMNS = [
    "kind", "siren", "insee", "name", "dep", "region", "population_totale",
    "population_municipale", "population_vintage", "epci_siren", "epci_nature",
    "epci_financing", "arrondissement", "zone", "covers_deps", "also_exercises",
]

# SIREN of the collectivités exercising départemental or régional competences. SIRENs
# are not in the COG nor in the npm package. Facts taken from the public lists
# francedata/resources/{departements,regions}-siren.csv of
# entrepreneur-interet-general/django-francedata@da8d9bc2 (2021), updated for the
# Collectivité européenne d'Alsace (200094332, 67 + 68, since 1 January 2021).
# Columns: kind, siren, code, name (None = COG name), covered départements, also exercises.
UPPER_TIERS: list[tuple[str, str, str, str | None, tuple[str, ...], str]] = [
    *[("departement", siren, dep, None, (dep,), "") for dep, siren in {
        "01": "220100010", "02": "220200026", "03": "220300016", "04": "220400014",
        "05": "220500011", "06": "220600019", "07": "220700017", "08": "220800049",
        "09": "220900013", "10": "221000052", "11": "221100019", "12": "221200017",
        "13": "221300015", "14": "221401185", "15": "221500010", "16": "221600018",
        "17": "221700016", "18": "221800014", "19": "221927205", "21": "222100018",
        "22": "222200016", "23": "222309627", "24": "222400012", "25": "222500019",
        "26": "222600017", "27": "222702292", "28": "222800013", "29": "222900011",
        "30": "223000019", "31": "223100017", "32": "223200015", "33": "223300013",
        "34": "223400011", "35": "223500018", "36": "223600016", "37": "223700014",
        "38": "223800012", "39": "223900010", "40": "224000018", "41": "224100016",
        "42": "224200014", "43": "224300012", "44": "224400028", "45": "224500017",
        "46": "224600015", "47": "224700013", "48": "224800011", "49": "224900019",
        "50": "225005024", "51": "225100015", "52": "225200013", "53": "225300011",
        "54": "225400019", "55": "225500016", "56": "225600014", "57": "225700012",
        "58": "225800010", "59": "225900018", "60": "226000016", "61": "226100014",
        "62": "226200012", "63": "226300010", "64": "226400018", "65": "226500015",
        "66": "226600013", "69": "226900017", "70": "227000015", "71": "227100013",
        "72": "227200029", "73": "227300019", "74": "227400017", "76": "227605409",
        "77": "227700010", "78": "227806460", "79": "227900016", "80": "228000014",
        "81": "228100012", "82": "228200010", "83": "228300018", "84": "228400016",
        "85": "228500013", "86": "228600011", "87": "228708517", "88": "228800017",
        "89": "228900015", "90": "229000013", "91": "229102280", "92": "229200506",
        "93": "229300082", "94": "229400288", "95": "229501275", "971": "229710017",
        "974": "229740014",
    }.items()],
    # COG "collectivité ayant les compétences départementales" code 6AE.
    ("departement", "200094332", "6AE", "Collectivité européenne d'Alsace", ("67", "68"), ""),
    ("departement", "229850003", "976", "Département de Mayotte", ("976",), "region"),
    ("region", "239710015", "01", None, ("971",), ""),
    ("region", "200055507", "02", "Collectivité territoriale de Martinique", ("972",), "departement"),
    ("region", "200052678", "03", "Collectivité territoriale de Guyane", ("973",), "departement"),
    ("region", "239740012", "04", None, ("974",), ""),
    ("region", "237500079", "11", None, (), ""),
    ("region", "234500023", "24", None, (), ""),
    ("region", "200053726", "27", None, (), ""),
    ("region", "200053403", "28", None, (), ""),
    ("region", "200053742", "32", None, (), ""),
    ("region", "200052264", "44", None, (), ""),
    ("region", "234400034", "52", None, (), ""),
    ("region", "233500016", "53", None, (), ""),
    ("region", "200053759", "75", None, (), ""),
    ("region", "200053791", "76", None, (), ""),
    ("region", "200053767", "84", None, (), ""),
    ("region", "231300021", "93", None, (), ""),
    ("region", "200076958", "94", "Collectivité de Corse", ("2A", "2B"), "departement"),
]
# Collectivités recorded elsewhere that also exercise départemental competences.
ALSO_DEPARTEMENT = {"217500016": "departement",  # Ville de Paris (commune 75056)
                    "200046977": "departement"}  # Métropole de Lyon (EPCI nature MET69)


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def npm_pack(version: str, workdir: Path) -> Path:
    subprocess.run(["npm", "pack", f"{PACKAGE}@{version}", "--silent"], cwd=workdir, check=True,
                   stdout=subprocess.DEVNULL)
    return next(workdir.glob("*.tgz"))


def read_package(tarball: Path) -> dict[str, object]:
    wanted = {"communes", "epci", "departements", "regions", "package"}
    out: dict[str, object] = {}
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            stem = Path(member.name).stem
            if stem in wanted and member.name.endswith(".json"):
                out[stem] = json.load(tar.extractfile(member))
    return out


def read_sources(sources: Path | None, version: str, workdir: Path) -> dict[str, Path]:
    paths = {}
    for name in ("donnees_communes.csv", "donnees_communes_mayotte.csv"):
        if sources is not None:
            paths[name] = sources / name
        else:
            target = workdir / name
            urllib.request.urlretrieve(RAW_SOURCES.format(version=version, name=name), target)
            paths[name] = target
    return paths


def insee_populations(paths: dict[str, Path]) -> tuple[dict[str, tuple[int, int]], set[str]]:
    """{commune code: (PTOT, PMUN)} from the INSEE files; the second value lists Mayotte codes."""
    pops: dict[str, tuple[int, int]] = {}
    with paths["donnees_communes.csv"].open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            pops[row["COM"]] = (int(row["PTOT"]), int(row["PMUN"]))
    # Paris, Lyon and Marseille are listed by arrondissement municipal only; their commune
    # figure is the sum (exact for PMUN; PTOT may count a few people twice).
    for commune, first, last in (("75056", 75101, 75120), ("69123", 69381, 69389), ("13055", 13201, 13216)):
        parts = [pops.pop(str(code)) for code in range(first, last + 1)]
        pops[commune] = (sum(p[0] for p in parts), sum(p[1] for p in parts))
    mayotte = set()
    with paths["donnees_communes_mayotte.csv"].open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            code = row["DEP"][:2] + row["CODCOM"]  # 976 + 601 -> 97601
            pops[code] = (int(row["PTOT"]), int(row["PMUN"]))
            mayotte.add(code)
    return pops, mayotte


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="odl-territories-") as tmp:
        workdir = Path(tmp)
        tarball = Path(args.npm_tarball) if args.npm_tarball else npm_pack(args.version, workdir)
        package = read_package(tarball)
        if package["package"]["version"] != args.version:
            sys.exit(f"tarball is version {package['package']['version']}, expected {args.version}")
        source_paths = read_sources(Path(args.sources) if args.sources else None, args.version, workdir)
        pops, mayotte = insee_populations(source_paths)
        source_hashes = {name: sha256(path) for name, path in source_paths.items()}
        tarball_hash = sha256(tarball)

    communes = [c for c in package["communes"]
                if c["type"] == "commune-actuelle" and c.get("siren")]
    skipped_com = sum(1 for c in package["communes"]
                      if c["type"] == "commune-actuelle" and not c.get("siren"))
    epcis = package["epci"]
    membership: dict[str, dict] = {}
    for epci in epcis:
        for member in epci["membres"]:
            if member["code"] in membership:
                sys.exit(f"commune {member['code']} belongs to two EPCI")
            membership[member["code"]] = epci

    rows: list[dict[str, object]] = []
    problems: list[str] = []
    dep_pmun: Counter[str] = Counter()
    reg_pmun: Counter[str] = Counter()
    for commune in communes:
        code = commune["code"]
        ptot, pmun = pops.get(code, (None, None))
        if pmun is None:
            problems.append(f"commune {code} {commune['nom']}: no INSEE population")
        elif pmun != commune.get("population"):
            problems.append(f"commune {code}: npm population {commune.get('population')} != INSEE PMUN {pmun}")
        epci = membership.get(code)
        if epci is None:
            problems.append(f"commune {code} {commune['nom']}: in no EPCI à fiscalité propre")
        vintage = args.mayotte_vintage if code in mayotte else args.population_vintage
        siren = commune["siren"]
        rows.append({
            "kind": "commune", "siren": siren, "insee": code, "name": commune["nom"],
            "dep": commune["departement"], "region": commune["region"],
            "population_totale": ptot, "population_municipale": pmun, "population_vintage": vintage,
            "epci_siren": epci["code"] if epci else "", "epci_nature": epci["type"] if epci else "",
            "epci_financing": "", "arrondissement": commune.get("arrondissement", ""),
            "zone": commune["zone"], "covers_deps": "", "also_exercises": ALSO_DEPARTEMENT.get(siren, ""),
        })
        dep_pmun[commune["departement"]] += pmun or 0
        reg_pmun[commune["region"]] += pmun or 0

    commune_by_code = {c["code"]: c for c in communes}
    dep_region = {d["code"]: d["region"] for d in package["departements"]}
    for epci in epcis:
        weight: Counter[str] = Counter()
        for member in epci["membres"]:
            commune = commune_by_code.get(member["code"])
            if commune is None:
                problems.append(f"EPCI {epci['code']}: member {member['code']} not a current commune")
                continue
            if commune["siren"] != member["siren"]:
                problems.append(f"EPCI {epci['code']}: member {member['code']} SIREN differs")
            weight[commune["departement"]] += member["populationTotale"]
        main_dep = weight.most_common(1)[0][0]
        rows.append({
            "kind": "epci", "siren": epci["code"], "insee": "", "name": epci["nom"],
            "dep": main_dep, "region": dep_region[main_dep],
            "population_totale": epci["populationTotale"],
            "population_municipale": epci["populationMunicipale"],
            "population_vintage": args.epci_vintage, "epci_siren": "", "epci_nature": epci["type"],
            "epci_financing": epci.get("modeFinancement", ""), "arrondissement": "", "zone": "",
            "covers_deps": " ".join(sorted(weight)), "also_exercises": ALSO_DEPARTEMENT.get(epci["code"], ""),
        })

    dep_names = {d["code"]: d["nom"] for d in package["departements"]}
    reg_names = {r["code"]: r["nom"] for r in package["regions"]}
    regions_deps: dict[str, list[str]] = defaultdict(list)
    for dep, region in dep_region.items():
        regions_deps[region].append(dep)
    for kind, siren, code, name, deps, also in UPPER_TIERS:
        if kind == "region":
            deps = deps or tuple(sorted(regions_deps[code]))
            region, dep, pmun = code, deps[0] if len(deps) == 1 else "", reg_pmun[code]
            name = name or reg_names[code]
        else:
            region, dep = dep_region[deps[0]], deps[0] if len(deps) == 1 else ""
            pmun = sum(dep_pmun[d] for d in deps)
            name = name or dep_names[code]
        # Population totale is not additive (people counted in two communes), so only the
        # municipale sum is given for départements and régions.
        rows.append({
            "kind": kind, "siren": siren, "insee": code, "name": name, "dep": dep, "region": region,
            "population_totale": "", "population_municipale": pmun,
            "population_vintage": args.population_vintage, "epci_siren": "", "epci_nature": "",
            "epci_financing": "", "arrondissement": "", "zone": "", "covers_deps": " ".join(deps),
            "also_exercises": also,
        })

    sirens = Counter(str(r["siren"]) for r in rows)
    duplicated = [s for s, n in sirens.items() if n > 1]
    invalid = [s for s in sirens if len(s) != 9 or not s.isdigit() or not luhn_ok(s)]
    if duplicated or invalid:
        sys.exit(f"SIREN problems: duplicated {duplicated[:10]}, invalid {invalid[:10]}")

    order = {"region": 0, "departement": 1, "epci": 2, "commune": 3}
    rows.sort(key=lambda r: (order[str(r["kind"])], str(r["insee"]) or str(r["siren"])))
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    target = DATA_DIR / "collectivites.csv.gz"
    # mtime=0 and no file name keep the output byte-identical between runs.
    with open(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(text.getvalue().encode("utf-8"))

    counts = Counter(str(r["kind"]) for r in rows)
    vintage = {
        "package": PACKAGE,
        "package_version": args.version,
        "package_tarball_sha256": tarball_hash,
        "cog": int(args.cog),
        "population_communes": {"vintage": int(args.population_vintage),
                                "source": "INSEE populations légales (donnees_communes.csv)",
                                "mayotte_vintage": int(args.mayotte_vintage)},
        "population_epci": {"vintage": int(args.epci_vintage),
                            "source": "DGCL epcicom (sum of member populations)"},
        "epci_membership": "DGCL liste et composition des EPCI à fiscalité propre, as shipped in the package",
        "population_sources_sha256": source_hashes,
        "counts": dict(sorted(counts.items())),
        "communes_ptot_ge_3500": sum(1 for r in rows if r["kind"] == "commune"
                                     and (r["population_totale"] or 0) >= 3500),
        "communes_pmun_ge_3500": sum(1 for r in rows if r["kind"] == "commune"
                                     and (r["population_municipale"] or 0) >= 3500),
        "skipped_com_communes_without_siren": skipped_com,
        "built": dt.date.today().isoformat(),
        "build_notes": problems,
    }
    (DATA_DIR / "VINTAGE.json").write_text(json.dumps(vintage, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
    print(json.dumps({k: v for k, v in vintage.items() if k != "build_notes"}, ensure_ascii=False, indent=2))
    print(f"{len(problems)} notes:", *problems[:20], sep="\n  ")
    print(f"wrote {target} ({target.stat().st_size} bytes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="6.0.0", help="npm package version")
    parser.add_argument("--cog", default="2026", help="COG millésime of that version")
    parser.add_argument("--population-vintage", default="2023", help="populations légales millésime")
    parser.add_argument("--epci-vintage", default="2022",
                        help="millésime of the populations in the DGCL EPCI file")
    parser.add_argument("--mayotte-vintage", default="2017", help="millésime of Mayotte populations")
    parser.add_argument("--sources", help="folder with donnees_communes.csv and donnees_communes_mayotte.csv")
    parser.add_argument("--npm-tarball", help="use this .tgz instead of running npm pack")
    build(parser.parse_args())


if __name__ == "__main__":
    main()
