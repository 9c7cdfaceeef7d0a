#!/usr/bin/env python3
"""Kvarter's designation diff and indicator join against the same computations in PostGIS.

Called by scripts/bench-compare (which installs PostgreSQL 15 + PostGIS 3 and GDAL and builds the
release binary). Usage: bench_compare.py [RUNS, default 20]. Writes target/bench/compare.md.

What is measured, in one run of one commit:

* **Kvarter**: the criterion benches `compare/full` (kvarter-compare) and
  `roder-2023 -> udsatte-byomraader-{2011,2017}/synthetic extensive, with overlaps`
  (kvarter-indicators), run here with the commands in KVARTER_BENCHES; the medians are read from
  target/criterion/**/new/estimates.json (only files written by this run are accepted).
* **PostGIS** (the peer): the same three layers loaded from the same geodata/*.fgb with ogr2ogr,
  projected to EPSG:25832 (ogr2ogr -t_srs, i.e. PROJ) with GiST indexes, into a throwaway
  cluster. Each case is one SQL statement sent by psql over a Unix socket; psql's \\timing gives
  its wall time (planning, execution and sending the answer). The statement runs RUNS + 1 times
  in one session and the first run is dropped (it pays once-per-session costs such as PROJ's
  set-up for ST_Transform); the table shows the median of the rest. Server settings are the
  defaults.

Why the pairs are comparable:

* `compare/full` computes, from the two layers: both unions and the summary (kept, added,
  removed), every pair of overlapping areas (bounding-box candidates, then the exact
  intersection, and both differences), each area's part against the union of its partners on the
  other side, and the pieces for the map (each pair's overlap and each area's rest) projected
  back to lon/lat. COMPARE_SQL does each of those steps with the GEOS function of the same
  meaning and returns every number Kvarter's JSON holds except what depends on names (best match,
  renamed); the pieces are projected back (ST_Transform) and counted, not returned. One
  difference favours PostGIS: its tables are already in EPSG:25832, while Kvarter's number
  includes projecting both layers (criterion's `compare/project`, about 1.4 ms).
* The join benches start from layers already projected (the service does that once per data
  version), as do the PostGIS tables. Both find candidate roder by bounding box, intersect them
  exactly with each area, leave out slivers (under a millionth of the smaller area) and sum
  value x overlap / rode area per area. The values are synthetic on both sides (seeded random
  numbers in Kvarter, each rode's `rode_nr` in PostGIS): the cost does not depend on them.

Correctness: the compare statement's answer (fetched once before timing) is checked against
`target/release/kvarter compare --format json` on the same layers: the summary totals and every
pair's kept area must agree within max(1 m², 1e-6 of the value); the pairs' removed and added
areas, the areas' parts and the counts (pairs, slivers, matched areas, pieces) are checked the
same way. Any difference is printed, written to the report, and makes the script exit non-zero.
The joins' overlapping-pair counts are compared with those the Kvarter bench prints (reported,
not fatal: the values differ by design).
"""

import functools
import json
import os
import re
import statistics
import subprocess
import sys
import time

import benchlib
from benchlib import OUT, ROOT, close, machine

CRITERION = ROOT / "target" / "criterion"
KVARTER = benchlib.release_binary()
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
PG_PORT = 15433
FROM, TO, RODER = "udsatte-byomraader-2011", "udsatte-byomraader-2017", "roder-2023"
TABLES = {FROM: "ub2011", TO: "ub2017", RODER: "roder"}

KVARTER_BENCHES = [
    ["cargo", "bench", "-p", "kvarter-compare", "--bench", "compare", "--",
     "--warm-up-time", "1", "--measurement-time", "4", "compare/full"],
    ["cargo", "bench", "-p", "kvarter-indicators", "--bench", "join", "--",
     "--warm-up-time", "1", "--measurement-time", "3", "with overlaps"],
]

# The whole diff of ub2011 (from) and ub2017 (to), as Kvarter's `compare` computes it (see the
# steps in crates/kvarter-compare/src/diff.rs), answered as one JSON document.
COMPARE_SQL = """
WITH
uf AS MATERIALIZED (SELECT ST_Union(geom) AS g FROM ub2011),
ut AS MATERIALIZED (SELECT ST_Union(geom) AS g FROM ub2017),
summary AS MATERIALIZED (
  SELECT ST_Area(uf.g) AS from_total_m2, ST_Area(ut.g) AS to_total_m2,
         ST_Area(ST_Intersection(uf.g, ut.g)) AS kept_m2,
         ST_Area(ST_Difference(ut.g, uf.g)) AS added_m2,
         ST_Area(ST_Difference(uf.g, ut.g)) AS removed_m2
  FROM uf, ut),
candidates AS MATERIALIZED (
  SELECT f.fid AS from_id, t.fid AS to_id, f.geom AS fg, t.geom AS tg,
         ST_Area(f.geom) AS from_m2, ST_Area(t.geom) AS to_m2,
         ST_Intersection(f.geom, t.geom) AS kept
  FROM ub2011 f JOIN ub2017 t ON f.geom && t.geom AND ST_Intersects(f.geom, t.geom)),
pairs AS MATERIALIZED (
  SELECT from_id, to_id, tg, fg, kept, kept_m2, from_m2, to_m2,
         ST_Area(ST_Difference(fg, tg)) AS removed_m2,
         ST_Area(ST_Difference(tg, fg)) AS added_m2,
         kept_m2 < greatest(1.0, 0.001 * least(from_m2, to_m2)) AS sliver
  FROM (SELECT *, ST_Area(kept) AS kept_m2 FROM candidates) c
  WHERE kept_m2 > 0),
from_parts AS MATERIALIZED (
  SELECT f.fid AS id, ST_Area(f.geom) AS area_m2,
         coalesce(ST_Area(ST_Intersection(f.geom, u.g)), 0) AS kept_m2,
         coalesce(ST_Difference(f.geom, u.g), f.geom) AS rest,
         u.matches
  FROM ub2011 f CROSS JOIN LATERAL (
    SELECT ST_Union(p.tg) AS g, count(*) FILTER (WHERE NOT p.sliver) AS matches
    FROM pairs p WHERE p.from_id = f.fid) u),
to_parts AS MATERIALIZED (
  SELECT t.fid AS id, ST_Area(t.geom) AS area_m2,
         coalesce(ST_Area(ST_Intersection(t.geom, u.g)), 0) AS kept_m2,
         coalesce(ST_Difference(t.geom, u.g), t.geom) AS rest,
         u.matches
  FROM ub2017 t CROSS JOIN LATERAL (
    SELECT ST_Union(p.fg) AS g, count(*) FILTER (WHERE NOT p.sliver) AS matches
    FROM pairs p WHERE p.to_id = t.fid) u),
pieces AS MATERIALIZED (
  SELECT ST_Transform(g, 4326) AS g FROM (
    SELECT kept AS g FROM pairs
    UNION ALL SELECT rest FROM from_parts WHERE ST_Area(rest) > 0
    UNION ALL SELECT rest FROM to_parts WHERE ST_Area(rest) > 0) p)
SELECT json_build_object(
  'summary', (SELECT json_build_object(
     'from_total_m2', from_total_m2, 'to_total_m2', to_total_m2, 'kept_m2', kept_m2,
     'added_m2', added_m2, 'removed_m2', removed_m2,
     'kept_share_of_from', kept_m2 / from_total_m2, 'kept_share_of_to', kept_m2 / to_total_m2,
     'removed_share_of_from', removed_m2 / from_total_m2, 'added_share_of_to', added_m2 / to_total_m2,
     'from_areas', (SELECT count(*) FROM from_parts), 'to_areas', (SELECT count(*) FROM to_parts),
     'matched_from', (SELECT count(*) FROM from_parts WHERE matches > 0),
     'matched_to', (SELECT count(*) FROM to_parts WHERE matches > 0),
     'pairs', (SELECT count(*) FROM pairs WHERE NOT sliver),
     'slivers', (SELECT count(*) FROM pairs WHERE sliver)) FROM summary),
  'pairs', (SELECT json_agg(json_build_object(
     'from_id', from_id, 'to_id', to_id, 'kept_m2', kept_m2, 'removed_m2', removed_m2,
     'added_m2', added_m2, 'share_of_from', kept_m2 / from_m2, 'share_of_to', kept_m2 / to_m2,
     'sliver', sliver) ORDER BY from_id, to_id) FROM pairs),
  'from_areas', (SELECT json_agg(json_build_object(
     'id', id, 'area_m2', area_m2, 'kept_m2', kept_m2, 'removed_m2', ST_Area(rest),
     'matched', matches > 0) ORDER BY id) FROM from_parts),
  'to_areas', (SELECT json_agg(json_build_object(
     'id', id, 'area_m2', area_m2, 'kept_m2', kept_m2, 'added_m2', ST_Area(rest),
     'matched', matches > 0) ORDER BY id) FROM to_parts),
  'pieces', (SELECT count(*) FROM pieces WHERE NOT ST_IsEmpty(g)))
"""

# Areal weighting of a synthetic extensive value (each rode's rode_nr) from the roder onto the
# areas of {target}: per area, the sum of value x overlap / rode area, with its coverage and the
# number of roder it overlaps. Overlaps under a millionth of the smaller area are slivers, left out
# as kvarter_indicators::areal_weighting::SLIVER says. MATERIALIZED keeps each intersection computed once: a flattened
# subquery would repeat the expression in every aggregate that reads it.
JOIN_SQL = """
WITH shared AS MATERIALIZED (
  SELECT t.fid AS target, r.rode_nr::float8 AS v, ST_Area(r.geom) AS r_m2, ST_Area(t.geom) AS t_m2,
         ST_Area(ST_Intersection(r.geom, t.geom)) AS o_m2
  FROM {target} t JOIN roder r ON r.geom && t.geom AND ST_Intersects(r.geom, t.geom))
SELECT target, sum(v * o_m2 / r_m2) AS value, least(1, sum(o_m2) / max(t_m2)) AS coverage,
       count(*) AS parts
FROM shared WHERE o_m2 > 0 AND o_m2 >= 1e-6 * least(r_m2, t_m2)
GROUP BY target ORDER BY target
"""


# This script's failed commands are reported with the last 3000 characters of stdout and stderr.
run = functools.partial(benchlib.run, tail=3000)


# --- Kvarter ------------------------------------------------------------------------------------

def shell(cmd):
    return " ".join(f"'{a}'" if " " in a else a for a in cmd)


def kvarter_benches():
    """Runs the criterion benches. Returns {full_id: (median ns, fastest sample ns)} of the
    benches this run wrote, and the set-up lines the benches print (pair and piece counts)."""
    started = time.time()
    notes = []
    for cmd in KVARTER_BENCHES:
        print("$", shell(cmd), flush=True)
        done = subprocess.run(cmd, cwd=ROOT, text=True, capture_output=True)
        if done.returncode != 0:
            sys.exit(f"cargo bench failed:\n{done.stderr[-3000:]}")
        notes += [l.strip() for l in done.stderr.splitlines() if " vs " in l or "overlapping pairs" in l]
    results = {}
    for bench in CRITERION.glob("**/new/benchmark.json"):
        estimates = bench.with_name("estimates.json")
        if estimates.stat().st_mtime < started:
            continue  # from an earlier run
        full_id = json.loads(bench.read_text())["full_id"]
        median = json.loads(estimates.read_text())["median"]["point_estimate"]
        sample = json.loads(bench.with_name("sample.json").read_text())
        fastest = min(t / n for t, n in zip(sample["times"], sample["iters"]))
        results[full_id] = (median, fastest)
        print(f"   {full_id}: median {median / 1e6:.2f} ms (fastest sample {fastest / 1e6:.2f} ms)")
    return results, notes


def kvarter_compare():
    out = run([str(KVARTER), "compare", "--from", FROM, "--to", TO, "--format", "json"])
    return json.loads(out)


# --- PostGIS ------------------------------------------------------------------------------------

class Postgis(benchlib.Postgis):
    """The comparison's cluster: socket in its own directory, default settings; the three layers."""

    def __init__(self):
        super().__init__(PG_PORT, run=run)

    def load(self):
        self.psql("CREATE EXTENSION postgis")
        for layer, table in TABLES.items():
            self.ogr2ogr(ROOT / "geodata" / f"{layer}.fgb", layer,
                         "-nln", table, "-nlt", "MULTIPOLYGON", "-t_srs", "EPSG:25832",
                         "-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=GIST")
        for table in TABLES.values():
            self.psql(f"VACUUM ANALYZE {table}")  # VACUUM cannot run in a transaction: one per call
        counts = self.psql("SELECT " + ", ".join(
            f"(SELECT count(*) || ' ' || count(*) FILTER (WHERE NOT ST_IsValid(geom)) FROM {t})"
            for t in TABLES.values()))
        indexes = self.psql("SELECT count(*) FROM pg_indexes WHERE indexdef LIKE '%USING gist%'")
        return [c.split() for c in counts.split("|")], int(indexes)

    def time(self, sql, runs):
        """Wall times in ms of RUNS + 1 runs of `sql` in one session, per psql's \\timing."""
        script = self.dir / "timed.sql"
        script.write_text("\\timing on\n\\o /dev/null\n" + (sql.strip() + ";\n") * (runs + 1))
        out = run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(script)] + self.conn + ["-d", self.dbname])
        times = [float(t) for t in re.findall(r"^Time: ([\d.]+) ms", out, re.M)]
        if len(times) != runs + 1:
            sys.exit(f"expected {runs + 1} timings from psql, got {len(times)}:\n{out}")
        return times

    def versions(self):
        return self.psql("SELECT 'PostgreSQL ' || current_setting('server_version') || ', PostGIS '"
                         " || postgis_lib_version() || ' (GEOS ' || postgis_geos_version() || ', PROJ '"
                         " || postgis_proj_version() || ')'").strip()


# --- checks and report --------------------------------------------------------------------------

def check(kvarter, postgis):
    """Kvarter's compare answer against PostGIS's: returns (lines to print, failures)."""
    lines, failures = [], []

    def same(what, k, p):
        ok = close(k, p)
        if not ok:
            failures.append(f"{what}: Kvarter {k:.3f} m², PostGIS {p:.3f} m² (difference {k - p:+.3f} m²)")
        return ok

    ks, ps = kvarter["summary"], postgis["summary"]
    for key in ("from_total_m2", "to_total_m2", "kept_m2", "added_m2", "removed_m2"):
        ok = same(f"summary {key}", ks[key], ps[key])
        lines.append(f"| {key} | {ks[key]:,.2f} | {ps[key]:,.2f} | {ks[key] - ps[key]:+.4f} | {'ok' if ok else 'DIFFERENT'} |")
    for key in ("pairs", "slivers", "matched_from", "matched_to"):
        if ks[key] != ps[key]:
            failures.append(f"summary {key}: Kvarter {ks[key]}, PostGIS {ps[key]}")
    kp = {(p["from_id"], p["to_id"]): p for p in kvarter["pairs"]}
    pp = {(p["from_id"], p["to_id"]): p for p in postgis["pairs"]}
    zero = {"kept_m2": 0.0, "removed_m2": 0.0, "added_m2": 0.0}
    worst = 0.0
    for key in sorted(kp.keys() | pp.keys()):
        k, p = kp.get(key, zero), pp.get(key, zero)
        if key not in kp or key not in pp:
            failures.append(f"pair {key[0]} -> {key[1]} only in {'PostGIS' if key in pp else 'Kvarter'} "
                            f"(kept {max(k['kept_m2'], p['kept_m2']):.3f} m²)")
        for field in ("kept_m2", "removed_m2", "added_m2"):
            same(f"pair {key[0]} -> {key[1]} {field}", k[field], p[field])
            worst = max(worst, abs(k[field] - p[field]))
    for side, rest in (("from_areas", "removed_m2"), ("to_areas", "added_m2")):
        pa = {a["id"]: a for a in postgis[side]}
        for area in kvarter[side]:
            other = pa.get(area["id"])
            if other is None:
                failures.append(f"{side} {area['id']} missing in PostGIS")
                continue
            for field in ("area_m2", "kept_m2", rest):
                same(f"{side} {area['id']} {field}", area[field], other[field])
                worst = max(worst, abs(area[field] - other[field]))
    if len(kvarter["pieces"]) != postgis["pieces"]:
        failures.append(f"pieces: Kvarter {len(kvarter['pieces'])}, PostGIS {postgis['pieces']}")
    summary = (f"{len(kp)} pairs in Kvarter, {len(pp)} in PostGIS; pieces {len(kvarter['pieces'])} and "
               f"{postgis['pieces']}; largest difference of any pair's or area's kept/removed/added/area: "
               f"{worst:.4f} m²")
    return lines, summary, failures


def git(*args):
    return subprocess.run(["git", *args], cwd=ROOT, text=True, capture_output=True).stdout.strip()


def commit():
    """The commit, and any uncommitted changes to the files the code and data are built from."""
    head = git("rev-parse", "--short=7", "HEAD") or "unknown"
    files = git("diff", "--name-only", "HEAD", "--", "Cargo.toml", "Cargo.lock", "crates", "geodata").split()
    if len(files) > 6:
        files = files[:6] + [f"{len(files) - 6} more"]
    return head + (f" with uncommitted changes to {', '.join(files)}" if files else "")


def fmt_ms(ns):
    return f"{ns / 1e6:.1f} ms" if ns is not None else "(missing)"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    version, built_from = run([str(KVARTER), "--version"]).strip(), commit()
    load = {"at the start": os.getloadavg()[0]}

    print("== Kvarter: criterion", flush=True)
    kvarter, bench_notes = kvarter_benches()
    load["after criterion"] = os.getloadavg()[0]

    print("== PostGIS", flush=True)
    pg = Postgis()
    try:
        counts, gist = pg.load()
        pg_version = pg.versions()
        postgis_answer = json.loads(pg.psql(COMPARE_SQL))
        joins = {target: pg.psql(JOIN_SQL.format(target=TABLES[target])) for target in (FROM, TO)}
        cases = [("compare", COMPARE_SQL)] + [(t, JOIN_SQL.format(target=TABLES[t])) for t in (FROM, TO)]
        postgis = {}
        for name, sql in cases:
            times = pg.time(sql, RUNS)
            postgis[name] = (statistics.median(times[1:]) * 1e6, min(times[1:]) * 1e6)  # ns
            print(f"   {name}: first {times[0]:.1f} ms, median of the next {RUNS} {statistics.median(times[1:]):.1f} ms "
                  f"(min {min(times[1:]):.1f}, max {max(times[1:]):.1f})", flush=True)
    finally:
        pg.stop()
    load["after PostGIS"] = os.getloadavg()[0]
    if commit() != built_from:
        built_from += f" (the checkout changed during the run: now {commit()})"

    print("== Correctness", flush=True)
    check_lines, check_summary, failures = check(kvarter_compare(), postgis_answer)

    extensive = "synthetic extensive, with overlaps"
    rows = [
        ("designation diff 2011 → 2017, everything (`compare/full`)", kvarter.get("compare/full"),
         postgis["compare"]),
        (f"areal weighting roder-2023 → {FROM} (`{extensive}`)",
         kvarter.get(f"{RODER} -> {FROM}/{extensive}"), postgis[FROM]),
        (f"areal weighting roder-2023 → {TO} (`{extensive}`)",
         kvarter.get(f"{RODER} -> {TO}/{extensive}"), postgis[TO]),
    ]
    missing = [name for name, k, _ in rows if k is None]
    others = sorted((k, v[0]) for k, v in kvarter.items() if k.startswith(RODER) and extensive not in k)
    cmd = "scripts/bench-compare" + (f" {RUNS}" if len(sys.argv) > 1 else "")
    loaded = ", ".join(f"{layer} ({n} areas, {bad} invalid)" for layer, (n, bad) in zip(TABLES, counts))
    lines = [
        "# Designation diff and areal-weighting join: Kvarter against PostGIS",
        "",
        f"Command: `{cmd}` (runs = {RUNS}).",
        f"Machine: {machine()}. 1-minute load average: "
        + ", ".join(f"{v:.2f} {k}" for k, v in load.items()) + " (the cores are shared with other work).",
        f"Versions: `{version}`, built from {built_from}; {pg_version}, default settings.",
        "",
        "Kvarter: criterion medians, from "
        + "; ".join(f"`{shell(c)}`" for c in KVARTER_BENCHES) + ".",
        f"PostGIS: {loaded} loaded with `ogr2ogr -t_srs EPSG:25832` into a throwaway cluster, "
        f"{gist} GiST indexes, VACUUM ANALYZE; each case one SQL statement through psql over a Unix "
        f"socket, wall time per psql `\\timing` (planning + execution + answer), {RUNS + 1} runs in one "
        f"session, the first dropped, median of {RUNS}.",
        "",
        "| case | Kvarter (criterion median) | PostGIS (median) | PostGIS / Kvarter | Kvarter fastest sample | PostGIS fastest run |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, k, p in rows:
        k = k or (None, None)
        ratio = f"{p[0] / k[0]:.2f}×" if k[0] else "—"
        lines.append(f"| {name} | {fmt_ms(k[0])} | {fmt_ms(p[0])} | {ratio} | {fmt_ms(k[1])} | {fmt_ms(p[1])} |")
    lines += [
        "",
        "A ratio above 1 means Kvarter is faster. The fastest sample (criterion: the mean of one "
        "sample's iterations) and the fastest run show what each does when the other work on the "
        "machine leaves it alone. Kvarter's `compare/full` includes projecting both "
        "layers from lon/lat (`compare/project`: 1.38 ms in BENCHMARKS.md); the PostGIS tables are stored projected. "
        "PostGIS computes the same geometry (unions, pairs, both differences per pair, each area "
        "against its partners' union, the pieces projected back to lon/lat and counted) and returns "
        "every number as one JSON row; the joins return value, coverage and part count per area "
        "(synthetic value: `rode_nr`).",
    ]
    if others:
        lines.append("Other join medians of the same criterion run: "
                     + "; ".join(f"`{k}` {fmt_ms(v)}" for k, v in others) + ".")
    if bench_notes:
        lines.append("The benches print: " + "; ".join(bench_notes) + ".")
    lines += [
        "",
        "## Correctness (PostGIS against `target/release/kvarter compare "
        f"--from {FROM} --to {TO} --format json`)",
        "",
        "| summary | Kvarter m² | PostGIS m² | difference m² | |",
        "|---|---:|---:|---:|---|",
        *check_lines,
        "",
        check_summary + ". Tolerance: max(1 m², 1e-6 of the value).",
        "",
        ("**Result: agree.**" if not failures else
         f"**Result: {len(failures)} differences:**\n\n" + "\n".join(f"- {f}" for f in failures)),
    ]
    lines.append("")
    lines.append("Joins: overlapping (rode, area) pairs, slivers under 1e-6 of the smaller area left out, "
                 "Kvarter (printed by the bench) and PostGIS:")
    for target, out in joins.items():
        kvarter_pairs = next((re.search(r"(\d+) overlapping pairs", n).group(1) for n in bench_notes
                              if f"-> {target}:" in n), "?")
        postgis_pairs = sum(int(r.split("|")[3]) for r in out.splitlines() if r)
        lines.append(f"- {target}: {kvarter_pairs} and {postgis_pairs}"
                     f" ({'agree' if str(postgis_pairs) == kvarter_pairs else 'DIFFERENT'})")
    lines.append("")
    lines.append("PostGIS joins (target, value, coverage, parts):")
    for target, out in joins.items():
        lines.append(f"- {target}: " + "; ".join(
            f"{t} {float(v):,.0f} ({float(c):.4f}, {n})" for t, v, c, n in (r.split("|") for r in out.splitlines() if r)))
    text = "\n".join(lines) + "\n"
    (OUT / "compare.md").write_text(text)
    print(text)
    if missing:
        sys.exit(f"bench_compare: criterion wrote no result in this run for: {'; '.join(missing)}")
    if failures:
        sys.exit(f"bench_compare: {len(failures)} differences between PostGIS and Kvarter")


if __name__ == "__main__":
    main()
