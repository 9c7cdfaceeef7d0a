#!/usr/bin/env python3
"""The layer store against a data folder (issue 18): start-up and reload of `kvarter serve` from
PostgreSQL/PostGIS (`--store`) and from a data folder (`--data`), for the default dataset and for
a seeded synthetic dataset of N more areas (tests/examples/synthetic-areas.rs, labelled
synthetic); the time `kvarter store init` takes to fill a store; and tile throughput through the
deployment's nginx cache (deploy/nginx/kvarter.conf.template, two replicas on one store) against
one replica directly. Called by scripts/bench-store, which installs what it needs and builds the
release binaries. Writes target/bench/store.md.

Start-up: from starting `kvarter serve` to its /ready answering 200 (the data loaded, the index
built), median of 3. Reload: a 17-area layer imported from the command line into the running
server's folder (served with --watch) or store (followed through NOTIFY); "build" is the
reloader's own time for the new version (its log line), "visible" the time from the import's end
to /api/layers listing the layer. Tiles: the 1,359 composite tiles of bench-http, warmed, wrk -t2
-c64 -d10s, gzip asked for, median of 3.

Usage: bench_store.py [N, default 100000 | --smoke]
"""

import http.client
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time

import benchlib
from benchlib import OUT, ROOT, machine

SMOKE = len(sys.argv) > 1 and sys.argv[1] == "--smoke"
N_AREAS = 2_000 if SMOKE else int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
RUNS = 1 if SMOKE else 3
SECONDS = 1 if SMOKE else 10
KVARTER = benchlib.release_binary(os.environ.get("CARGO_TARGET_DIR"))
SYNTHETIC = KVARTER.parent / "examples" / "synthetic-areas"
NGINX = "/usr/sbin/nginx"
PG_PORT, PORT, PORT_B, NGINX_PORT = 18400, 18401, 18402, 18403
LAYERS = "udsatte-byomraader-2011,udsatte-byomraader-2017,bydele-2023"
SOURCE = ROOT.parent / "shared/geodata-sources/kk-udsatte-byomraader-2017/f_udsatte_byomraader_snapshot2023_epsg4326.geojson"
IMPORT = ["--kind", "admin_unit", "--authority", "benchmark", "--title-da", "Benchmark",
          "--title-en", "Benchmark", "--source-publisher", "benchmark", "--source-url", "benchmark",
          "--vintage", "benchmark", "--licence", "CC0", "--id-field", "ogc_fid"]


def status(port, path):
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", path)
        answer = connection.getresponse()
        body = answer.read()
        connection.close()
        return answer.status, body
    except OSError:
        return None, b""


def serve(data, port, log, extra=()):
    """Starts `kvarter serve` on `data` (arguments); returns (process, seconds until /ready)."""
    started = time.monotonic()
    with open(log, "w") as stderr:
        proc = subprocess.Popen([KVARTER, *data, "serve", "--bind", f"127.0.0.1:{port}", *extra],
                                env=dict(os.environ, RUST_LOG="info", NO_COLOR="1"),
                                stdout=subprocess.DEVNULL, stderr=stderr)
    while status(port, "/ready")[0] != 200:
        if proc.poll() is not None or time.monotonic() - started > 300:
            benchlib.stop_process(proc)
            sys.exit(f"kvarter serve {' '.join(data)} did not get ready; see {log}")
        time.sleep(0.02)
    return proc, time.monotonic() - started


def startup(data, name):
    times = []
    for _ in range(RUNS):
        proc, seconds = serve(data, PORT, OUT / f"store-{name}.log")
        times.append(seconds)
        benchlib.stop_process(proc)
    return statistics.median(times)


def reload(data, name, layer, extra=()):
    """Imports a small layer into the running server's data; returns (build s, visible s)."""
    log = OUT / f"store-reload-{name}.log"
    proc, _ = serve(data, PORT, log, extra)
    try:
        benchlib.run([KVARTER, *data, "layers", "import", SOURCE, "--id", layer, *IMPORT])
        done = time.monotonic()
        while layer.encode() not in status(PORT, "/api/layers")[1]:
            if time.monotonic() - done > 60:
                sys.exit(f"{name}: the imported layer was not served within 60 s; see {log}")
            time.sleep(0.01)
        visible = time.monotonic() - done
        time.sleep(0.2)
    finally:
        benchlib.stop_process(proc)
    built = [float(m.group(1)) for m in re.finditer(r"data reloaded .*seconds=([0-9.]+)", log.read_text())]
    return (built[-1] if built else float("nan")), visible


def tiles(work, store):
    """Tile throughput through nginx (two replicas behind it) and from one replica directly."""
    out = work / "tiles"
    benchlib.run([KVARTER, "tiles", "export", "--layers", LAYERS, "--zoom", "10-16", "--out", out], show_stdout=False)
    paths = [f"/tiles/{LAYERS}/" + str(t.relative_to(out)) for t in sorted(out.rglob("*.mvt"))]
    listing = OUT / "store-tiles.txt"
    listing.write_text("".join(p + "\n" for p in paths))
    a, _ = serve(store, PORT, OUT / "store-replica-a.log")
    b, _ = serve(store, PORT_B, OUT / "store-replica-b.log")
    site = (ROOT / "deploy/nginx/kvarter.conf.template").read_text()
    site = (site.replace("${NGINX_CACHE_DIR}", str(work / "cache"))
                .replace("${KVARTER_UPSTREAM_SERVERS}", f"server 127.0.0.1:{PORT}; server 127.0.0.1:{PORT_B};")
                .replace("${NGINX_PORT}", f"127.0.0.1:{NGINX_PORT}"))
    (work / "kvarter.conf").write_text(site)
    (work / "nginx.conf").write_text(
        f"worker_processes auto;\npid {work}/nginx.pid;\nerror_log {work}/nginx-error.log;\n"
        f"events {{ worker_connections 1024; }}\nhttp {{ access_log off; include {work}/kvarter.conf; }}\n")
    subprocess.run(["chmod", "-R", "a+rwx", str(work)], check=True)
    nginx = subprocess.Popen([NGINX, "-c", str(work / "nginx.conf"), "-p", str(work), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if status(NGINX_PORT, "/health")[0] == 200:
                break
            time.sleep(0.05)
        for port in (PORT, NGINX_PORT, NGINX_PORT):  # warm the replica's cache and nginx's
            for path in paths:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
                connection.getresponse().read()
                connection.close()
        env = {"KVARTER_BENCH_TILES": str(listing), "KVARTER_BENCH_GZIP": "1"}
        rows = {}
        for name, port in (("one replica, directly", PORT), ("nginx cache (two replicas behind)", NGINX_PORT)):
            runs = []
            for _ in range(RUNS):
                result = benchlib.parse_wrk(benchlib.wrk(port, 64, SECONDS, ROOT / "bench/tiles.lua", env=env))
                if result.non_2xx or result.socket_errors:
                    sys.exit(f"{name}: {result.non_2xx} non-2xx, {result.socket_errors} socket errors")
                runs.append((result.rps, result.latency_ms.get(99, float("nan"))))
            rows[name] = benchlib.median_of(runs)
        return rows, len(paths)
    finally:
        for proc in (nginx, a, b):
            benchlib.stop_process(proc)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    work = pathlib.Path(tempfile.mkdtemp(prefix="kvarter-bench-store-"))
    began = time.time()
    postgis = benchlib.Postgis(PG_PORT, dbname="default")
    try:
        postgis.run(["createdb"] + postgis.conn + ["synthetic"])
        url = lambda db: f"host={postgis.socket_dir} port={PG_PORT} user=postgres dbname={db}"
        folders = {"default": work / "default", "synthetic": work / "synthetic"}
        benchlib.run([KVARTER, "--data", folders["default"], "layers", "init"])
        benchlib.run([SYNTHETIC, folders["synthetic"], str(N_AREAS)])
        fills = {}
        for name, db in (("default", "default"), ("synthetic", "synthetic")):
            started = time.monotonic()
            benchlib.run([KVARTER, "--store", url(db), "store", "init", "--from", folders[name]])
            fills[name] = time.monotonic() - started
        counts = {db: int(benchlib.run(["psql", "-X", "-At"] + postgis.conn + ["-d", db, "-c",
                  "SELECT count(*) FROM kvarter.areas"]).strip()) for db in ("default", "synthetic")}
        rows = []
        for name, db in (("default", "default"), ("synthetic", "synthetic")):
            folder = ["--data", str(folders[name])]
            store = ["--store", url(db)]
            rows.append((name, counts[db], fills[name],
                         startup(folder, f"{name}-folder"), startup(store, f"{name}-store"),
                         reload(folder, f"{name}-folder", "bench-reload-folder", ["--watch"]),
                         reload(store, f"{name}-store", "bench-reload-store")))
        embedded = startup([], "embedded")
        tile_rows, n_tiles = tiles(work, ["--store", url("default")])
    finally:
        postgis.stop()
        subprocess.run(["rm", "-rf", str(work)])
    minutes = (time.time() - began) / 60
    lines = [
        "# The layer store: PostgreSQL/PostGIS against a data folder",
        "",
        f"Machine: {machine()}. `scripts/bench-store{' --smoke' if SMOKE else ''}`, release build, "
        f"{minutes:.0f} minutes; PostgreSQL 15 + PostGIS 3 (Debian) on a Unix socket, default settings. "
        f"Start-up median of {RUNS}; the embedded dataset starts in {embedded:.2f} s.",
        "",
        "| dataset | areas in the store | `store init` s | start-up: folder s | start-up: store s | reload build: folder s | reload build: store s | import → served: folder s (--watch) | import → served: store s (NOTIFY) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, count, fill, up_folder, up_store, (build_f, seen_f), (build_s, seen_s) in rows:
        label = "default" if name == "default" else f"default + {N_AREAS:,} synthetic"
        lines.append(f"| {label} | {count:,} | {fill:.2f} | {up_folder:.2f} | {up_store:.2f} | {build_f:.2f} | "
                     f"{build_s:.2f} | {seen_f:.2f} | {seen_s:.2f} |")
    lines += ["", f"Cached tiles ({n_tiles} composite tiles z10–16, gzip, wrk -t2 -c64 -d{SECONDS}s, median of {RUNS}):", "",
              "| path | req/s | p99 ms |", "|---|---:|---:|"]
    for name, (rps, p99) in tile_rows.items():
        lines.append(f"| {name} | {rps:,.0f} | {p99:.2f} |")
    direct, cached = tile_rows["one replica, directly"][0], tile_rows["nginx cache (two replicas behind)"][0]
    lines += ["", f"nginx's cache ÷ one replica: {cached / direct:.2f}×."]
    report = "\n".join(lines) + "\n"
    (OUT / ("store-smoke.md" if SMOKE else "store.md")).write_text(report)
    print(report)


if __name__ == "__main__":
    main()
