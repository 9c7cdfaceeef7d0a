#!/usr/bin/env python3
"""The soak run behind scripts/soak: `kvarter serve` (release, embedded data, its defaults and
RUST_LOG=warn) under wrk at N connections for M minutes, one wrk run per minute replaying a fixed,
seeded mix of requests (bench/soak.lua), and the server's resident memory (VmRSS) read from /proc
every five seconds. Usage: soak.py [minutes, default 10] [connections, default 64]

The mix, by share of the list (seed 20261205):
  45 % cached tiles   - the composite 2011 + 2017 + bydele tiles at z10-16, fetched once first
  15 % cold tiles     - random tiles at z12-18 over Copenhagen of random layer combinations,
                        most never asked before, so the tile cache renders and evicts all along
  20 % /api/lookup    - random points over Copenhagen
   8 % /api/search    - Danish address and place prefixes (æ ø å), autocomplete and whole
   5 % /api/reverse   - random points
   4 % comparisons    - /api/compare 2011 → 2017 (JSON and CSV) and its change-map tiles
   3 % /api/lookup/batch - a CSV of five addresses
Every answer must be 2xx or 304: a 4xx, a 5xx or a socket error fails the soak. Writes
target/bench/soak.md: per minute the requests, rate, p50/p99 and errors; the memory curve.
"""

import math
import os
import random
import sys
import threading
import time
import urllib.parse

import benchlib
from benchlib import OUT, ROOT, machine

MINUTES = int(sys.argv[1]) if len(sys.argv) > 1 else 10
CONNECTIONS = int(sys.argv[2]) if len(sys.argv) > 2 else 64
PORT = 18190
SEED = 20261205
BBOX = (12.45, 55.61, 12.65, 55.73)  # Copenhagen, lon/lat
WARM = "udsatte-byomraader-2011,udsatte-byomraader-2017,bydele-2023"
LAYERS = ["udsatte-byomraader-2011", "udsatte-byomraader-2017", "bydele-2023", "kvarterer-2023",
          "roder-2023", "karreer-2014", "parker-2014", "vand-2014", "vejklasser-2014", "lokaludvalg-2023"]
SEARCHES = ["Mjølnerparken", "Mjølnerparken 2", "Nørrebrogade", "Nørrebrogade 1", "Tingbjerg",
            "Gavlhusvej 21", "Ruten 6", "Amager Strandvej 130", "Åboulevard", "Ørestads Boulevard",
            "Vesterbrogade 1", "Blågårds Plads", "Sjælør", "Husum", "Bispebjerg", "Valby Langgade"]
COMPARED = ("udsatte-byomraader-2011", "udsatte-byomraader-2017")
BATCH = "id,address\\n1,Mjølnerparken 2\\n2,Ruten 6\\n3,Gavlhusvej 21\\n4,Amager Strandvej 130\\n5,Nørrebrogade 1\\n"
KVARTER = benchlib.release_binary(os.environ.get("CARGO_TARGET_DIR"))


def tile_of(lon, lat, z):
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def point(rng):
    return round(rng.uniform(BBOX[0], BBOX[2]), 6), round(rng.uniform(BBOX[1], BBOX[3]), 6)


def requests():
    rng = random.Random(SEED)
    warm = []
    for z in range(10, 17):
        x0, y0 = tile_of(BBOX[0], BBOX[3], z)
        x1, y1 = tile_of(BBOX[2], BBOX[1], z)
        warm += [f"/tiles/{WARM}/{z}/{x}/{y}.mvt" for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    warm = rng.sample(warm, min(len(warm), 1500))
    lines = []
    for _ in range(20_000):
        r = rng.random()
        if r < 0.45:
            lines.append(f"GET\t{rng.choice(warm)}")
        elif r < 0.60:
            z = rng.randint(12, 18)
            x, y = tile_of(*point(rng), z)
            layers = ",".join(sorted(rng.sample(LAYERS, rng.randint(1, 3))))
            lines.append(f"GET\t/tiles/{layers}/{z}/{x}/{y}.mvt")
        elif r < 0.80:
            lon, lat = point(rng)
            lines.append(f"GET\t/api/lookup?lon={lon}&lat={lat}")
        elif r < 0.88:
            q = rng.choice(SEARCHES)
            q = q[: rng.randint(3, len(q))]
            lines.append(f"GET\t/api/search?q={urllib.parse.quote(q)}")
        elif r < 0.93:
            lon, lat = point(rng)
            lines.append(f"GET\t/api/reverse?lon={lon}&lat={lat}")
        elif r < 0.97:
            if rng.random() < 0.5:
                form = rng.choice(["", "&format=csv"])
                lines.append(f"GET\t/api/compare?from={COMPARED[0]}&to={COMPARED[1]}{form}")
            else:
                z = rng.randint(11, 16)
                x, y = tile_of(*point(rng), z)
                lines.append(f"GET\t/tiles/compare/{COMPARED[0]}/{COMPARED[1]}/{z}/{x}/{y}.mvt")
        else:
            lines.append(f"POST\t/api/lookup/batch\t{BATCH}")
    path = OUT / "soak-requests.txt"
    path.write_text("\n".join(lines) + "\n")
    return path, warm


def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    listing, warm = requests()
    server = benchlib.start_server(benchlib.serve_command(KVARTER, PORT), PORT, "kvarter", log=OUT / "soak-kvarter.log")
    memory, stop = [], threading.Event()
    started = time.time()

    def sample():
        while not stop.is_set():
            memory.append((time.time() - started, rss_mib(server.pid)))
            stop.wait(5)

    sampler = threading.Thread(target=sample, daemon=True)
    minutes = []
    try:
        for path in warm:  # the cached tiles are cached
            benchlib.healthy(PORT, timeout=30, path=path)
        sampler.start()
        for minute in range(MINUTES):
            out = benchlib.wrk(PORT, CONNECTIONS, 60, ROOT / "bench/soak.lua",
                               env={"KVARTER_SOAK_REQUESTS": str(listing)}, timeout="30s")
            result = benchlib.parse_wrk(out)
            classes = dict((c, int(n)) for c, n in (l.split(": ") for l in out.splitlines() if l.startswith("status ")))
            classes = {c.replace("status ", ""): n for c, n in classes.items()}
            errors = classes.get("4xx", 0) + classes.get("5xx", 0) + result.socket_errors
            minutes.append((minute + 1, result, classes, errors, rss_mib(server.pid)))
            print(f"minute {minute + 1}: {result.rps:,.0f} req/s, p99 {result.latency_ms.get(99, math.nan):.1f} ms, "
                  f"{classes}, errors {errors}, RSS {minutes[-1][4]:.0f} MiB", flush=True)
    finally:
        stop.set()
        benchlib.stop_process(server)
    report(minutes, memory)
    if any(m[3] for m in minutes):
        sys.exit("the soak saw errors; see target/bench/soak.md and target/bench/soak-kvarter.log")


def report(minutes, memory):
    lines = [
        f"# Soak: {len(minutes)} minutes of mixed requests at {CONNECTIONS} connections",
        "",
        f"Machine: {machine()}; wrk and the server share these cores. Load average at the end: "
        f"{os.getloadavg()[0]:.1f}. `scripts/soak {MINUTES} {CONNECTIONS}` (one `wrk -t2 -c{CONNECTIONS} -d60s` per minute, "
        "bench/soak.lua over target/bench/soak-requests.txt).",
        "",
        "| minute | requests | req/s | p50 ms | p99 ms | 2xx | 3xx | 4xx | 5xx | socket errors | RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for minute, r, classes, errors, rss in minutes:
        lines.append(f"| {minute} | {r.requests:,} | {r.rps:,.0f} | {r.latency_ms.get(50, math.nan):.2f} | "
                     f"{r.latency_ms.get(99, math.nan):.2f} | {classes.get('2xx', 0):,} | {classes.get('3xx', 0):,} | "
                     f"{classes.get('4xx', 0)} | {classes.get('5xx', 0)} | {r.socket_errors} | {rss:.0f} |")
    lines += ["", "Resident memory every 5 s (seconds since the warm-up: MiB):", "",
              ", ".join(f"{t:.0f}: {m:.0f}" for t, m in memory), ""]
    (OUT / "soak.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
