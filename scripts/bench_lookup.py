#!/usr/bin/env python3
"""Runs the /api/lookup benchmark: Kvarter under wrk, PostGIS under pgbench, same points.

Called by scripts/bench-lookup (which installs wrk, PostgreSQL/PostGIS and GDAL and builds the
release binary). Every number is the median of three runs. Writes target/bench/lookup.md.
"""

import functools
import json
import random
import re
import sys
import urllib.request

import benchlib
from benchlib import OUT, ROOT, machine, median_of

SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
SEED = 20261122
N_POINTS = 10_000
BBOX = (12.45, 55.61, 12.65, 55.73)  # Copenhagen, lon/lat
CONNECTIONS = [1, 16, 64]
RUNS = 3
KVARTER_PORT = 18080
PG_PORT = 15432
PG_SETTINGS = {"max_connections": 200, "shared_buffers": "512MB"}
# This script's failed commands are reported with their stderr only.
run = functools.partial(benchlib.run, show_stdout=False)


def make_points():
    rng = random.Random(SEED)
    points = [
        (round(rng.uniform(BBOX[0], BBOX[2]), 6), round(rng.uniform(BBOX[1], BBOX[3]), 6))
        for _ in range(N_POINTS)
    ]
    path = OUT / "points.csv"
    path.write_text("".join(f"{lon},{lat}\n" for lon, lat in points))
    return points, path


def lookup_layers():
    manifest = json.loads((ROOT / "geodata" / "layers.json").read_text())
    return [(l["meta"]["id"], l["file"]) for l in manifest["layers"] if l["meta"]["kind"] != "base_map"]


def start_kvarter():
    cmd = benchlib.serve_command(benchlib.release_binary(), KVARTER_PORT)
    return benchlib.start_server(cmd, KVARTER_PORT, "kvarter")


def kvarter_hits(lon, lat):
    url = f"http://127.0.0.1:{KVARTER_PORT}/api/lookup?lon={lon}&lat={lat}"
    answer = json.load(urllib.request.urlopen(url))
    hits = set()
    for group in answer["designations"]:
        for entry in group["layers"]:
            hits |= {(entry["layer"]["id"], a["id"]) for a in entry["areas"]}
    for entry in answer["units"]:
        hits |= {(entry["layer"]["id"], a["id"]) for a in entry["areas"]}
    return hits


def wrk(connections, points_path, gzip):
    out = benchlib.wrk(KVARTER_PORT, connections, SECONDS, ROOT / "bench/lookup.lua",
                       env={"KVARTER_BENCH_POINTS": str(points_path), "KVARTER_BENCH_GZIP": "1" if gzip else "0"},
                       run=run)
    result = benchlib.parse_wrk(out)
    if result.non_2xx:
        sys.exit("wrk saw non-2xx answers:\n" + out)
    return result.rps, result.latency_ms[50], result.latency_ms[99]


class Postgis(benchlib.Postgis):
    """The lookup benchmark's cluster: socket in /tmp, PG_SETTINGS; the areas and points tables."""

    def __init__(self):
        super().__init__(PG_PORT, socket_dir="/tmp", settings=PG_SETTINGS, run=run)

    def load(self, layers, points):
        self.psql("CREATE EXTENSION postgis; "
                  "CREATE TABLE areas (layer text, fid text, geom geometry(MultiPolygon, 4326)); "
                  "CREATE TABLE pts (i int PRIMARY KEY, geom geometry(Point, 4326));")
        for layer_id, file in layers:
            self.ogr2ogr(ROOT / "geodata" / file, "-append", "-nln", "areas",
                         "-nlt", "MULTIPOLYGON", "-dialect", "OGRSQL",
                         "-sql", f"SELECT '{layer_id}' AS layer, fid FROM \"{layer_id}\"")
        rows = "".join(f"{i + 1}\tSRID=4326;POINT({lon} {lat})\n" for i, (lon, lat) in enumerate(points))
        run(["psql", "-X", "-q"] + self.conn + ["-d", self.dbname, "-c", "COPY pts FROM STDIN"], input=rows)
        # One statement per call: VACUUM cannot run inside psql's implicit transaction.
        for sql in ("CREATE INDEX ON areas USING gist (geom)", "VACUUM ANALYZE areas", "VACUUM ANALYZE pts"):
            self.psql(sql)

    def hits(self, i):
        out = self.psql(f"SELECT a.layer, a.fid FROM areas a JOIN pts p ON ST_Intersects(a.geom, p.geom) WHERE p.i = {i}")
        return {tuple(line.split("|")) for line in out.splitlines() if line}

    def pgbench(self, connections):
        script = self.dir / "lookup.sql"
        script.write_text(f"\\set i random(1, {N_POINTS})\n"
                          "SELECT a.layer, a.fid FROM areas a JOIN pts p ON ST_Intersects(a.geom, p.geom) WHERE p.i = :i;\n")
        out = run(["pgbench", "-n", "-M", "prepared", "-c", str(connections), "-j", str(min(2, connections)),
                   "-T", str(SECONDS), "-f", str(script)] + self.conn + [self.dbname])
        tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
        latency = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))
        return tps, latency


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    points, points_path = make_points()
    layers = lookup_layers()

    kvarter = start_kvarter()
    pg = Postgis()
    try:
        pg.load(layers, points)
        # Neither side may win by dropping answers: compare the hit sets on the first 500 points.
        agree = sum(kvarter_hits(*points[i]) == pg.hits(i + 1) for i in range(500))
        rows = []
        for c in CONNECTIONS:
            k = median_of([wrk(c, points_path, gzip=False) for _ in range(RUNS)])
            z = median_of([wrk(c, points_path, gzip=True) for _ in range(RUNS)])
            p = median_of([pg.pgbench(c) for _ in range(RUNS)])
            rows.append((c, k, z, p))
            print(f"c={c}: kvarter {k[0]:.0f} req/s (p50 {k[1]:.3f} ms, p99 {k[2]:.3f} ms), "
                  f"gzip {z[0]:.0f} req/s; postgis {p[0]:.0f} tps (avg {p[1]:.3f} ms)", flush=True)
    finally:
        kvarter.kill()
        pg.stop()

    lines = [
        f"Machine: {machine()}. Points: {N_POINTS} uniform random in {BBOX} (seed {SEED}); "
        f"{len(layers)} layers ({', '.join(l for l, _ in layers)}). {SECONDS} s per run, median of {RUNS} runs.",
        f"Answers agree on {agree} of 500 points (same (layer, id) sets; both count boundaries as inside).",
        "",
        "| connections | Kvarter req/s | p50 ms | p99 ms | Kvarter gzip req/s | gzip p50 ms | gzip p99 ms | PostGIS SQL tps | PostGIS avg ms | Kvarter / PostGIS |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c, k, z, p in rows:
        lines.append(f"| {c} | {k[0]:.0f} | {k[1]:.3f} | {k[2]:.3f} | {z[0]:.0f} | {z[1]:.3f} | {z[2]:.3f} "
                     f"| {p[0]:.0f} | {p[1]:.3f} | {k[0] / p[0]:.2f}× |")
    (OUT / "lookup.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
