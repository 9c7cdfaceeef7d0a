"""National-scale addresses on a SYNTHETIC register (scripts/bench-addresses runs this).

For each size N:
1. `national_addresses generate N` writes target/bench/addresses/synthetic-adgangsadresser-N.csv
   (seeded, DAWA's CSV columns plus `synthetic=true`; not timed, kept for the next run);
2. the real `kvarter addresses import FILE --out DIR` under /usr/bin/time -v: its own rows/s
   line, wall-clock time and peak RSS;
3. `national_addresses measure DIR/addresses-imported.csv QUERIES` under /usr/bin/time -v: the
   address index loaded as a data folder loads it (streamed read, `Gazetteer::new`,
   `Reverse::new`), its RSS after the build (VmRSS) and peak (VmHWM), then every query of each
   seeded list (QUERIES per kind) timed once: p50/p99/max in µs.
The table goes to target/bench/addresses.md. `--smoke` runs 3,000 rows on the debug build and
fails when a query does not find what it was made from.
"""

import os
import re
import shutil
import subprocess
import sys
import time

import benchlib

SMOKE = "--smoke" in sys.argv
SIZES = [int(a) for a in sys.argv[1:] if not a.startswith("--")] or (
    [3000] if SMOKE else [200_000, 1_000_000, 4_000_000])
QUERIES = 300 if SMOKE else 2000
PROFILE = "debug" if SMOKE else "release"
TARGET = benchlib.pathlib.Path(os.environ.get("CARGO_TARGET_DIR", benchlib.ROOT / "target"))
KVARTER = TARGET / PROFILE / "kvarter"
TOOL = TARGET / PROFILE / "examples" / "national_addresses"
OUT = benchlib.OUT / ("addresses-smoke" if SMOKE else "addresses")
KINDS = ["autocomplete", "address", "fuzzy", "reverse"]


def timed(cmd):
    """Runs cmd under /usr/bin/time -v: (stdout, wall seconds, peak RSS in MiB, CPU seconds)."""
    started = time.monotonic()
    done = subprocess.run(["/usr/bin/time", "-v", *map(str, cmd)], text=True, capture_output=True)
    wall = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-4000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", done.stderr))
    return done.stdout, wall, int(rss.group(1)) / 1024 if rss else float("nan"), cpu


def values(out):
    return {k: v for k, v in (l.split("=", 1) for l in out.splitlines() if "=" in l)}


def one(n):
    OUT.mkdir(parents=True, exist_ok=True)
    source = OUT / f"synthetic-adgangsadresser-{n}.csv"
    if not source.exists():
        benchlib.run([TOOL, "generate", str(n), source])
    folder = OUT / f"data-{n}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    out, wall, import_rss, import_cpu = timed([KVARTER, "addresses", "import", source, "--out", folder])
    rate = re.search(r"read (\d+) rows .* in ([\d.]+) s \((\d+) rows/s\)", out)
    assert rate and int(rate.group(1)) == n, out
    imported = folder / "addresses-imported.csv"
    measure = [TOOL, "measure", imported, str(QUERIES)] + (["--check"] if SMOKE else [])
    out, _, measure_rss, _ = timed(measure)
    v = values(out)
    assert int(v["entries"]) == n, out
    return {
        "n": n, "csv_mb": source.stat().st_size / 1e6, "file_mb": imported.stat().st_size / 1e6,
        "import_s": float(rate.group(2)), "rows_s": int(rate.group(3)), "import_wall": wall,
        "import_rss": import_rss, "import_cpu": import_cpu, "measure_rss": measure_rss, **v,
    }


def main():
    load_before = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results = []
    for n in SIZES:
        r = one(n)
        results.append(r)
        print({k: r[k] for k in ("n", "rows_s", "build_s", "rss_mib", "hwm_mib", "autocomplete_p99_us")}, flush=True)
    load_after = os.getloadavg()
    m = lambda n: f"{n / 1e6:g} M"
    head = "| | " + " | ".join(m(r["n"]) for r in results) + " |"
    rule = "|---|" + "---:|" * len(results)
    row = lambda name, f: f"| {name} | " + " | ".join(f(r) for r in results) + " |"
    lines = [
        f"National-scale addresses on a **synthetic** register (seeded; scripts/bench-addresses"
        f"{' --smoke' if SMOKE else ''}), {PROFILE} build, {started}; {benchlib.machine()}; "
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after "
        "(the machine was shared with other builds).",
        "",
        head, rule,
        row("synthetic DAWA CSV, MB", lambda r: f"{r['csv_mb']:.0f}"),
        row("`kvarter addresses import`: time", lambda r: f"{r['import_s']:.2f} s"),
        row("import rows/s (wall clock, as the command prints it)", lambda r: f"{r['rows_s']:,}"),
        row("import CPU time (user + sys); rows per CPU second",
            lambda r: f"{r['import_cpu']:.2f} s; {r['n'] / max(r['import_cpu'], 1e-9):,.0f}"),
        row("import peak RSS (time -v)", lambda r: f"{r['import_rss']:.0f} MiB"),
        row("gazetteer file written, MB", lambda r: f"{r['file_mb']:.0f}"),
        row("load: read the file (streamed)", lambda r: f"{float(r['read_s']):.2f} s"),
        row("index build: gazetteer (fst)", lambda r: f"{float(r['gazetteer_s']):.2f} s"),
        row("index build: reverse (k-d tree)", lambda r: f"{float(r['reverse_s']):.2f} s"),
        row("RSS after the build (VmRSS)", lambda r: f"{r['rss_mib']} MiB"),
        row("peak RSS of the load (VmHWM)", lambda r: f"{r['hwm_mib']} MiB"),
        row("RSS after the queries (VmRSS)", lambda r: f"{r['rss_after_queries_mib']} MiB"),
    ]
    for kind in KINDS:
        lines.append(row(f"{kind}: p50 / p99 / max (µs), fastest of 3",
                         lambda r, k=kind: f"{r[k + '_p50_us']} / {r[k + '_p99_us']} / {r[k + '_max_us']}"))
        lines.append(row(f"{kind}: p50 / p99 (µs), first round alone",
                         lambda r, k=kind: f"{r[k + '_once_p50_us']} / {r[k + '_once_p99_us']}"))
    lines.append(row("queries per kind; not found (fuzzy)",
                     lambda r: f"{r['address_queries']}; {r['fuzzy_missed']}"))
    table = "\n".join(lines)
    name = "addresses-smoke.md" if SMOKE else "addresses.md"
    (benchlib.OUT / name).write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
