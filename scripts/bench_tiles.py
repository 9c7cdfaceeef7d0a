#!/usr/bin/env python3
"""Runs the vector-tile benchmark: Kvarter's /tiles against martin 1.14, both under wrk, same tiles.

Called by scripts/bench-tiles (which installs wrk and martin 1.14.0 and builds the release binary).
Usage: bench_tiles.py [seconds-per-run, default 10] [sets, default "overlay,karreer-2014"]

A set is either "overlay" (every layer whose kind is not base_map, asked for as one composite tile)
or a single layer id. martin serves the same layers from GeoJSON written from Kvarter's own
/api/layers/{id}/features (all features, lon/lat, 7 decimals), each feature's properties replaced
by those Kvarter's tiles give it, so both encode the same attributes.

Cases: warm identity, warm gzip, If-None-Match (gzip asked for, each tile's ETag from that server;
every answer must be a 304) and cold (both restarted with their tile cache off; gzip asked for);
1, 16 and 64 connections; median of three runs, the servers taking turns run by run, each run
followed by a wait until that server is idle again. Answers >= 400 (martin sends 408 when all its
workers are busy rendering for more than 5 s) are errors: listed, and not counted as throughput.
Before measuring, every tile of the list is fetched from each server and decoded, and the per-layer
feature counts compared (Kvarter's `{layer}_labels` point layers left out).

For reference, the warm cases also run against a second martin serving the same tiles pre-rendered
by martin-cp (from the same GeoJSON sources) into one MBTiles file per layer: martin's GeoJSON
source copies the whole source on every request, cache hit or not, so it is slow in a way that has
nothing to do with tiling. The goal is measured against the GeoJSON martin, as the issue asks.
Writes target/bench/tiles.md.
"""

import collections
import http.client
import json
import math
import os
import pathlib
import random
import re
import resource
import struct
import sys
import time

import benchlib
from benchlib import OUT, ROOT, machine, median_of, run

SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
SETS = (sys.argv[2] if len(sys.argv) > 2 else "overlay,karreer-2014").split(",")
SEED = 20261122
N_TILES = 2_000
ZOOMS = range(10, 17)
BBOX = (12.45, 55.61, 12.65, 55.73)  # Copenhagen, lon/lat
CONNECTIONS = [1, 16, 64]
RUNS = 3
KVARTER = benchlib.release_binary(os.environ.get("CARGO_TARGET_DIR"))
MARTIN_BIN = pathlib.Path(os.environ.get("MARTIN_BIN")
                          or pathlib.Path(os.environ.get("KVARTER_CACHE", pathlib.Path.home() / ".cache/kvarter"))
                          / "martin-1.14.0/bin/martin")
MARTIN_CP = MARTIN_BIN.with_name("martin-cp")
EXTENT, BUFFER = 4096, 64
# (case, Accept-Encoding: gzip?, If-None-Match?, warm?)
CASES = [
    ("warm identity", False, False, True),
    ("warm gzip", True, False, True),
    ("If-None-Match", True, True, True),
    ("cold", True, False, False),
]
GOAL = {"warm gzip": 1.5}  # every other case: Kvarter >= martin


# ---------------------------------------------------------------------------------------------
# Tiles


def tile_of(lon, lat, z):
    """The XYZ tile (Web Mercator, y down) holding a lon/lat point at zoom z."""
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def make_tiles():
    """N_TILES tiles, zoom uniform in ZOOMS, x and y uniform over the tiles touching BBOX."""
    rng = random.Random(SEED)
    tiles = []
    for _ in range(N_TILES):
        z = rng.choice(ZOOMS)
        x0, y0 = tile_of(BBOX[0], BBOX[3], z)  # north-west corner: smallest x and y
        x1, y1 = tile_of(BBOX[2], BBOX[1], z)
        tiles.append((z, rng.randint(x0, x1), rng.randint(y0, y1)))
    (OUT / "tiles.txt").write_text("".join(f"{z}/{x}/{y}\n" for z, x, y in tiles))
    return tiles


def set_layers(name, manifest):
    if name == "overlay":
        return [l["meta"]["id"] for l in manifest["layers"] if l["meta"]["kind"] != "base_map"]
    if name not in {l["meta"]["id"] for l in manifest["layers"]}:
        sys.exit(f"unknown set {name!r}: use 'overlay' or a layer id from geodata/layers.json")
    return [name]


# ---------------------------------------------------------------------------------------------
# A just-enough protobuf reader for Mapbox Vector Tiles (spec 2.1): Tile.layers (3); Layer.name (1),
# features (2), keys (3), values (4); Feature.tags (2, packed); Value: string (1), float (2),
# double (3), int64 (4), uint64 (5), sint64 (6), bool (7).


def varint(buf, i):
    result = shift = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def fields(buf):
    """(field number, value) pairs: an int for varints, a memoryview slice for everything else."""
    i, n = 0, len(buf)
    while i < n:
        key, i = varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 2:
            length, i = varint(buf, i)
            value, i = buf[i:i + length], i + length
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"protobuf wire type {wire} at byte {i}")
        if i > n:
            raise ValueError("protobuf field runs past the end")
        yield number, value


def mvt_value(buf):
    for number, v in fields(buf):
        if number == 1:
            return bytes(v).decode()
        if number == 2:
            return struct.unpack("<f", v)[0]
        if number == 3:
            return struct.unpack("<d", v)[0]
        if number == 4:
            return v - (1 << 64) if v >= 1 << 63 else v
        if number == 5:
            return v
        if number == 6:
            return (v >> 1) ^ -(v & 1)
        if number == 7:
            return bool(v)
    return None


def decode_mvt(data):
    """{layer name: [properties of each feature]}; a layer appearing twice is joined."""
    layers = {}
    for number, layer in fields(memoryview(data)):
        if number != 3:
            continue
        name, keys, values, tags = None, [], [], []
        for n, value in fields(layer):
            if n == 1:
                name = bytes(value).decode()
            elif n == 2:
                tags.append(next((v for f, v in fields(value) if f == 2), b""))
            elif n == 3:
                keys.append(bytes(value).decode())
            elif n == 4:
                values.append(mvt_value(value))
        features = layers.setdefault(name, [])
        for packed in tags:
            ints, i = [], 0
            while i < len(packed):
                x, i = varint(packed, i)
                ints.append(x)
            features.append({keys[k]: values[v] for k, v in zip(ints[::2], ints[1::2])})
    return layers


# ---------------------------------------------------------------------------------------------
# HTTP and the servers


class Client:
    """One keep-alive HTTP/1.1 connection; reconnects when the server closes it."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def get(self, path, headers=None):
        for attempt in range(3):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                self.conn.request("GET", path, headers=headers or {})
                resp = self.conn.getresponse()
                body = resp.read()
                answer = {}
                for k, v in resp.getheaders():  # a repeated header (Vary) joined, as RFC 9110 allows
                    answer[k.lower()] = f"{answer[k.lower()]}, {v}" if k.lower() in answer else v
                return resp.status, answer, body
            except (http.client.HTTPException, OSError):
                self.conn = None
                if attempt == 2:
                    raise

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None


class Server:
    """One server under test: how to start it and how it spells a tile's path."""

    def __init__(self, name, title, port, cmd, tile_path, log=None):
        self.name, self.title, self.port, self.cmd, self.tile_path = name, title, port, cmd, tile_path
        self.log = OUT / f"{log or name}.log"
        self.proc = None

    def path(self, layers, tile):
        z, x, y = tile
        return self.tile_path.format(layers=",".join(layers), z=z, x=x, y=y)

    def start(self):
        """Starts the server, its stderr in self.log, and waits (up to a minute) for its /health."""
        self.proc = benchlib.start_server(self.cmd, self.port, self.name, log=self.log, attempts=600)
        return self

    def cpu_ticks(self):
        fields = pathlib.Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    def settle(self):
        """Waits until the server is idle: after a run with many connections a slow server goes on
        working on the requests wrk left behind, which would slow the next run (of any server)."""
        last = self.cpu_ticks()
        for _ in range(600):
            time.sleep(0.5)
            now = self.cpu_ticks()
            if now - last <= 2:  # at most 2 ticks (20 ms at the usual 100 Hz) of CPU in half a second
                return
            last = now
        sys.exit(f"{self.name} is still busy 5 minutes after a run")

    def stop(self):
        if self.proc:
            benchlib.stop_process(self.proc)


def kvarter(cold):
    cmd = benchlib.serve_command(KVARTER, 18081, *(["--tile-cache-mb", "0"] if cold else []))
    return Server("kvarter", "Kvarter", 18081, cmd, "/tiles/{layers}/{z}/{x}/{y}.mvt",
                  log="kvarter-cold" if cold else "kvarter")


def martin(cold):
    tag = "martin-cold" if cold else "martin"
    return Server("martin", "martin", 18082, [str(MARTIN_BIN), "--config", str(OUT / f"{tag}.yaml")],
                  "/{layers}/{z}/{x}/{y}", log=tag)


def martin_mbtiles():
    return Server("martin-mbtiles", "martin MBTiles", 18083,
                  [str(MARTIN_BIN), "--config", str(OUT / "martin-mbtiles.yaml")], "/{layers}/{z}/{x}/{y}")


def martin_config(layers, cold):
    # Warm: martin's default cache, whose tile part is 256 MB, as Kvarter's default (256 MiB); both
    # are far larger than the tiles of the list (tiles.md gives their bytes).
    cache = "cache: disable  # no tile cache: every request renders" if cold else "# cache: default (tiles 256 MB)"
    sources = "".join(f"    {l}: {OUT / 'martin' / (l + '.geojson')}\n" for l in layers)
    return (f"listen_addresses: 127.0.0.1:{martin(cold).port}\n{cache}\n"
            f"geojson:\n  extent: {EXTENT}\n  buffer: {BUFFER}\n  sources:\n{sources}")


def mbtiles_config(layers):
    sources = "".join(f"    {l}: {OUT / 'martin' / (l + '.mbtiles')}\n" for l in layers)
    return (f"listen_addresses: 127.0.0.1:{martin_mbtiles().port}\n# cache: default (tiles 256 MB)\n"
            f"mbtiles:\n  sources:\n{sources}")


def martin_cp_cmd(layer):
    return [str(MARTIN_CP), "--config", str(OUT / "martin.yaml"), "--source", layer,
            "--output-file", str(OUT / "martin" / f"{layer}.mbtiles"), "--bbox", ",".join(map(str, BBOX)),
            "--min-zoom", str(ZOOMS.start), "--max-zoom", str(ZOOMS.stop - 1), "--concurrency", "2"]


# ---------------------------------------------------------------------------------------------
# Preparing: GeoJSON for martin, the feature-count check, ETags


def decode_tile(client, path, drop_labels):
    """({layer: feature count}, {layer: [feature properties]}, identity bytes) of one tile."""
    status, headers, body = client.get(path)
    if status == 204:
        return {}, {}, 0
    if status != 200:
        sys.exit(f"GET {path} on port {client.port}: {status} {body[:200]!r}")
    if headers.get("content-encoding", "identity") != "identity":
        sys.exit(f"GET {path} without Accept-Encoding came back {headers['content-encoding']}")
    layers = decode_mvt(body)
    if drop_labels:
        layers = {k: v for k, v in layers.items() if not k.endswith("_labels")}
    return {k: len(v) for k, v in layers.items() if v}, layers, len(body)


def same_properties(a, b):
    """Whether two {layer: [properties]} hold the same property sets, features in any order."""
    def canon(layers):
        return {l: sorted(sorted(p.items()) for p in ps) for l, ps in layers.items() if ps}
    return canon(a) == canon(b)


def write_geojson(port, layer_ids, tile_properties):
    """Each layer's features from Kvarter's features endpoint, for martin. Each feature gets the
    properties Kvarter's tiles give it (found by layer and id), so both encode the same attributes;
    a feature in none of the tiles keeps the keys Kvarter's tiles use for its layer."""
    (OUT / "martin").mkdir(exist_ok=True)
    client = Client(port)
    matched = {}
    for layer in layer_ids:
        status, _, body = client.get(f"/api/layers/{layer}/features")
        if status != 200:
            sys.exit(f"/api/layers/{layer}/features: {status} {body[:300]!r}")
        fc = json.loads(body)
        keep = {k for (l, _), props in tile_properties.items() if l == layer for k in props}
        hits = 0
        for f in fc["features"]:
            props = f.get("properties") or {}
            from_tiles = tile_properties.get((layer, str(props.get("id"))))
            hits += from_tiles is not None
            f["properties"] = from_tiles if from_tiles is not None else {k: v for k, v in props.items() if k in keep}
        matched[layer] = (hits, len(fc["features"]), sorted(keep))
        (OUT / "martin" / f"{layer}.geojson").write_text(json.dumps(fc, separators=(",", ":"), ensure_ascii=False))
    client.close()
    return matched


def prefetch(port, paths, gzip_, inm=False):
    """Fetches every path once with the case's headers (the warm-up); with inm, returns
    {path: ETag} of the tiles that have one, after checking the server answers 304 to it."""
    client = Client(port)
    headers = {"Accept-Encoding": "gzip"} if gzip_ else {}
    etags = {}
    for path in dict.fromkeys(paths):
        status, h, _ = client.get(path, headers)
        if status not in (200, 204):
            sys.exit(f"GET {path} on port {port}: {status}")
        if gzip_ and status == 200 and h.get("content-encoding") != "gzip":
            sys.exit(f"GET {path} on port {port} with Accept-Encoding: gzip came back {h.get('content-encoding')}")
        if inm and status == 200 and "etag" in h:
            again = client.get(path, dict(headers, **{"If-None-Match": h["etag"]}))[0]
            if again != 304:
                sys.exit(f"GET {path} on port {port} with If-None-Match {h['etag']}: {again}, not 304")
            etags[path] = h["etag"]
    client.close()
    return etags


def behaviour(port, path):
    """What one non-empty tile's answers look like."""
    client = Client(port)
    s1, h1, b1 = client.get(path)
    s2, h2, b2 = client.get(path, {"Accept-Encoding": "gzip"})
    s3 = client.get(path, {"Accept-Encoding": "gzip", "If-None-Match": h2.get("etag", '"none"')})[0]
    s4 = client.get(path, {"If-None-Match": h1.get("etag", '"none"')})[0]
    s5 = client.get(path, {"Accept-Encoding": "gzip", "If-None-Match": h1.get("etag", '"none"')})[0]
    s6, h6, _ = client.get(path, {"Accept-Encoding": "br, gzip;q=0.5"})
    client.close()
    short = lambda e: e if len(e) <= 40 else f"{e[:36]}…\" ({len(e)} chars)"
    return {
        "identity": f"{s1}, {len(b1)} B, ETag `{short(h1.get('etag', '—'))}`",
        "gzip": f"{s2}, {len(b2)} B, Content-Encoding {h2.get('content-encoding', '—')}, "
                f"ETag `{short(h2.get('etag', '—'))}`",
        "If-None-Match, same encoding": f"{s3} (gzip), {s4} (identity)",
        "If-None-Match with the identity ETag, gzip asked": str(s5),
        "`Accept-Encoding: br, gzip;q=0.5`": f"{s6}, Content-Encoding {h6.get('content-encoding', '—')}",
        "Cache-Control": h1.get("cache-control", "—"),
        "Vary": h2.get("vary", "—"),
    }


# ---------------------------------------------------------------------------------------------
# wrk


def wrk(port, connections, list_path, gzip_, seconds=None, check=False):
    """(answers/s without errors, p99 ms, errors per run) of one run; with check, the answers by status.

    An error is an answer >= 400 (wrk's "Non-2xx or 3xx responses") or a socket error; it is not
    counted as throughput. martin answers 408 Request Timeout when every worker is busy rendering
    for longer than actix's 5 s client request timeout (cold, 64 connections)."""
    env = {"KVARTER_BENCH_TILES": str(list_path), "KVARTER_BENCH_GZIP": "1" if gzip_ else "0",
           "KVARTER_BENCH_CHECK": "1" if check else "0"}
    out = benchlib.wrk(port, connections, seconds or SECONDS, ROOT / "bench/tiles.lua", env=env, timeout="30s")
    if check:
        return {int(s): int(n) for s, n in re.findall(r"status (\d+): (\d+)", out)}
    result = benchlib.parse_wrk(out)
    errors = result.non_2xx + result.socket_errors
    rps = result.rps * ((result.requests - result.non_2xx) / result.requests if result.requests else 0)
    p99 = result.latency_ms.get(99)
    if rps == 0 or p99 is None:  # not one good answer within the run
        return 0.0, math.nan, errors
    return rps, p99, errors


def ratio(a, b):
    return a / b if b else float("inf")


def cpu_account():
    """(wall s, machine busy CPU s, stolen CPU s, CPU s of this script and its finished children)."""
    ticks = os.sysconf("SC_CLK_TCK")
    user, nice, system, idle, iowait, irq, softirq, steal = map(int, open("/proc/stat").readline().split()[1:9])
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return (time.monotonic(), (user + nice + system + irq + softirq) / ticks, steal / ticks,
            me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime)


# ---------------------------------------------------------------------------------------------


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((ROOT / "geodata" / "layers.json").read_text())
    sets = {name: set_layers(name, manifest) for name in SETS}
    all_layers = list(dict.fromkeys(l for layers in sets.values() for l in layers))
    tiles = make_tiles()
    unique = list(dict.fromkeys(tiles))
    print(f"{len(tiles)} tiles ({len(unique)} distinct), sets: {', '.join(sets)}", flush=True)

    martin_version = run([str(MARTIN_BIN), "--version"]).strip()
    kvarter_version = run([str(KVARTER), "--version"]).strip()
    commit = run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]).strip()
    if run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "crates", "Cargo.lock"]).strip():
        commit += " with uncommitted changes"

    cpu_before = cpu_account()
    running = []

    def start(server):
        running.append(server)
        return server.start()

    counts, sizes, results, check = {}, {}, {}, {}
    try:
        # Kvarter first: decode its tiles, which also gives the properties each feature carries.
        k = start(kvarter(cold=False))
        client = Client(k.port)
        k_props, tile_properties = {}, {}
        for name, layers in sets.items():
            for t in unique:
                counts[k.name, name, t], k_props[name, t], sizes[k.name, name, t] = \
                    decode_tile(client, k.path(layers, t), drop_labels=True)
                for layer, features in k_props[name, t].items():
                    for p in features:
                        tile_properties.setdefault((layer, str(p.get("id"))), p)
        client.close()

        geojson = write_geojson(k.port, all_layers, tile_properties)
        (OUT / "martin.yaml").write_text(martin_config(all_layers, cold=False))
        (OUT / "martin-cold.yaml").write_text(martin_config(all_layers, cold=True))
        (OUT / "martin-mbtiles.yaml").write_text(mbtiles_config(all_layers))
        for layer in all_layers:
            (OUT / "martin" / f"{layer}.mbtiles").unlink(missing_ok=True)
            run(martin_cp_cmd(layer), env=dict(os.environ, RUST_LOG="warn"))
        m = start(martin(cold=False))
        mb = start(martin_mbtiles())
        warm = [k, m, mb]

        # Neither side may win by dropping data: the same number of features in every layer of
        # every tile (and, as a check on the GeoJSON, the same properties).
        for server in (m, mb):
            client = Client(server.port)
            for name, layers in sets.items():
                agree, same, mismatches = 0, 0, []
                for t in unique:
                    c, features, sizes[server.name, name, t] = decode_tile(client, server.path(layers, t), False)
                    agree += c == counts[k.name, name, t]
                    same += same_properties(features, k_props[name, t])
                    if c != counts[k.name, name, t]:
                        ids = lambda layers: collections.Counter(
                            f"{l} {p.get('id')}" for l, ps in layers.items() for p in ps)
                        k_ids, s_ids = ids(k_props[name, t]), ids(features)
                        mismatches.append((t, counts[k.name, name, t], c,
                                           sorted((k_ids - s_ids).elements()), sorted((s_ids - k_ids).elements())))
                check[server.name, name] = (agree, same, mismatches)
                print(f"{server.title}, {name}: feature counts agree with Kvarter on {agree} of {len(unique)} "
                      f"distinct tiles, properties on {same}", flush=True)
            client.close()

        # Request lists, one per server and set. The If-None-Match lists hold the requests every
        # server answers with an ETag (not the 204s), in the same order.
        lists, etag_lists, n_inm, samples = {}, {}, {}, {}
        for name, layers in sets.items():
            etags = {}
            for s in warm:
                lists[s.name, name] = OUT / f"tiles-{name}-{s.name}.txt"
                lists[s.name, name].write_text("".join(s.path(layers, t) + "\n" for t in tiles))
                etags[s.name] = prefetch(s.port, [s.path(layers, t) for t in tiles], gzip_=True, inm=True)
            with_etag = [t for t in tiles if all(s.path(layers, t) in etags[s.name] for s in warm)]
            n_inm[name] = len(with_etag)
            for s in warm:
                etag_lists[s.name, name] = OUT / f"etags-{name}-{s.name}.txt"
                etag_lists[s.name, name].write_text(
                    "".join(f"{s.path(layers, t)}\t{etags[s.name][s.path(layers, t)]}\n" for t in with_etag))
            sample = min((t for t in unique if all(sizes[s.name, name, t] for s in warm)),
                         key=lambda t: (abs(t[0] - 14), t))  # a tile all answer with data, near z14
            samples[name] = (sample, {s.name: behaviour(s.port, s.path(layers, sample)) for s in warm})

        def measure(servers, case, gzip_, inm, warm_up):
            for name in sets:
                pick = etag_lists if inm else lists
                for s in servers:
                    paths = [line.split("\t")[0] for line in pick[s.name, name].read_text().splitlines()]
                    if warm_up:
                        prefetch(s.port, paths, gzip_)
                    # A short run counting answers by status: If-None-Match must get only 304s. (408 is
                    # an overloaded martin, counted as an error in the timed runs.)
                    s.settle()
                    statuses = wrk(s.port, 4, pick[s.name, name], gzip_, seconds=3, check=True)
                    s.settle()
                    if not set(statuses) <= ({304} if inm else {200, 204}) | {408}:
                        sys.exit(f"{s.title}, {name}, {case}: answers by status {statuses}")
                for c in CONNECTIONS:
                    runs = {s.name: [] for s in servers}
                    for _ in range(RUNS):
                        for s in servers:
                            runs[s.name].append(wrk(s.port, c, pick[s.name, name], gzip_))
                            s.settle()
                    results[name, case, c] = {n: median_of(r) for n, r in runs.items()}
                    print(f"{name} / {case} / c={c}: " + ", ".join(
                        f"{s.title} {results[name, case, c][s.name][0]:.0f} req/s "
                        f"(p99 {results[name, case, c][s.name][1]:.2f} ms"
                        + (f", {results[name, case, c][s.name][2]:.0f} errors" if results[name, case, c][s.name][2] else "")
                        + ")" for s in servers), flush=True)

        for case, gzip_, inm, is_warm in CASES:
            if is_warm:
                measure(warm, case, gzip_, inm, warm_up=not inm)
        for s in warm:
            s.stop()
        cold = [start(kvarter(cold=True)), start(martin(cold=True))]
        for case, gzip_, inm, is_warm in CASES:
            if not is_warm:
                measure(cold, case, gzip_, inm, warm_up=False)
    finally:
        for s in running:
            s.stop()

    load = [after - before for before, after in zip(cpu_before, cpu_account())]
    report(sets, tiles, unique, kvarter_version, martin_version, commit, geojson, counts, sizes, check,
           n_inm, samples, results, load)


def report(sets, tiles, unique, kvarter_version, martin_version, commit, geojson, counts, sizes, check,
           n_inm, samples, results, load):
    rel = lambda text: text.replace(str(ROOT) + "/", "").replace(str(MARTIN_BIN.parent) + "/", "")
    all_layers = list(geojson)
    wall, busy, steal, ours = load
    lines = [
        f"Machine: {machine()}; wrk, Kvarter and martin share these cores. During the {wall / 60:.0f} minutes "
        f"of the run other processes used {max(busy - ours, 0):.0f} s of CPU ({max(busy - ours, 0) / (wall * os.cpu_count()):.1%} "
        f"of the machine; the benchmark's own processes {ours:.0f} s), and the hypervisor stole {steal:.0f} s.",
        f"Versions: `{kvarter_version}` ({commit}); `{martin_version}`, installed with "
        f"`cargo install martin@1.14.0 --locked --no-default-features --features geojson,pmtiles,mbtiles,postgres`.",
        "",
        f"Command: `scripts/bench-tiles {SECONDS} {','.join(sets)}`. Tiles: {N_TILES} requests ({len(unique)} distinct "
        f"tiles) from Python `random.Random({SEED})`: zoom uniform in {ZOOMS.start}–{ZOOMS.stop - 1}, x and y uniform "
        f"over the tiles touching {BBOX} (lon/lat), in `target/bench/tiles.txt`; every server gets the same list in "
        f"the same order. Each cell: `wrk -tT -cN -d{SECONDS}s --timeout 30s --latency -s bench/tiles.lua` (T = 2, "
        f"1 for one connection), median of {RUNS} runs, the servers taking turns run by run.",
        "",
        "Sets, each asked for as one composite tile (one MVT layer per source layer):",
        "",
    ]
    lines += [f"- **{name}**: {', '.join(layers)}" for name, layers in sets.items()]
    lines += [
        "",
        "Servers (all with `RUST_LOG=warn` and their default worker threads):",
        "",
        f"- **Kvarter**: `{rel(' '.join(kvarter(False).cmd))}` (embedded data), "
        f"`GET {kvarter(False).tile_path}`; cold: `--tile-cache-mb 0`.",
        f"- **martin**: `martin --config target/bench/martin.yaml` (below), `GET {martin(False).tile_path}`; "
        f"cold: `target/bench/martin-cold.yaml`, the same with `cache: disable`. The GeoJSON files are "
        f"Kvarter's `/api/layers/{{id}}/features` (all features, lon/lat, 7 decimals) with each feature's "
        f"properties replaced by those Kvarter's tiles give it, so both encode the same attributes:",
        "",
    ]
    for layer, (hits, total, keys) in geojson.items():
        lines.append(f"  - {layer}: {hits} of {total} features found in Kvarter's tiles; keys {', '.join(keys)}")
    lines += [
        f"- **martin MBTiles** (reference, warm cases only): the same tiles pre-rendered from the GeoJSON sources "
        f"by `{rel(' '.join(martin_cp_cmd('{layer}')))}` (gzip-compressed, as martin-cp stores them) and served "
        f"by `martin --config target/bench/martin-mbtiles.yaml`.",
        "",
        "```yaml",
        "# target/bench/martin.yaml",
        rel(martin_config(all_layers, cold=False)).rstrip(),
        "```",
        "",
        "Feature counts, per layer of every distinct tile, decoded from each server (Kvarter's `*_labels` "
        "layers left out):",
        "",
    ]
    for name in sets:
        for server, title in (("martin", "martin"), ("martin-mbtiles", "martin MBTiles")):
            agree, same, mismatches = check[server, name]
            lines.append(f"- {name}, {title}: agree with Kvarter on **{agree} of {len(unique)}**; "
                         f"same feature properties on {same} of {len(unique)}.")
            for t, kc, mc, only_k, only_m in mismatches[:10]:
                diff = {l: (kc.get(l, 0), mc.get(l, 0)) for l in sorted(set(kc) | set(mc)) if kc.get(l, 0) != mc.get(l, 0)}
                lines.append(f"  - {'/'.join(map(str, t))}: " +
                             ", ".join(f"{l} Kvarter {a}, {title} {b}" for l, (a, b) in diff.items()) +
                             (f"; only from Kvarter: {', '.join(only_k[:8])}" if only_k else "") +
                             (f"; only from {title}: {', '.join(only_m[:8])}" if only_m else ""))
        total = {s: sum(sizes[s, name, t] for t in unique) for s in ("kvarter", "martin", "martin-mbtiles")}
        lines.append(f"- {name}: uncompressed bytes of the {len(unique)} distinct tiles: Kvarter "
                     f"{total['kvarter'] / 1e6:.2f} MB (with its label layers), martin {total['martin'] / 1e6:.2f} MB, "
                     f"martin MBTiles {total['martin-mbtiles'] / 1e6:.2f} MB. {n_inm[name]} of {len(tiles)} requests "
                     f"have an ETag at every server (the rest are empty tiles, 204) and make the If-None-Match list.")
    lines += ["", "Protocol behaviour on one tile:", ""]
    for name, (sample, by_server) in samples.items():
        lines.append(f"| {name}, tile {'/'.join(map(str, sample))} | Kvarter | martin | martin MBTiles |")
        lines.append("|---|---|---|---|")
        for row in by_server["kvarter"]:
            lines.append(f"| {row} | " + " | ".join(by_server[s][row] for s in ("kvarter", "martin", "martin-mbtiles")) + " |")
        lines.append("")
    lines += [
        "Cases: *warm identity* (no Accept-Encoding) and *warm gzip* (`Accept-Encoding: gzip`), each after "
        "fetching every tile once with the same headers; *If-None-Match* (`Accept-Encoding: gzip` and the tile's "
        "gzip ETag from that server; every answer is a 304, checked); *cold* (`Accept-Encoding: gzip`, both "
        "restarted without a tile cache, so every request renders).",
        "",
        "| set | case | connections | Kvarter req/s | Kvarter p99 ms | martin req/s | martin p99 ms | Kvarter / martin | goal |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    errors = []
    for case, *_ in CASES:
        for name in sets:
            for c in CONNECTIONS:
                r = results[name, case, c]
                (k_rps, k_p99, k_err), (m_rps, m_p99, m_err) = r["kvarter"], r["martin"]
                errors += [f"{title}, {name}, {case}, {c} connections: {e:.0f}"
                           for title, e in (("Kvarter", k_err), ("martin", m_err)) if e]
                goal = GOAL.get(case, 1.0)
                mark = "met" if ratio(k_rps, m_rps) >= goal else "**missed**"
                lines.append(f"| {name} | {case} | {c} | {k_rps:.0f} | {k_p99:.2f} | {m_rps:.0f} | {m_p99:.2f} "
                             f"| {ratio(k_rps, m_rps):.2f}× | ≥ {goal}×: {mark} |")
    if errors:
        lines += ["", "Errors (answers >= 400 and socket errors, median per run; not counted in req/s): "
                  + "; ".join(errors) + "."]
    lines += [
        "",
        "Reference, warm cases: martin serving the same tiles from MBTiles (no rendering).",
        "",
        "| set | case | connections | Kvarter req/s | martin MBTiles req/s | martin MBTiles p99 ms | Kvarter / martin MBTiles |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for case, _, _, is_warm in CASES:
        if not is_warm:
            continue
        for name in sets:
            for c in CONNECTIONS:
                r = results[name, case, c]
                (k_rps, _, _), (b_rps, b_p99, _) = r["kvarter"], r["martin-mbtiles"]
                lines.append(f"| {name} | {case} | {c} | {k_rps:.0f} | {b_rps:.0f} | {b_p99:.2f} | {ratio(k_rps, b_rps):.2f}× |")
    (OUT / "tiles.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
