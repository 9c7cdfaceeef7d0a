"""Helpers shared by Kvarter's benchmark scripts: bench_lookup.py, bench_tiles.py, bench_compare.py,
bench_render.py and bench_ogc.py (and the area tolerance of check_compare.py).

One copy each of what the scripts used to carry themselves: running a command that must succeed
(`run`), the machine line of the reports (`machine`), medians of repeated runs (`median_of`),
starting a server and waiting for its /health (`start_server`, `serve_command`, `release_binary`),
running wrk and reading its output (`wrk`, `parse_wrk`), a throwaway PostgreSQL/PostGIS cluster
(`Postgis`) and the tolerance two computed areas must agree within (`close`).

Where the scripts did a thing slightly differently (ports, socket directory, server settings, wrk's
timeout, how much of a failed command's output is shown, how long a server may take to start),
that is a parameter here; each script passes its own value, so its behaviour and reports are
unchanged. The scripts run as `python3 scripts/bench_x.py`, so scripts/ is on sys.path and they
`import benchlib`. Standard library only: check_compare.py imports it from a virtualenv that holds
nothing but shapely and pyproj.
"""

import http.client
import math
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import NamedTuple

ROOT = pathlib.Path(__file__).resolve().parent.parent
"""The checkout (the scripts' wrappers cd there first)."""
OUT = ROOT / "target" / "bench"
"""Where the benchmarks write their inputs, logs and Markdown tables."""
PG_BIN = pathlib.Path("/usr/lib/postgresql/15/bin")
"""initdb and pg_ctl of Debian's postgresql-15, which the wrappers install."""


# --- commands -------------------------------------------------------------------------------------

def run(cmd, *, show_stdout=True, tail=None, **kw):
    """Runs `cmd` (a list; Paths are fine), capturing its output as text; returns its stdout.

    On a non-zero exit, stops the script (sys.exit) with the command, its exit status and its
    output: stdout and stderr, or stderr alone with show_stdout=False; with `tail`, only the last
    `tail` characters of each. Other keywords go to subprocess.run (env, input, cwd, ...)."""
    done = subprocess.run(cmd, text=True, capture_output=True, **kw)
    if done.returncode != 0:
        cut = (lambda text: text[-tail:]) if tail else (lambda text: text)
        output = f"{cut(done.stdout)}\n{cut(done.stderr)}" if show_stdout else cut(done.stderr)
        sys.exit(f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n{output}")
    return done.stdout


def machine():
    """One line for a report: cores and CPU model, RAM, kernel."""
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
    return f"{os.cpu_count()} cores ({cpu}), {int(mem) // 1024 // 1024} GiB RAM, {os.uname().sysname} {os.uname().release}"


def median_of(runs):
    """Per column, the median of the runs, given as a list of equal-length tuples. NaN values
    are left out (a wrk run without a single answer has no latency); a column of only NaN gives NaN."""
    return tuple(statistics.median([v for v in values if not math.isnan(v)] or [math.nan]) for values in zip(*runs))


def close(a, b):
    """Whether two areas (m²) agree: within 1 m² or 1e-6 of the larger, whichever is more."""
    return abs(a - b) <= max(1.0, 1e-6 * max(abs(a), abs(b)))


# --- servers --------------------------------------------------------------------------------------

def release_binary(target_dir=None):
    """The kvarter release binary the wrappers build: `target_dir`/release/kvarter, by default
    ROOT/target (bench_tiles.py passes $CARGO_TARGET_DIR, which cargo builds into when set)."""
    return pathlib.Path(ROOT / "target" if target_dir is None else target_dir) / "release" / "kvarter"


def serve_command(binary, port, *args):
    """The command line of `kvarter serve` on 127.0.0.1:`port`, with any further arguments."""
    return [str(binary), "serve", "--bind", f"127.0.0.1:{port}", *args]


def healthy(port, timeout=1, path="/health"):
    """Whether GET `path` (by default /health) on 127.0.0.1:`port` answers 200 within `timeout`
    seconds."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as answer:
            return answer.status == 200
    except (OSError, http.client.HTTPException):
        return False


def start_server(cmd, port, name, log=None, attempts=100, env=None, ready="/health"):
    """Starts `cmd` (with RUST_LOG=warn and NO_COLOR=1, plus `env`) and waits until GET `ready`
    (by default /health) on `port` answers 200, checking every 0.1 s, at most `attempts` times;
    returns the Popen. A peer without /health names another path (pygeoapi: its landing page).

    stdout is discarded, stderr goes to the file `log` (or is discarded). If the process exits or
    never gets healthy, stops it and the script (sys.exit), naming `name` and the log."""
    env = dict(os.environ, RUST_LOG="warn", NO_COLOR="1", **(env or {}))
    if log is None:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        with open(log, "w") as stderr:
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    see = f"; see {log}" if log is not None else ""
    for _ in range(attempts):
        if proc.poll() is not None:
            sys.exit(f"{name} exited ({proc.returncode}){see}")
        if healthy(port, path=ready):
            return proc
        time.sleep(0.1)
    stop_process(proc)
    sys.exit(f"{name} did not start{see}")


def stop_process(proc, grace=10):
    """Stops a running process: SIGTERM, then SIGKILL if it has not exited after `grace` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- wrk ------------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
"""wrk's time units, in milliseconds."""


def wrk(port, connections, seconds, script, env=None, timeout=None, run=run):
    """One wrk run against http://127.0.0.1:`port` with its Lua `script`; returns wrk's output.

    `connections` connections on min(2, connections) threads for `seconds` seconds, with
    --latency (the percentile lines parse_wrk reads) and, when given, --timeout `timeout` (e.g.
    "30s"). `env` adds environment variables (how the Lua scripts are told their lists and
    headers); `run` is the script's run (its failure message)."""
    threads = min(2, connections)
    return run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s"]
               + (["--timeout", timeout] if timeout else [])
               + ["--latency", "-s", str(script), f"http://127.0.0.1:{port}"],
               env=dict(os.environ, **(env or {})))


class WrkResult(NamedTuple):
    """What one wrk run printed."""

    requests: int
    """Requests completed ("N requests in ...")."""
    rps: float
    """Requests/sec, every answer counted, errors too."""
    non_2xx: int
    """Answers >= 400 ("Non-2xx or 3xx responses", printed only when there are any)."""
    socket_errors: int
    """Connect, read, write and timeout errors, summed."""
    latency_ms: dict
    """{percentile: ms} from the latency distribution (50, 75, 90, 99); empty without answers."""


def parse_wrk(out):
    """Reads the output of a `wrk --latency` run (see WrkResult); stops the script if wrk printed
    no request count or no Requests/sec."""
    requests = re.search(r"(\d+) requests in", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not requests or not rps:
        sys.exit("wrk printed no request count or rate:\n" + out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    latency = {int(p): float(v) * UNITS[unit]
               for p, v, unit in re.findall(r"^\s*(\d+)%\s+([\d.]+)(us|ms|s)\b", out, re.M)}
    return WrkResult(int(requests.group(1)), float(rps.group(1)), int(bad.group(1)) if bad else 0,
                     sum(map(int, socket.groups())) if socket else 0, latency)


# --- PostgreSQL / PostGIS -------------------------------------------------------------------------

class Postgis:
    """A throwaway PostgreSQL cluster with one database, for the PostGIS side of a benchmark.

    initdb (trust authentication) and pg_ctl run as the postgres user on a temporary directory
    (prefix kvarter-pg-), the server on `port` with TCP off (Unix socket in `socket_dir`, by
    default that directory), plus `settings` as `-c name=value` options (none: the defaults);
    then createdb `dbname`. Needs root (runuser) and PostgreSQL in `bin_dir`; the postgis
    extension is the caller's to create. Commands go through `run` (the script's, for its failure
    message). stop() stops the server and removes the directory; subclasses add the loading and
    queries of one benchmark."""

    def __init__(self, port, socket_dir=None, settings=None, dbname="kvarter", bin_dir=PG_BIN, run=run):
        self.run, self.port, self.dbname, self.bin_dir = run, port, dbname, pathlib.Path(bin_dir)
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="kvarter-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.socket_dir = str(self.dir if socket_dir is None else socket_dir)
        self.as_pg = ["runuser", "-u", "postgres", "--"]
        options = f"-p {port} -k {self.socket_dir} -c listen_addresses=''" + "".join(
            f" -c {name}={value}" for name, value in (settings or {}).items())
        run(self.as_pg + [str(self.bin_dir / "initdb"), "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres"])
        run(self.as_pg + [str(self.bin_dir / "pg_ctl"), "-D", str(self.dir / "data"), "-w", "-l", str(self.dir / "log"),
                          "-o", options, "start"])
        self.conn = ["-h", self.socket_dir, "-p", str(port), "-U", "postgres"]  # for psql, pgbench, createdb
        run(["createdb"] + self.conn + [dbname])

    @property
    def dsn(self):
        """The database as GDAL names it (ogr2ogr's destination)."""
        return f"PG:host={self.socket_dir} port={self.port} user=postgres dbname={self.dbname}"

    def psql(self, sql, stdin=None):
        """Runs `sql` with psql -c (stopping at the first error); returns the rows unaligned
        (-At: columns separated by |, no header). `stdin` is fed to psql (COPY ... FROM STDIN)."""
        return self.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At"] + self.conn
                        + ["-d", self.dbname, "-c", sql], input=stdin)

    def ogr2ogr(self, source, *args):
        """Loads the vector file `source` into the database: ogr2ogr -f PostgreSQL, then `args`."""
        self.run(["ogr2ogr", "-f", "PostgreSQL", self.dsn, str(source), *args])

    def stop(self):
        """Stops the server (fast shutdown; errors ignored) and removes the cluster's directory."""
        subprocess.run(self.as_pg + [str(self.bin_dir / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "stop"],
                       capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)
