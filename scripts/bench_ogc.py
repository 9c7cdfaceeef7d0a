#!/usr/bin/env python3
"""Runs the OGC API – Features benchmark: Kvarter's /ogc/collections/{id}/items against
pygeoapi serving the same layers, both under wrk, in the same run.

Called by scripts/bench-ogc (which installs pygeoapi and gunicorn into a virtualenv, installs wrk
and builds the release binary), with that virtualenv's Python: the OGR provider needs GDAL's
bindings (Debian's python3-gdal, which the virtualenv sees through --system-site-packages), and
this script converts the layers to FlatGeobuf with them.

Usage: bench_ogc.py [--smoke] [--seconds N] [--runs N] [--connections N]

1. Starts `kvarter serve` (embedded data) and exports each layer from Kvarter's own
   /api/layers/{id}/features, so both servers serve the same geometry and properties: as
   GeoJSON (pygeoapi's GeoJSON provider) and as FlatGeobuf with its spatial index (pygeoapi's OGR
   provider). Writes pygeoapi's config and starts it under gunicorn, one sync worker per core.
2. Compares the answers of every case feature by feature (ids, numberMatched, properties,
   geometry within 1e-7°) and stops if any differs.
3. Times every case on every server with wrk (RUNS runs each, the servers taking turns, each
   run followed by a wait until that server is idle again) and writes target/bench/ogc.md.

--smoke checks the answers and runs wrk once for one second with two connections on case (b)
per server (so the timing path is exercised), writing target/bench/ogc-smoke.md; its numbers mean
nothing.
"""

import argparse
import json
import math
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import time
import urllib.request

import benchlib
from benchlib import OUT, ROOT, machine, run

LAYERS = ["udsatte-byomraader-2017", "roder-2023", "karreer-2014"]
KVARTER_PORT, PYGEOAPI_PORT = 18091, 18092
# Central Copenhagen (Indre By and the lakes): a few dozen roder.
BBOX = (12.560, 55.672, 12.590, 55.690)
TOLERANCE = 1e-7  # degrees; both sides write 7 decimals, so equal data differs by less
WORKERS = os.cpu_count() or 2
KVARTER = benchlib.release_binary(os.environ.get("CARGO_TARGET_DIR"))
VENV = pathlib.Path(sys.prefix)  # the script runs with the virtualenv's Python
DATA = OUT / "ogc"


class Case:
    """One question, asked of every server."""

    def __init__(self, key, title, layer, query, whole, longer=1, connections=None):
        self.key, self.title, self.layer, self.query = key, title, layer, query
        self.whole = whole  # the answer is every feature matched (no second page)
        # The whole karréer layer runs three times longer (pygeoapi answers it a few times in ten
        # seconds, too few to count) on at most 8 connections (with 32, a request waits behind
        # 15 others for one of pygeoapi's 2 workers, longer than the run: its latency is lost).
        self.longer = longer
        self.connections = connections


CASES = [
    Case("a", "a page of 100 roder", "roder-2023", "limit=100&f=json", whole=False),
    Case("b", "the whole 2017 designation layer (17 areas)", "udsatte-byomraader-2017",
         "limit=10000&f=json", whole=True),
    Case("c", "a bbox on roder, central Copenhagen", "roder-2023",
         "bbox={}&limit=100&f=json".format(",".join(map(str, BBOX))), whole=True),
    Case("d", "the whole karréer layer (4,886 blocks), limit=10000", "karreer-2014",
         "limit=10000&f=json", whole=True, longer=3, connections=8),
]


class Server:
    """One server (or one provider of a server) under test: its port, process and paths."""

    def __init__(self, name, port, collection_path, ordered):
        self.name, self.port, self.collection_path = name, port, collection_path
        # Whether items come in the layer's order. FlatGeobuf's spatial index stores features
        # along a Hilbert curve, so the OGR provider's first page holds other features.
        self.ordered = ordered
        self.proc = None

    def path(self, case):
        return f"{self.collection_path.format(layer=case.layer)}/items?{case.query}"

    def cpu_ticks(self):
        """CPU ticks of the process and its children (gunicorn's workers)."""
        total, pids = 0, [self.proc.pid]
        while pids:
            pid = pids.pop()
            try:
                stat = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(stat[11]) + int(stat[12])
                pids += [int(c) for c in pathlib.Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
            except (OSError, ValueError):
                pass
        return total

    def settle(self):
        """Waits until the server is idle: a slow server goes on answering the requests wrk left
        open, which would slow the next run, of whichever server."""
        last = self.cpu_ticks()
        for _ in range(600):
            time.sleep(0.5)
            now = self.cpu_ticks()
            if now - last <= 2:
                return
            last = now
        sys.exit(f"{self.name} is still busy 5 minutes after a run")


KVARTER_SERVER = Server("Kvarter", KVARTER_PORT, "/ogc/collections/{layer}", ordered=True)
PYGEOAPI_GEOJSON = Server("pygeoapi GeoJSON", PYGEOAPI_PORT, "/collections/{layer}", ordered=True)
PYGEOAPI_FGB = Server("pygeoapi OGR FlatGeobuf", PYGEOAPI_PORT, "/collections/{layer}-fgb", ordered=False)
PEERS = [PYGEOAPI_GEOJSON, PYGEOAPI_FGB]


def get(port, path):
    """(status, parsed JSON body) of GET http://127.0.0.1:`port``path`."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read()[:500]


def get_ok(port, path):
    status, body = get(port, path)
    if status != 200:
        sys.exit(f"GET {path} on port {port}: {status} {body!r}")
    return body


# --- the data pygeoapi serves -------------------------------------------------------------------

def export_layers():
    """Writes each layer as GeoJSON (Kvarter's /api/layers/{id}/features as it is) and as
    FlatGeobuf made from that file by GDAL; returns {layer: feature count}."""
    from osgeo import gdal  # Debian's bindings, seen through the virtualenv
    gdal.UseExceptions()
    DATA.mkdir(parents=True, exist_ok=True)
    counts = {}
    for layer in LAYERS:
        collection = get_ok(KVARTER_PORT, f"/api/layers/{layer}/features")
        counts[layer] = len(collection["features"])
        source = DATA / f"{layer}.geojson"
        source.write_text(json.dumps(collection, separators=(",", ":"), ensure_ascii=False))
        target = DATA / f"{layer}.fgb"
        target.unlink(missing_ok=True)
        # DATE_AS_STRING: keep date properties as the strings Kvarter sends, not OGR dates (which
        # its JSON export writes as 2023/01/01).
        source_ds = gdal.OpenEx(str(source), gdal.OF_VECTOR, open_options=["DATE_AS_STRING=YES"])
        gdal.VectorTranslate(str(target), source_ds, format="FlatGeobuf", layerName=layer,
                             layerCreationOptions=["SPATIAL_INDEX=YES"])
        source_ds = None
    return counts


def pygeoapi_config():
    """pygeoapi's config: each layer twice, from GeoJSON and (`{id}-fgb`) from FlatGeobuf."""
    import yaml  # pygeoapi's dependency, in the virtualenv

    def collection(layer, provider):
        return {
            "type": "collection", "title": layer,
            "description": f"Kvarter's {layer}, exported from /api/layers/{layer}/features",
            "keywords": ["kvarter"],
            "extents": {"spatial": {"bbox": [12.45, 55.61, 12.65, 55.73],
                                    "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
            "providers": [dict(type="feature", **provider, id_field="id")],
        }

    resources = {}
    for layer in LAYERS:
        resources[layer] = collection(layer, {"name": "GeoJSON", "data": str(DATA / f"{layer}.geojson")})
        resources[f"{layer}-fgb"] = collection(layer, {
            "name": "OGR", "data": {"source_type": "FlatGeobuf", "source": str(DATA / f"{layer}.fgb")},
            "layer": layer})
    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": PYGEOAPI_PORT},
            "url": f"http://127.0.0.1:{PYGEOAPI_PORT}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            # The same paging limits as Kvarter's items (default 100, at most 10,000).
            "limits": {"default_items": 100, "max_items": 10000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OpenStreetMap"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "Kvarter layers (benchmark)",
                "description": "Kvarter's layers served by pygeoapi for scripts/bench-ogc",
                "keywords": ["kvarter"], "keywords_type": "theme",
                "terms_of_service": "https://creativecommons.org/licenses/by/4.0/",
                "url": "https://example.org/kvarter",
            },
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "Kvarter", "url": "https://example.org/kvarter"},
            "contact": {"name": "Kvarter"},
        },
        "resources": resources,
    }
    return "# Written by scripts/bench_ogc.py: Kvarter's layers for pygeoapi.\n" + yaml.safe_dump(
        config, sort_keys=False, allow_unicode=True)


def start_pygeoapi():
    config, openapi = DATA / "pygeoapi.yml", DATA / "pygeoapi-openapi.yml"
    config.write_text(pygeoapi_config())
    env = dict(os.environ, PYGEOAPI_CONFIG=str(config), PYGEOAPI_OPENAPI=str(openapi))
    run([str(VENV / "bin" / "pygeoapi"), "openapi", "generate", str(config), "--output-file", str(openapi)],
        env=env)
    # gunicorn as pygeoapi's docs deploy it, one sync worker per core.
    cmd = [str(VENV / "bin" / "gunicorn"), "--workers", str(WORKERS), "--bind", f"127.0.0.1:{PYGEOAPI_PORT}",
           "--log-level", "warning", "pygeoapi.flask_app:APP"]
    proc = benchlib.start_server(cmd, PYGEOAPI_PORT, "pygeoapi", log=OUT / "pygeoapi.log", attempts=600,
                                 env={"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)},
                                 ready="/?f=json")
    return proc, cmd


# --- comparing the answers ----------------------------------------------------------------------

def feature_id(feature):
    """The area's id: properties.id (pygeoapi's OGR provider moves it to the feature's id)."""
    return str((feature.get("properties") or {}).get("id", feature.get("id")))


def polygons(geometry):
    """A geometry's coordinates as a list of polygons (a Polygon is a MultiPolygon of one)."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    sys.exit(f"unexpected geometry type {geometry['type']}")


def geometry_difference(a, b):
    """The largest coordinate difference between two (multi)polygons, or None if their
    structure (parts, rings, vertices) differs."""
    pa, pb = polygons(a), polygons(b)
    if [[len(r) for r in p] for p in pa] != [[len(r) for r in p] for p in pb]:
        return None
    return max((abs(x1 - x2) for p1, p2 in zip(pa, pb) for r1, r2 in zip(p1, p2)
                for c1, c2 in zip(r1, r2) for x1, x2 in zip(c1, c2)), default=0.0)


def envelope_meets(geometry, box):
    """Whether a (multi)polygon's bounding box meets `box` (west, south, east, north)."""
    xs = [c[0] for p in polygons(geometry) for r in p for c in r]
    ys = [c[1] for p in polygons(geometry) for r in p for c in r]
    return min(xs) <= box[2] and max(xs) >= box[0] and min(ys) <= box[3] and max(ys) >= box[1]


def compare_features(reference, feature, where):
    """Problems of `feature` against Kvarter's feature of the same id (empty: equal)."""
    problems = []
    # Null counts as absent: a FlatGeobuf layer has one schema for all its features, so OGR gives
    # a feature without, say, udsat_byomraade that property as null.
    ref_props = {k: v for k, v in (reference.get("properties") or {}).items() if k != "id" and v is not None}
    props = {k: v for k, v in (feature.get("properties") or {}).items() if k != "id" and v is not None}
    if ref_props != props:
        keys = sorted(k for k in ref_props.keys() | props.keys() if ref_props.get(k) != props.get(k))
        problems.append(f"{where}: properties differ in {keys}: Kvarter "
                        f"{ {k: ref_props.get(k) for k in keys} }, peer { {k: props.get(k) for k in keys} }")
    diff = geometry_difference(reference["geometry"], feature["geometry"])
    if diff is None:
        problems.append(f"{where}: geometry structure differs")
    elif diff > TOLERANCE + 1e-12:  # 1e-12: the last bit of two parsings of the same decimal
        problems.append(f"{where}: geometry differs by {diff:.3g}°")
    return problems


def check_answers(layer_counts):
    """Compares every case's answer from each peer with Kvarter's; stops the script on any
    difference. Returns lines for the report."""
    # Kvarter's whole layers are the reference each feature is checked against.
    whole = {layer: {feature_id(f): f for f in get_ok(KVARTER_PORT,
                                                      f"/ogc/collections/{layer}/items?limit=10000")["features"]}
             for layer in LAYERS}
    for layer, count in layer_counts.items():
        if len(whole[layer]) != count:
            sys.exit(f"{layer}: {len(whole[layer])} OGC items, {count} features in /api/layers")
    problems, lines = [], []
    for case in CASES:
        mine = get_ok(KVARTER_PORT, KVARTER_SERVER.path(case))
        mine_ids = [feature_id(f) for f in mine["features"]]
        if len(set(mine_ids)) != len(mine_ids):
            problems.append(f"{case.key}: Kvarter repeats ids")
        for peer in PEERS:
            where = f"{case.key} {peer.name}"
            theirs = get_ok(peer.port, peer.path(case))
            ids = [feature_id(f) for f in theirs["features"]]
            matched = theirs.get("numberMatched")
            if len(set(ids)) != len(ids):
                problems.append(f"{where}: repeated ids")
            if peer.ordered or case.whole:
                # In order where the peer keeps the layer's order, as sets where it may not.
                same = ids == mine_ids if peer.ordered else sorted(ids) == sorted(mine_ids)
                if not same:
                    missing = sorted(set(mine_ids) - set(ids))
                    extra = sorted(set(ids) - set(mine_ids))
                    problems.append(f"{where}: ids differ ({len(mine_ids)} against {len(ids)}; only Kvarter: "
                                    f"{missing[:10]}, only the peer: {extra[:10]}"
                                    + ("; same set, other order" if not missing and not extra else "") + ")")
            elif len(ids) != len(mine_ids):
                problems.append(f"{where}: {len(ids)} features, Kvarter {len(mine_ids)}")
            if matched is not None and matched != mine["numberMatched"]:
                problems.append(f"{where}: numberMatched {matched}, Kvarter {mine['numberMatched']}")
            for feature in theirs["features"]:
                reference = whole[case.layer].get(feature_id(feature))
                if reference is None:
                    problems.append(f"{where}: id {feature_id(feature)} is not in Kvarter's layer")
                else:
                    problems += compare_features(reference, feature, f"{where}, id {feature_id(feature)}")
            lines.append(
                f"- ({case.key}) {peer.name}: {len(ids)} features"
                + (f", numberMatched {matched}" if matched is not None else ", no numberMatched")
                + f" (Kvarter: {len(mine_ids)}, numberMatched {mine['numberMatched']}); "
                + ("the same ids in the same order" if peer.ordered
                   else "the same ids" if case.whole
                   else "another 100 roder (the file's Hilbert order), each equal to Kvarter's of that id")
                + "; properties equal; geometry within 1e-7°")
    # Whether the box tells an exact test from an envelope test: all three servers test the
    # geometry (Kvarter's index, shapely's intersects, OGR's GEOS filter), so they must match the
    # exact set, and an envelope test would match more.
    by_envelope = sorted((i for i, f in whole["roder-2023"].items() if envelope_meets(f["geometry"], BBOX)), key=int)
    exact = {feature_id(f) for f in get_ok(KVARTER_PORT, KVARTER_SERVER.path(CASES[2]))["features"]}
    lines.append(f"- (c) the features whose envelope meets the box: {len(by_envelope)}; of them not meeting it "
                 f"(the exact test leaves them out): {[i for i in by_envelope if i not in exact]}")
    if problems:
        sys.exit("The answers differ:\n" + "\n".join(problems[:50])
                 + (f"\n... and {len(problems) - 50} more" if len(problems) > 50 else ""))
    return lines


# --- timing -------------------------------------------------------------------------------------

def time_case(server, case, seconds, connections):
    """(req/s, p50 ms, p99 ms, errors, answers) of one wrk run; errors are answers other than
    200 and socket errors (timeouts too)."""
    out = benchlib.wrk(server.port, min(connections, case.connections or connections), seconds * case.longer,
                       ROOT / "bench" / "ogc.lua", env={"KVARTER_BENCH_PATH": server.path(case)}, timeout="60s")
    result = benchlib.parse_wrk(out)
    errors = result.non_2xx + result.socket_errors
    return (result.rps, result.latency_ms.get(50, math.nan), result.latency_ms.get(99, math.nan), errors,
            result.requests)


def spread(values):
    """min / median / max of a column."""
    return min(values), statistics.median(values), max(values)


def versions():
    import gunicorn
    import pygeoapi
    from osgeo import gdal
    return {
        "kvarter": run([str(KVARTER), "--version"]).strip().removeprefix("kvarter "),
        "pygeoapi": pygeoapi.__version__,
        "gunicorn": gunicorn.__version__,
        "GDAL": gdal.__version__,
        "Python": platform.python_version(),
        "wrk": wrk_version(),
    }


def wrk_version():
    # wrk -v prints its version and then usage, with a non-zero exit status.
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    return " ".join((done.stdout or done.stderr).split()[1:2])  # "wrk 4.1.0-3 [epoll] Copyright ..."


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="check the answers; one 1-s wrk run of case b")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.runs, args.connections = 1, 1, 2

    started = time.monotonic()
    OUT.mkdir(parents=True, exist_ok=True)
    commit = run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]).strip()
    if run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "crates", "Cargo.lock"]).strip():
        commit += " with uncommitted changes"
    kvarter_cmd = benchlib.serve_command(KVARTER, KVARTER_PORT)
    kvarter = pygeoapi = None
    try:
        kvarter = benchlib.start_server(kvarter_cmd, KVARTER_PORT, "kvarter", log=OUT / "kvarter-ogc.log")
        KVARTER_SERVER.proc = kvarter
        counts = export_layers()
        pygeoapi, pygeoapi_cmd = start_pygeoapi()
        PYGEOAPI_GEOJSON.proc = PYGEOAPI_FGB.proc = pygeoapi
        checked = check_answers(counts)
        print("\n".join(checked), flush=True)
        print(f"answers agree ({time.monotonic() - started:.1f} s so far)", flush=True)

        servers = [KVARTER_SERVER] + PEERS
        # A smoke run only shows that the timing works: one short run of the cheapest case.
        timed = [c for c in CASES if c.key == "b"] if args.smoke else CASES
        results = {}
        for case in timed:
            for i in range(args.runs):
                for server in servers:
                    results.setdefault((case.key, server.name), []).append(
                        time_case(server, case, args.seconds, args.connections))
                    server.settle()
                    rps, p50, p99, errors, _ = results[case.key, server.name][-1]
                    print(f"({case.key}) run {i + 1} {server.name}: {rps:.1f} req/s, p50 {p50:.2f} ms, "
                          f"p99 {p99:.2f} ms" + (f", {errors} errors" if errors else ""), flush=True)
        load = os.getloadavg()
        report = write_report(args, timed, results, checked, counts, versions(), commit, kvarter_cmd,
                              pygeoapi_cmd, load, time.monotonic() - started)
        print(report)
    finally:
        for proc in (pygeoapi, kvarter):
            if proc is not None:
                benchlib.stop_process(proc)


def write_report(args, timed, results, checked, counts, version, commit, kvarter_cmd, pygeoapi_cmd, load,
                 elapsed):
    servers = [KVARTER_SERVER] + PEERS
    lines = [
        "# OGC API – Features items: Kvarter against pygeoapi" + (" (smoke run: the numbers mean nothing)"
                                                                 if args.smoke else ""),
        "",
        f"Command: `scripts/bench-ogc{' --smoke' if args.smoke else ''}`. Machine: {machine()}; "
        f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min). "
        f"Commit {commit}.",
        "Versions: " + "; ".join(f"{k} {v}" for k, v in version.items()) + ".",
        f"Kvarter: `{' '.join(map(str, kvarter_cmd))}` (embedded data). pygeoapi: "
        f"`{' '.join(map(str, pygeoapi_cmd))}` with target/bench/ogc/pygeoapi.yml.",
        f"Each cell: `wrk -t{min(2, args.connections)} -c{args.connections} -d{args.seconds}s --timeout 60s "
        f"--latency -s bench/ogc.lua` (for (d): {args.seconds * CASES[3].longer} s, at most "
        f"{CASES[3].connections} connections), {args.runs} run(s), the "
        "servers taking turns run by run; req/s as min / median / max of the runs, latency the median of "
        "the runs' p50 and p99, answers the median number of answers in a run.",
        "",
        "| case | server | req/s min / median / max | p50 ms | p99 ms | answers | errors | "
        "Kvarter / this (median req/s) |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for case in timed:
        mine = statistics.median(r[0] for r in results[case.key, KVARTER_SERVER.name])
        for server in servers:
            runs = results[case.key, server.name]
            low, mid, high = spread([r[0] for r in runs])
            ratio = "—" if server is KVARTER_SERVER else f"{mine / mid:.1f}×" if mid else "∞"
            lines.append(
                f"| ({case.key}) {case.title} | {server.name} | {low:.1f} / **{mid:.1f}** / {high:.1f} | "
                f"{statistics.median(r[1] for r in runs):.2f} | {statistics.median(r[2] for r in runs):.2f} | "
                f"{statistics.median(r[4] for r in runs):.0f} | {sum(r[3] for r in runs)} | {ratio} |")
    lines += ["", "Request paths: Kvarter `" + KVARTER_SERVER.path(CASES[0]).split("?")[0] + "?…`, pygeoapi "
              "`/collections/{id}/items?…` (GeoJSON provider) and `/collections/{id}-fgb/items?…` (OGR "
              "provider on FlatGeobuf); the same query string for all:", ""]
    lines += [f"- ({c.key}) `{c.query}` on `{c.layer}`" for c in CASES]
    lines += ["", "Layers exported from Kvarter's `/api/layers/{id}/features`: "
              + ", ".join(f"{layer} {n:,} features" for layer, n in counts.items()) + ".", "",
              "Answers compared before timing (properties and geometry against Kvarter's feature of the "
              "same `properties.id`):", ""] + checked
    lines += ["", f"The whole run took {elapsed:.0f} s.", ""]
    text = "\n".join(lines)
    (OUT / ("ogc-smoke.md" if args.smoke else "ogc.md")).write_text(text)
    return text


if __name__ == "__main__":
    main()
