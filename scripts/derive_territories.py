#!/usr/bin/env python3
"""Derive the committed territory file from @etalab/decoupage-administratif.

Usage:
    python scripts/derive_territories.py PACKAGE_DATA_DIR [--output FILE]

PACKAGE_DATA_DIR is the package's `data/` folder (see fixtures/territories/
SOURCE.md). Standard library only, so it runs without the project installed.

One JSON object per line, parents before children (régions, départements,
EPCI, communes), each with the keys the loader requires:
kind, code, siren, name, parent, epci, population, postal_codes, latitude,
longitude.

Kept: the 18 régions and 101 départements (zones "metro" and "drom"), every
EPCI à fiscalité propre, and the communes "commune-actuelle" of those
départements. Left out: collectivités d'outre-mer (zone "com", outside the
101 départements), arrondissements municipaux, communes déléguées and
associées. Population: municipal population from the package; for départements
and régions, the sum over their communes. The package has no coordinates, so
latitude and longitude stay null.
"""

import argparse
import gzip
import json
import sys
from collections import Counter
from pathlib import Path

KEPT_ZONES = {"metro", "drom"}
DEFAULT_OUTPUT = (
    Path(__file__).resolve().parent.parent
    / "fixtures"
    / "territories"
    / "territories.jsonl.gz"
)


def read(data_dir: Path, name: str) -> list[dict]:
    with open(data_dir / f"{name}.json", encoding="utf-8") as file:
        return json.load(file)


def record(
    kind, code, name, *, siren="", parent=None, epci=None, population=None, postal=()
):
    return {
        "kind": kind,
        "code": code,
        "siren": siren or "",
        "name": name,
        "parent": parent,
        "epci": epci,
        "population": population,
        "postal_codes": sorted(set(postal)),
        # The package has no centroids; null rather than an invented value.
        "latitude": None,
        "longitude": None,
    }


def derive(data_dir: Path) -> list[dict]:
    regions = [r for r in read(data_dir, "regions") if r["zone"] in KEPT_ZONES]
    departements = [
        d for d in read(data_dir, "departements") if d["zone"] in KEPT_ZONES
    ]
    region_codes = {r["code"] for r in regions}
    departement_codes = {d["code"] for d in departements}
    for departement in departements:
        if departement["region"] not in region_codes:
            sys.exit(f"département {departement['code']}: région inconnue")

    communes = [
        c
        for c in read(data_dir, "communes")
        if c["type"] == "commune-actuelle" and c["departement"] in departement_codes
    ]
    commune_codes = {c["code"] for c in communes}

    epcis = read(data_dir, "epci")
    epci_of = {}
    for epci in epcis:
        for member in epci["membres"]:
            if member["code"] not in commune_codes:
                sys.exit(
                    f"EPCI {epci['code']}: commune membre {member['code']} absente"
                )
            if member["code"] in epci_of:
                sys.exit(f"commune {member['code']}: membre de deux EPCI")
            epci_of[member["code"]] = epci["code"]

    population = Counter()
    for commune in communes:
        population[commune["departement"]] += commune.get("population") or 0
        population["region-" + commune["region"]] += commune.get("population") or 0

    rows = [
        record(
            "region", r["code"], r["nom"], population=population["region-" + r["code"]]
        )
        for r in sorted(regions, key=lambda r: r["code"])
    ]
    rows += [
        record(
            "departement",
            d["code"],
            d["nom"],
            parent=d["region"],
            population=population[d["code"]],
        )
        for d in sorted(departements, key=lambda d: d["code"])
    ]
    rows += [
        record(
            "epci",
            e["code"],
            e["nom"],
            siren=e["code"],
            population=e.get("populationMunicipale"),
        )
        for e in sorted(epcis, key=lambda e: e["code"])
    ]
    rows += [
        record(
            "commune",
            c["code"],
            c["nom"],
            siren=c.get("siren"),
            parent=c["departement"],
            epci=epci_of.get(c["code"]),
            population=c.get("population"),
            postal=c.get("codesPostaux", ()),
        )
        for c in sorted(communes, key=lambda c: c["code"])
    ]
    return rows


def write(rows: list[dict], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(
        json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"
        for row in rows
    )
    # mtime=0 and no file name in the header: the same input gives the same bytes,
    # so a regeneration without upstream change leaves git clean.
    with open(output, "wb") as raw:
        with gzip.GzipFile(
            filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0
        ) as file:
            file.write(lines.encode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path, help="dossier data/ du paquet npm")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    rows = derive(args.data_dir)
    write(rows, args.output)
    counts = Counter(row["kind"] for row in rows)
    print(
        f"{args.output}: "
        + ", ".join(f"{counts[kind]} {kind}" for kind in counts)
        + f" ({args.output.stat().st_size / 1e6:.2f} Mo)"
    )


if __name__ == "__main__":
    main()
