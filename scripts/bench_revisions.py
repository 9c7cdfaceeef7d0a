#!/usr/bin/env python3
"""Is this checkout slower than an earlier revision? The same requests against both release
binaries, measured two ways:

1. **Instructions per request** (valgrind's callgrind, deterministic: the same binary, inputs and
   requests give the same count on a busy machine): the server under callgrind answers N lookups
   (`/api/lookup`, the points of bench_lookup.py) or N tiles (`/tiles/…`, with the tile cache off
   so every tile renders), one at a time over one keep-alive connection; the count of a run with
   no requests is subtracted, which leaves what the requests cost (start-up and the /health polls
   cancel out).
2. **Throughput** (wrk, noisy): the two binaries in turn, A B A B …, for ROUNDS rounds at 1 and
   16 connections; the ratio new/old per pair, and its median.

Called by scripts/bench-revisions, which builds both binaries. Writes target/bench/revisions.md.
Usage: bench_revisions.py OLD_BINARY NEW_BINARY OLD_LABEL NEW_LABEL
"""

import http.client
import math
import random
import statistics
import subprocess
import sys

from benchlib import OUT, ROOT, machine, parse_wrk, run, serve_command, start_server, stop_process, wrk

PORT = 18095
SEED = 20261122
BBOX = (12.45, 55.61, 12.65, 55.73)  # Copenhagen, lon/lat
LOOKUPS = 1000
TILES = 200
TILE_LAYERS = "udsatte-byomraader-2011,udsatte-byomraader-2017,bydele-2023,roder-2023"
SECONDS = 8
ROUNDS = 6


def points(n):
    """n seeded random points over Copenhagen's bounds (the same as bench_lookup.py's)."""
    rng = random.Random(SEED)
    return [(round(rng.uniform(BBOX[0], BBOX[2]), 6), round(rng.uniform(BBOX[1], BBOX[3]), 6))
            for _ in range(n)]


def tile_paths(n):
    """n tiles at z12–z15 under the same points."""
    paths = []
    for i, (lon, lat) in enumerate(points(n)):
        z = 12 + i % 4
        x = int((lon + 180) / 360 * 2 ** z)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2 ** z)
        paths.append(f"/tiles/{TILE_LAYERS}/{z}/{x}/{y}.mvt")
    return paths


def ask(paths):
    """GETs every path over one keep-alive connection, in order; fails on an answer >= 400."""
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=600)
    for path in paths:
        connection.request("GET", path)
        answer = connection.getresponse()
        answer.read()
        if answer.status >= 400:
            sys.exit(f"GET {path}: {answer.status}")


def instructions(binary, paths, label):
    """Instructions the server executed, under callgrind, answering `paths`."""
    out = OUT / f"callgrind-{label}.out"
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + serve_command(
        binary, PORT, "--tile-cache-mb", "0")
    log = OUT / f"callgrind-{label}.log"
    server = start_server(cmd, PORT, f"{label} under callgrind", log=log, attempts=3000)
    ask(paths)
    stop_process(server, grace=120)
    collected = [line for line in log.read_text().splitlines() if "Collected :" in line]
    if not collected:
        sys.exit(f"callgrind wrote no count; see {log}")
    return int(collected[-1].split(":")[-1].strip())


def per_request(binary, paths, label):
    """Instructions per request: a run with the requests minus a run without, over their count."""
    base = instructions(binary, [], f"{label}-idle")
    busy = instructions(binary, paths, f"{label}-busy")
    return (busy - base) / len(paths)


def throughput(binary, connections, label):
    """Requests/s of one wrk run of /api/lookup."""
    server = start_server(serve_command(binary, PORT), PORT, label)
    try:
        out = wrk(PORT, connections, SECONDS, ROOT / "bench" / "lookup.lua",
                  env={"KVARTER_BENCH_POINTS": str(OUT / "points.csv"), "KVARTER_BENCH_GZIP": "0"})
    finally:
        stop_process(server)
    result = parse_wrk(out)
    if result.non_2xx or result.socket_errors:
        sys.exit(f"{label}: {result.non_2xx} non-2xx answers, {result.socket_errors} socket errors")
    return result.rps


def main():
    old, new, old_label, new_label = sys.argv[1:5]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "points.csv").write_text("".join(f"{lon},{lat}\n" for lon, lat in points(10_000)))
    lookups = [f"/api/lookup?lon={lon}&lat={lat}" for lon, lat in points(LOOKUPS)]
    rows = []
    for what, paths in [(f"/api/lookup, {LOOKUPS} points", lookups),
                        (f"tiles z12–15 of 4 layers, {TILES}, no cache", tile_paths(TILES))]:
        counts = [per_request(binary, paths, label)
                  for binary, label in [(old, "old"), (new, "new")]]
        rows.append((what, counts[0], counts[1], counts[1] / counts[0]))
        print(f"{what}: {counts[0]:,.0f} → {counts[1]:,.0f} instructions per request", flush=True)
    ratios = {}
    for connections in (1, 16):
        pairs = []
        for _ in range(ROUNDS):
            pairs.append((throughput(old, connections, "old"), throughput(new, connections, "new")))
        ratios[connections] = pairs
        print(f"c={connections}: " + ", ".join(f"{n / o:.3f}" for o, n in pairs), flush=True)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            text=True, capture_output=True).stdout.strip()
    lines = [
        f"Machine: {machine()}. Old: {old_label}; new: {new_label} (checkout at {commit}).",
        "",
        "| requests | old instructions / request | new | new / old |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {what} | {o:,.0f} | {n:,.0f} | {r:.4f} |" for what, o, n, r in rows]
    lines += ["", "| /api/lookup, wrk | old req/s (median) | new req/s (median) | median of new/old per pair | pairs |",
              "|---|---:|---:|---:|---:|"]
    for connections, pairs in ratios.items():
        lines.append(f"| {connections} connection{'s' if connections > 1 else ''}, {SECONDS} s runs "
                     f"| {statistics.median(o for o, _ in pairs):,.0f} "
                     f"| {statistics.median(n for _, n in pairs):,.0f} "
                     f"| {statistics.median(n / o for o, n in pairs):.3f} | {len(pairs)} |")
    (OUT / "revisions.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    run(["valgrind", "--version"])
    main()
