"""Layer import throughput against ogr2ogr (scripts/bench-import runs this).

1. A synthetic layer of N polygons (irregular 8-gons 20-60 m across, scattered over Copenhagen in
   EPSG:25832, from a fixed seed; every feature says `synthetic: true`) is written as GeoJSON with
   the legacy `crs` member, and converted by ogr2ogr to a Shapefile (Windows-1252 .dbf), a
   GeoPackage, a FlatGeobuf and a CSV with a WKT column: the inputs, all in EPSG:25832.
2. For each input, in turns, `runs` times: `kvarter layers import` into a data folder made by
   `kvarter layers init` (convert to lon/lat, check every coordinate, validate and repair, measure
   areas, write FlatGeobuf, load the new manifest back, rename), and `ogr2ogr -f FlatGeobuf
   -t_srs EPSG:4326` of the same file (convert and write only: no validation or repair).
3. The median wall-clock time of each, features/s and MB/s of input, and the ratio, go to
   target/bench/import.md.
"""

import json
import math
import random
import shutil
import sys
import time

import benchlib

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
SEED = 2026
OUT = benchlib.OUT / "import"
KVARTER = benchlib.release_binary()


def synthetic_geojson(path):
    rng = random.Random(SEED)
    features = []
    for i in range(N):
        cx, cy = rng.uniform(715_000, 730_000), rng.uniform(6_170_000, 6_185_000)
        radius = rng.uniform(10, 30)
        ring = []
        for k in range(8):
            angle = 2 * math.pi * k / 8
            r = radius * rng.uniform(0.7, 1.0)
            ring.append([round(cx + r * math.cos(angle), 3), round(cy + r * math.sin(angle), 3)])
        ring.append(ring[0])
        features.append({
            "type": "Feature",
            "properties": {"kode": i + 1, "navn": f"Syntetisk område {i + 1} (Ø)", "synthetic": True},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        })
    collection = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
        "features": features,
    }
    path.write_text(json.dumps(collection), encoding="utf-8")


def inputs():
    OUT.mkdir(parents=True, exist_ok=True)
    geojson = OUT / f"synthetic-{N}.geojson"
    if not geojson.exists():
        synthetic_geojson(geojson)
    made = {"GeoJSON": geojson}
    for name, driver, ext, extra in [
        ("Shapefile", "ESRI Shapefile", "shp", ["-lco", "ENCODING=CP1252"]),
        ("GeoPackage", "GPKG", "gpkg", []),
        ("FlatGeobuf", "FlatGeobuf", "fgb", []),
        ("CSV (WKT)", "CSV", "csv", ["-lco", "GEOMETRY=AS_WKT"]),
    ]:
        path = OUT / f"synthetic-{N}.{ext}"
        if not path.exists():
            benchlib.run(["ogr2ogr", "-f", driver, *extra, path, geojson, "-nln", f"synthetic-{N}"])
        made[name] = path
    return made


def size(path):
    if path.suffix == ".shp":
        return sum(path.with_suffix(e).stat().st_size for e in [".shp", ".shx", ".dbf", ".prj"])
    return path.stat().st_size


def timed(cmd):
    start = time.perf_counter()
    benchlib.run(cmd, tail=2000)
    return time.perf_counter() - start


def main():
    files = inputs()
    folder = OUT / "data"
    shutil.rmtree(folder, ignore_errors=True)
    benchlib.run([KVARTER, "--data", folder, "layers", "init"])
    meta = [
        "--id", "synthetic-import", "--kind", "admin_unit", "--authority", "none (synthetic)",
        "--title-da", "Syntetisk lag (benchmark)", "--title-en", "Synthetic layer (benchmark)",
        "--source-publisher", "scripts/bench_import.py", "--source-url", f"seed {SEED}",
        "--vintage", "generated", "--licence", "CC0", "--id-field", "kode", "--name-field", "navn",
        "--replace",
    ]
    rows = []
    for name, path in files.items():
        crs = ["--crs", "EPSG:25832"] if name == "CSV (WKT)" else []
        kvarter, gdal = [], []
        for _ in range(RUNS):
            kvarter.append(timed([KVARTER, "--data", folder, "layers", "import", path, *meta, *crs]))
            target = OUT / "ogr2ogr-out.fgb"
            target.unlink(missing_ok=True)
            s_srs = ["-s_srs", "EPSG:25832"] if name == "CSV (WKT)" else []
            gdal.append(timed(["ogr2ogr", "-f", "FlatGeobuf", *s_srs, "-t_srs", "EPSG:4326", target, path]))
        k, g = sorted(kvarter)[RUNS // 2], sorted(gdal)[RUNS // 2]
        mb = size(path) / 1e6
        rows.append(f"| {name} | {mb:.1f} | {k:.2f} s | {N / k:,.0f} | {mb / k:.1f} | {g:.2f} s | {N / g:,.0f} | {g / k:.2f}× |")
        print(rows[-1], flush=True)
    table = "\n".join([
        f"Layer import of {N:,} synthetic polygons (seed {SEED}), median of {RUNS} runs; {benchlib.machine()}",
        "",
        "| input | MB | kvarter layers import | features/s | MB/s | ogr2ogr → FlatGeobuf | features/s | kvarter speed vs ogr2ogr |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
    ])
    (benchlib.OUT / "import.md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
