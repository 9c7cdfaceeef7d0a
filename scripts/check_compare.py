#!/usr/bin/env python3
"""Checks `kvarter compare` against an independent computation (GEOS through shapely, PROJ through
pyproj), starting from the shared source files rather than Kvarter's built data:

* udsatte-byomraader-2011 is rebuilt from the rule table and the 2023 roder exactly as the
  reconstruction rule says (union of the roder of the listed kvarterer, holes under 10 m² filled);
* udsatte-byomraader-2017 is read from the city's WFS snapshot;
* both are projected to EPSG:25832 and the totals (each layer's area, kept, added, removed) and
  every pair's overlap are computed with GEOS, then compared with Kvarter's JSON answer.

Usage: check_compare.py KVARTER_BINARY SHARED_DIR (scripts/check-compare sets up the Python
packages and runs it; ./scripts/test runs that). Exits non-zero on any difference larger than
the tolerance (1 m² or 1e-6 of the value, whichever is larger: the two pipelines snap and repair
independently, which moves vertices by micrometres, not metres).
"""

import csv
import json
import pathlib
import subprocess
import sys

import shapely
from pyproj import Transformer
from shapely.geometry import Polygon, shape
from shapely.ops import unary_union

from benchlib import close  # the tolerance bench_compare.py checks PostGIS with

TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)


def utm(geometry):
    return shapely.transform(geometry, TO_UTM.transform, interleaved=False)


def fill_small_holes(geometry, below_m2):
    polygons = getattr(geometry, "geoms", [geometry])
    kept = []
    for polygon in polygons:
        holes = [h for h in polygon.interiors if Polygon(h).area >= below_m2]
        kept.append(Polygon(polygon.exterior, holes))
    return unary_union(kept)


def slug(name):
    table = {"æ": "ae", "ø": "oe", "å": "aa", "é": "e", "ü": "ue", "ö": "oe", "ä": "ae"}
    out = ""
    for ch in name.lower():
        ch = table.get(ch, ch)
        if ch.isascii() and ch.isalnum():
            out += ch
        elif not out.endswith("-") and out:
            out += "-"
    return out.strip("-")


def layer_2011(shared):
    roder = json.loads((shared / "geodata-sources/kk-roder-2023/rode_2023.geojson").read_text())
    by_kvarter = {}
    for feature in roder["features"]:
        name = (feature["properties"].get("kvarternavn") or "").strip()
        by_kvarter.setdefault(name, []).append(utm(shapely.make_valid(shape(feature["geometry"]))))
    areas = {}
    table = shared / "designations/udsatte-byomraader-2011.reconstruction.csv"
    with table.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            areas.setdefault(row["area_2011"].strip(), []).extend(by_kvarter[row["kvarternavn_2023"].strip()])
    return {slug(name): fill_small_holes(unary_union(parts), 10.0) for name, parts in areas.items()}


def layer_2017(shared):
    path = shared / "geodata-sources/kk-udsatte-byomraader-2017/f_udsatte_byomraader_snapshot2023_epsg4326.geojson"
    data = json.loads(path.read_text())
    return {str(f["properties"]["ogc_fid"]): utm(shapely.make_valid(shape(f["geometry"]))) for f in data["features"]}


def main():
    binary, shared = sys.argv[1], pathlib.Path(sys.argv[2])
    answer = json.loads(subprocess.run(
        [binary, "compare", "--from", "udsatte-byomraader-2011", "--to", "udsatte-byomraader-2017",
         "--format", "json"], check=True, capture_output=True, text=True).stdout)
    old, new = layer_2011(shared), layer_2017(shared)
    union_old, union_new = unary_union(list(old.values())), unary_union(list(new.values()))
    expected = {
        "from_total_m2": union_old.area,
        "to_total_m2": union_new.area,
        "kept_m2": union_old.intersection(union_new).area,
        "added_m2": union_new.difference(union_old).area,
        "removed_m2": union_old.difference(union_new).area,
    }
    failures = []
    summary = answer["summary"]
    for key, value in expected.items():
        ok = close(summary[key], value)
        print(f"{key:>10}: kvarter {summary[key]:16.2f}  GEOS {value:16.2f}  {'ok' if ok else 'DIFFERENT'}")
        if not ok:
            failures.append(key)
    pairs = {(p["from_id"], p["to_id"]): p for p in answer["pairs"]}
    checked = 0
    for from_id, a in old.items():
        for to_id, b in new.items():
            overlap = a.intersection(b).area
            pair = pairs.get((from_id, to_id))
            if overlap > 1.0 or pair is not None:
                checked += 1
                got = pair["kept_m2"] if pair else 0.0
                if not close(got, overlap):
                    failures.append(f"pair {from_id} -> {to_id}: kvarter {got:.2f}, GEOS {overlap:.2f}")
    print(f"{checked} pairs checked")
    if failures:
        sys.exit("check_compare: differences: " + "; ".join(failures))
    print("check_compare: Kvarter's 2011-vs-2017 comparison agrees with GEOS")


if __name__ == "__main__":
    main()
