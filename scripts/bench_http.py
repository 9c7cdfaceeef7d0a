#!/usr/bin/env python3
"""Runs the HTTP fast-path benchmark: Kvarter's cached tiles and lookups against nginx serving
the same tiles as static files, with a bare axum handler and bare hyper as the ceilings. Called by
scripts/bench-http (which installs wrk and nginx and builds the release binaries).
Usage: bench_http.py [seconds-per-run, default 10 | --smoke]

The tiles: every non-empty tile of the composite 2011 + 2017 + bydele tileset at z10-16, written
by `kvarter tiles export` (1,359 on the embedded data) and gzipped beside themselves for nginx's
gzip_static. nginx 1.22 serves them at the same paths as Kvarter's /tiles/{layers}/{z}/{x}/{y}.mvt
(its ETag is its own: size and mtime). The bare axum example answers 800 fixed bytes on the same
route shape; the bare hyper example (hyper alone, no router) answers the same bytes, or a 304 with
Kvarter's headers to any If-None-Match: the ceiling of a conditional request. Kvarter runs with its
defaults and RUST_LOG=warn (no access log line per request), nginx with access_log off, so neither
writes a log per request.

Cases: cached tile identity, gzip, If-None-Match (gzip asked for with each tile's ETag from that
server: every answer a 304), and /api/lookup on 2,000 seeded points (identity and gzip, each
against nginx's tile rate in the same coding), at 16 and 64 connections; wrk -t2 on the same 2 cores; median of three runs, the servers taking turns run
by run. Kvarter's tile cache is warmed first (each tile fetched once per coding), and every
tile's bytes from Kvarter are checked against the exported file. Writes target/bench/http.md
with req/s, p99 and Kvarter ÷ nginx for each case.
"""

import gzip
import http.client
import os
import pathlib
import random
import shutil
import subprocess
import sys
import tempfile
import time

import benchlib
from benchlib import OUT, ROOT, machine, median_of

SMOKE = len(sys.argv) > 1 and sys.argv[1] == "--smoke"
SECONDS = 1 if SMOKE else int(sys.argv[1]) if len(sys.argv) > 1 else 10
RUNS = 1 if SMOKE else 3
CONNECTIONS = [64] if SMOKE else [16, 64]
LAYERS = "udsatte-byomraader-2011,udsatte-byomraader-2017,bydele-2023"
ZOOM = "10-16"
SEED = 20261205
N_POINTS = 2_000
BBOX = (12.45, 55.61, 12.65, 55.73)  # Copenhagen, lon/lat
PORTS = {"kvarter": 18180, "nginx": 18181, "bare axum": 18182, "bare hyper": 18183}
KVARTER = benchlib.release_binary(os.environ.get("CARGO_TARGET_DIR"))
BARE_AXUM = KVARTER.parent / "examples" / "bare-axum"
BARE_HYPER = KVARTER.parent / "examples" / "bare-hyper"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
GOALS = {"identity": 0.8, "gzip": 0.8, "If-None-Match": 0.8, "lookup": 0.6, "lookup gzip": 0.6}


def export(work):
    """Exports the tiles, gzips each beside itself; returns the tile paths (server paths)."""
    out = work / "tiles"
    benchlib.run([KVARTER, "tiles", "export", "--layers", LAYERS, "--zoom", ZOOM, "--out", out], show_stdout=False)
    paths = []
    for tile in sorted(out.rglob("*.mvt")):
        data = tile.read_bytes()
        tile.with_name(tile.name + ".gz").write_bytes(gzip.compress(data, 6, mtime=0))
        paths.append(f"/tiles/{LAYERS}/{tile.relative_to(out).as_posix()}")
    root = work / "root" / "tiles"
    root.mkdir(parents=True)
    (root / LAYERS).symlink_to(out)
    return paths, out


def nginx_config(work):
    """An nginx.conf serving work/root on PORTS["nginx"], as an operator would for static tiles."""
    conf = work / "nginx.conf"
    temp = work / "nginx-temp"
    temp.mkdir()
    conf.write_text(f"""
worker_processes auto;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 1000000;
  open_file_cache max=10000 inactive=60s;
  client_body_temp_path {temp}; proxy_temp_path {temp}; fastcgi_temp_path {temp};
  uwsgi_temp_path {temp}; scgi_temp_path {temp};
  types {{ application/vnd.mapbox-vector-tile mvt; }}
  server {{
    listen 127.0.0.1:{PORTS["nginx"]};
    root {work}/root;
    gzip_static on;
    gzip_vary on;
  }}
}}
""")
    return conf


def get(port, path, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers or {})
    answer = connection.getresponse()
    body = answer.read()
    connection.close()
    return answer.status, dict((k.lower(), v) for k, v in answer.getheaders()), body


def check_and_warm(paths, exported):
    """Fetches every tile from Kvarter in both codings (warming its cache) and from nginx; each
    must be 200 with the exported bytes. Returns {server: [path<TAB>etag]} for If-None-Match."""
    etags = {"kvarter": [], "nginx": []}
    for path in paths:
        expected = (exported / path.split("/", 3)[3]).read_bytes()
        for server in ("kvarter", "nginx"):
            status, headers, body = get(PORTS[server], path)
            if status != 200 or body != expected:
                sys.exit(f"{server} {path}: {status}, {len(body)} bytes, expected the exported {len(expected)}")
            status, headers, body = get(PORTS[server], path, {"Accept-Encoding": "gzip"})
            if status != 200 or headers.get("content-encoding") != "gzip" or gzip.decompress(body) != expected:
                sys.exit(f"{server} {path} (gzip): {status} {headers.get('content-encoding')}")
            etags[server].append(f"{path}\t{headers['etag']}")
    return etags


def points():
    """Writes the seeded points (for bench/lookup.lua) and their lookup paths (for
    scripts/callgrind-request); returns the points' file."""
    rng = random.Random(SEED)
    pairs = [(round(rng.uniform(BBOX[0], BBOX[2]), 6), round(rng.uniform(BBOX[1], BBOX[3]), 6)) for _ in range(N_POINTS)]
    path = OUT / "http-points.csv"
    path.write_text("".join(f"{lon},{lat}\n" for lon, lat in pairs))
    (OUT / "http-lookups.txt").write_text("".join(f"/api/lookup?lon={lon}&lat={lat}\n" for lon, lat in pairs))
    return path


def wrk_tiles(port, connections, listing, gzip_):
    env = {"KVARTER_BENCH_TILES": str(listing), "KVARTER_BENCH_GZIP": "1" if gzip_ else "0"}
    return benchlib.parse_wrk(benchlib.wrk(port, connections, SECONDS, ROOT / "bench/tiles.lua", env=env))


def wrk_lookup(port, connections, listing, gzip_):
    env = {"KVARTER_BENCH_POINTS": str(listing), "KVARTER_BENCH_GZIP": "1" if gzip_ else "0"}
    return benchlib.parse_wrk(benchlib.wrk(port, connections, SECONDS, ROOT / "bench/lookup.lua", env=env))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    work = pathlib.Path(tempfile.mkdtemp(prefix="kvarter-bench-http-"))
    work.chmod(0o755)  # nginx's workers run as an unprivileged user and must read the tiles
    processes = []
    try:
        paths, exported = export(work)
        lists = {}
        plain = OUT / "http-tiles.txt"
        plain.write_text("".join(p + "\n" for p in paths))
        processes.append(subprocess.Popen([NGINX, "-c", str(nginx_config(work)), "-p", str(work)],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        processes.append(benchlib.start_server(benchlib.serve_command(KVARTER, PORTS["kvarter"]), PORTS["kvarter"],
                                               "kvarter", log=OUT / "http-kvarter.log"))
        processes.append(benchlib.start_server([str(BARE_AXUM), f"127.0.0.1:{PORTS['bare axum']}"], PORTS["bare axum"],
                                               "bare axum", ready=paths[0]))
        processes.append(benchlib.start_server([str(BARE_HYPER), f"127.0.0.1:{PORTS['bare hyper']}"], PORTS["bare hyper"],
                                               "bare hyper", ready=paths[0]))
        for _ in range(50):
            if benchlib.healthy(PORTS["nginx"], path=paths[0]):
                break
            time.sleep(0.1)
        else:
            sys.exit(f"nginx did not start; see {work}/nginx-error.log")
        etags = check_and_warm(paths, exported)
        for server, lines in etags.items():
            lists[server] = OUT / f"http-etags-{server}.txt"
            lists[server].write_text("".join(line + "\n" for line in lines))
        listing = points()
        cases = [("identity", False, False), ("gzip", True, False), ("If-None-Match", True, True)]
        rows = {}
        started = time.time()
        for c in CONNECTIONS:
            for name, gzip_, conditional in cases:
                servers = ["kvarter", "nginx", "bare hyper"] + ([] if conditional else ["bare axum"])
                runs = {s: [] for s in servers}
                for _ in range(RUNS):
                    for s in servers:
                        # bare hyper answers any If-None-Match with a 304; it gets Kvarter's list.
                        tiles = lists.get(s, lists["kvarter"]) if conditional else plain
                        result = wrk_tiles(PORTS[s], c, tiles, gzip_)
                        if result.non_2xx or result.socket_errors:
                            sys.exit(f"{s} {name} c{c}: {result.non_2xx} non-2xx, {result.socket_errors} socket errors")
                        runs[s].append((result.rps, result.latency_ms.get(99, float("nan"))))
                rows[name, c] = {s: median_of(r) for s, r in runs.items()}
            for name, gzip_ in (("lookup", False), ("lookup gzip", True)):
                runs = []
                for _ in range(RUNS):
                    result = wrk_lookup(PORTS["kvarter"], c, listing, gzip_)
                    if result.non_2xx or result.socket_errors:
                        sys.exit(f"{name} c{c}: {result.non_2xx} non-2xx, {result.socket_errors} socket errors")
                    runs.append((result.rps, result.latency_ms.get(99, float("nan"))))
                tiles = "gzip" if gzip_ else "identity"
                rows[name, c] = {"kvarter": median_of(runs), "nginx": rows[tiles, c]["nginx"]}
        report(rows, len(paths), time.time() - started)
    finally:
        for process in processes:
            benchlib.stop_process(process)
        shutil.rmtree(work, ignore_errors=True)


def report(rows, tiles, wall):
    lines = [
        "# The HTTP fast path: Kvarter against nginx on the same tiles",
        "",
        f"Machine: {machine()}; wrk, the servers and nginx share these cores. Load average at the end: "
        f"{os.getloadavg()[0]:.1f}. {tiles} tiles ({LAYERS}, z{ZOOM}); median of {RUNS} run(s) of "
        f"`wrk -t2 -cN -d{SECONDS}s --latency` per cell, servers taking turns; {wall / 60:.0f} minutes.",
        "",
        "| case | conns | Kvarter req/s | p99 ms | nginx req/s | p99 ms | bare axum req/s | bare hyper req/s "
        "| Kvarter ÷ nginx | bare hyper ÷ nginx | goal |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (name, c), r in rows.items():
        k, n = r["kvarter"], r["nginx"]
        bare = f"{r['bare axum'][0]:,.0f}" if "bare axum" in r else "–"
        hyper = f"{r['bare hyper'][0]:,.0f}" if "bare hyper" in r else "–"
        hyper_ratio = f"{r['bare hyper'][0] / n[0]:.2f}×" if "bare hyper" in r else "–"
        versus = "(÷ nginx's tile rate, same coding)" if name.startswith("lookup") else ""
        lines.append(f"| {name} {versus} | {c} | {k[0]:,.0f} | {k[1]:.2f} | {n[0]:,.0f} | {n[1]:.2f} | {bare} | {hyper} | "
                     f"{k[0] / n[0]:.2f}× | {hyper_ratio} | ≥ {GOALS[name]}× |")
    text = "\n".join(lines) + "\n"
    (OUT / "http.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
