#!/usr/bin/env python3
"""Runs the /api/lookup benchmark: Kvarter under wrk, PostGIS under pgbench, same points.

Called by scripts/bench-lookup (which installs wrk, PostgreSQL/PostGIS and GDAL and builds the
release binary). Every number is the median of three runs. Writes target/bench/lookup.md.
"""

import json
import os
import pathlib
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "target" / "bench"
SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
SEED = 20261122
N_POINTS = 10_000
BBOX = (12.45, 55.61, 12.65, 55.73)  # Copenhagen, lon/lat
CONNECTIONS = [1, 16, 64]
RUNS = 3
KVARTER_PORT = 18080
PG_PORT = 15432
PG_BIN = pathlib.Path("/usr/lib/postgresql/15/bin")


def run(cmd, **kw):
    done = subprocess.run(cmd, text=True, capture_output=True, **kw)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


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
    env = dict(os.environ, RUST_LOG="warn", NO_COLOR="1")
    proc = subprocess.Popen(
        [str(ROOT / "target/release/kvarter"), "serve", "--bind", f"127.0.0.1:{KVARTER_PORT}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{KVARTER_PORT}/health", timeout=1)
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("kvarter did not start")


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


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(connections, points_path, gzip):
    threads = min(2, connections)
    env = dict(os.environ, KVARTER_BENCH_POINTS=str(points_path), KVARTER_BENCH_GZIP="1" if gzip else "0")
    out = run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{SECONDS}s", "--latency",
         "-s", str(ROOT / "bench/lookup.lua"), f"http://127.0.0.1:{KVARTER_PORT}"],
        env=env,
    )
    if "Non-2xx" in out:
        sys.exit("wrk saw non-2xx answers:\n" + out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    return rps, float(p50.group(1)) * UNITS[p50.group(2)], float(p99.group(1)) * UNITS[p99.group(2)]


class Postgis:
    def __init__(self):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="kvarter-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.as_pg = ["runuser", "-u", "postgres", "--"]
        run(self.as_pg + [str(PG_BIN / "initdb"), "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres"])
        run(self.as_pg + [str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-w", "-l", str(self.dir / "log"),
                          "-o", f"-p {PG_PORT} -k /tmp -c listen_addresses='' -c max_connections=200 -c shared_buffers=512MB",
                          "start"])
        self.conn = ["-h", "/tmp", "-p", str(PG_PORT), "-U", "postgres"]
        run(["createdb"] + self.conn + ["kvarter"])

    def psql(self, sql, stdin=None):
        return run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At"] + self.conn + ["-d", "kvarter", "-c", sql], input=stdin)

    def load(self, layers, points):
        self.psql("CREATE EXTENSION postgis; "
                  "CREATE TABLE areas (layer text, fid text, geom geometry(MultiPolygon, 4326)); "
                  "CREATE TABLE pts (i int PRIMARY KEY, geom geometry(Point, 4326));")
        pg = f"PG:host=/tmp port={PG_PORT} user=postgres dbname=kvarter"
        for layer_id, file in layers:
            run(["ogr2ogr", "-f", "PostgreSQL", pg, str(ROOT / "geodata" / file), "-append", "-nln", "areas",
                 "-nlt", "MULTIPOLYGON", "-dialect", "OGRSQL",
                 "-sql", f"SELECT '{layer_id}' AS layer, fid FROM \"{layer_id}\""])
        rows = "".join(f"{i + 1}\tSRID=4326;POINT({lon} {lat})\n" for i, (lon, lat) in enumerate(points))
        run(["psql", "-X", "-q"] + self.conn + ["-d", "kvarter", "-c", "COPY pts FROM STDIN"], input=rows)
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
                   "-T", str(SECONDS), "-f", str(script)] + self.conn + ["kvarter"])
        tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
        latency = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))
        return tps, latency

    def stop(self):
        subprocess.run(self.as_pg + [str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "stop"],
                       capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def median_of(runs):
    return tuple(statistics.median(values) for values in zip(*runs))


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
    return f"{os.cpu_count()} cores ({cpu}), {int(mem) // 1024 // 1024} GiB RAM, {os.uname().sysname} {os.uname().release}"


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
