#!/usr/bin/python3
"""Runs the map image benchmark: Kvarter's /api/static images against Mapnik drawing the same maps.

Called by scripts/bench-render (which installs Debian's python3-mapnik and gdal-bin and builds the
release binary) with /usr/bin/python3: Debian's Mapnik bindings are built for Debian's Python.
Usage: bench_render.py [runs per case, default 15]

Views: single 2017 and side by side 2011|2017 (Kvarter also: changes 2011→2017, which Mapnik
cannot draw without a comparison computed for it), each 1200 × 800 at scale 1 and at scale 2
(2400 × 1600 pixels), PNG.

Kvarter's renderer alone, in process: the criterion bench of kvarter-render (its PNG cases), run
first with CRITERION_COMMAND; the medians read from criterion's estimates.json of this run.

Kvarter, over HTTP from `kvarter serve` (the embedded dataset), one keep-alive connection:
- cold: each request carries a title of its own, so it misses the image cache and is rendered;
- cached: the same request again (the image cache answers, with the same strong ETag).

Mapnik 3.1 (python3-mapnik), the peer: one mapnik.Map per panel built once (as a server would
keep it), fitted like Kvarter to the designations' box with a 4 % margin, in Web Mercator, then
per run mapnik.render into a new image and the PNG encoding (png32, RGBA; Kvarter writes RGB). Side by
side is two panels of 600 × 800 rendered one after the other and composited into one image. Two
sources of the same layers: GeoJSON through the geojson plugin (read into memory once, with its
own R-tree: in memory as Kvarter's data is) and the committed FlatGeobuf through the OGR plugin
(read from the file on every render, Mapnik's usual way with files).

Mapnik's style follows crates/kvarter-render/src/style.rs at the zoom level of the map (see
`mapnik_xml`): land, water, parks, city blocks (from zoom 14 on, as Kvarter), streets with
casing at Kvarter's widths, district outlines and upper-case labels in DejaVu Sans, the dashed
municipality outline, the designations (2017 filled, the reconstructed 2011 hatched with a
pattern image and dashed). Not drawn by Mapnik: title, year labels, legend, scale bar, north
arrow, sources — Kvarter draws all of them, so its images carry more.

Every number is the median of the runs (min–max beside it), the cases taking turns. Writes
target/bench/render.md and the images of one run of each into target/bench/render/.
"""

import http.client
import json
import math
import os
import pathlib
import statistics
import subprocess
import sys
import time
import urllib.parse

import benchlib
from benchlib import OUT, ROOT, machine, run

try:
    import mapnik
except ImportError:
    sys.exit("bench_render.py: no mapnik module; run scripts/setup-mapnik and use /usr/bin/python3")

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 15
PORT = 18083
WIDTH, HEIGHT = 1200, 800
SCALES = [1, 2]
KVARTER = benchlib.release_binary(os.environ.get("CARGO_TARGET_DIR"))
CRITERION = pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target") / "criterion"
CRITERION_COMMAND = ["cargo", "bench", "--locked", "-p", "kvarter-render", "--bench", "render", "--",
                     "--warm-up-time", "1", "--measurement-time", "3", "png"]
GEODATA = ROOT / "geodata"
IMAGES = OUT / "render"
RADIUS = 6_378_137.0
TILE = 512.0  # MapLibre's tile size: Kvarter's zoom levels are on 512-pixel tiles

# The values of crates/kvarter-render/src/style.rs (Style::kvarter) that these maps use.
STYLE = {
    "land": "#f3f1ec", "water": "#a9cce3", "parks": "#cfe3c1", "blocks": "#e6e1d8",
    "street": "#ffffff", "street_casing": "#cbc4b8", "district": "#8a8276",
    "municipality": "#4a4540", "label": "#3d3832", "halo": "#ffffff",
    "official": "#c2410c", "reconstructed": "#b45309",
}
STREET_STOPS, STREET_BASE, CASING_EXTRA = [(10.0, 0.6), (14.0, 3.0), (17.0, 12.0)], 1.6, 1.5
BLOCKS_MIN, CASING_MIN, DISTRICT_LABELS_MAX = 14.0, 11.0, 14.0
DESIGNATIONS = {2011: "udsatte-byomraader-2011", 2017: "udsatte-byomraader-2017"}
STATUS = {2011: "reconstructed", 2017: "official"}
BASE = ["vand-2014", "parker-2014", "karreer-2014", "vejklasser-2014"]
ADMIN = ["bydele-2023", "kommune-2023"]
LINE_LAYERS = {"vejklasser-2014"}

# (name, Kvarter's path and query, the designation years of Mapnik's panels; None: no Mapnik map)
VIEWS = [
    ("single 2017", "single", {"year": "2017"}, [2017]),
    ("side 2011|2017", "side", {"from": "2011", "to": "2017"}, [2011, 2017]),
    ("changes 2011→2017", "changes", {"from": "2011", "to": "2017"}, None),
]


def ms(seconds):
    return seconds * 1000.0


def summary(times):
    """(median, min, max) of a list of seconds, in milliseconds."""
    return ms(statistics.median(times)), ms(min(times)), ms(max(times))


# --- Mapnik ---------------------------------------------------------------------------------------

def mercator(lon, lat):
    return RADIUS * math.radians(lon), RADIUS * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def street_width(zoom, extra):
    """Kvarter's Streets::width: MapLibre's exponential interpolation between the stops."""
    (z0, w0), (zl, wl) = STREET_STOPS[0], STREET_STOPS[-1]
    if zoom <= z0:
        return w0 + extra
    if zoom >= zl:
        return wl + extra
    for (z0, w0), (z1, w1) in zip(STREET_STOPS, STREET_STOPS[1:]):
        if zoom <= z1:
            t = (STREET_BASE ** (zoom - z0) - 1) / (STREET_BASE ** (z1 - z0) - 1)
            return w0 + (w1 - w0) * t + extra
    return wl + extra


def to_geojson(kvarter):
    """Every layer the maps draw as GeoJSON, from Kvarter's /api/layers/{id}/features (the
    geometry Kvarter draws), beside the benchmark's output."""
    folder = OUT / "render-geojson"
    folder.mkdir(parents=True, exist_ok=True)
    for layer in BASE + ADMIN + list(DESIGNATIONS.values()):
        status, _, body = kvarter.get(f"/api/layers/{layer}/features", {})
        if status != 200:
            sys.exit(f"/api/layers/{layer}/features: {status} {body[:300]!r}")
        (folder / f"{layer}.geojson").write_bytes(body)
    return folder


def datasource(source, layer, geojson_dir):
    """Mapnik's datasource of `layer`: the geojson plugin on the GeoJSON, or OGR on the committed
    FlatGeobuf — except the streets, which OGR reads from the GeoJSON: GDAL before 3.9.3 refuses
    a FlatGeobuf MultiLineString of one part written without `ends`, as the spec recommends
    (OSGeo/gdal#10774), and Debian 12 has GDAL 3.6."""
    if source == "geojson":
        return {"type": "geojson", "file": str(geojson_dir / f"{layer}.geojson")}
    if layer in LINE_LAYERS:
        return {"type": "ogr", "file": str(geojson_dir / f"{layer}.geojson"), "layer_by_index": "0"}
    return {"type": "ogr", "file": str(GEODATA / f"{layer}.fgb"), "layer_by_index": "0"}


def fitted_box(years, geojson_dir):
    """Kvarter's Extent::Fit: the designations' lon/lat box, 4 % wider a side, in Mercator."""
    boxes = [mapnik.Datasource(**datasource("geojson", DESIGNATIONS[y], geojson_dir)).envelope() for y in years]
    west, south = min(b.minx for b in boxes), min(b.miny for b in boxes)
    east, north = max(b.maxx for b in boxes), max(b.maxy for b in boxes)
    dx, dy = (east - west) * 0.04, (north - south) * 0.04
    return (*mercator(west - dx, south - dy), *mercator(east + dx, north + dy))


def hatch_image(colour):
    """Kvarter's hatch as a pattern image: 4 × 4 pixels, the stripe where (x + y) mod 4 < 1 at
    alpha 200, the ground at alpha 40, both in `colour` (Style::hatch)."""
    path = IMAGES / f"hatch-{colour.lstrip('#')}.png"
    image = mapnik.Image(4, 4)
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    for y in range(4):
        for x in range(4):
            image.set_pixel(x, y, mapnik.Color(r, g, b, 200 if (x + y) % 4 < 1 else 40))
    image.save(str(path), "png32")
    return path


def mapnik_xml(year, zoom, source, geojson_dir):
    """The Mapnik map of one panel: the designation of `year` over the base map, at `zoom`."""
    s = STYLE

    def layer(name, style):
        params = "".join(f'<Parameter name="{k}">{v}</Parameter>' for k, v in datasource(source, name, geojson_dir).items())
        return (f'<Layer name="{name}" srs="epsg:4326"><StyleName>{style}</StyleName>'
                f"<Datasource>{params}</Datasource></Layer>")

    styles, layers = [], []

    def fill(name, colour):
        styles.append(f'<Style name="{name}"><Rule><PolygonSymbolizer fill="{colour}"/></Rule></Style>')
        layers.append(layer(name, name))

    fill("vand-2014", s["water"])
    fill("parker-2014", s["parks"])
    if zoom >= BLOCKS_MIN:
        fill("karreer-2014", s["blocks"])
    line = 'stroke-linecap="round" stroke-linejoin="round"'
    casing = (f'<Rule><LineSymbolizer stroke="{s["street_casing"]}" stroke-width="{street_width(zoom, CASING_EXTRA):.2f}" {line}/></Rule>'
              if zoom >= CASING_MIN else "")
    street = f'<Rule><LineSymbolizer stroke="{s["street"]}" stroke-width="{street_width(zoom, 0):.2f}" {line}/></Rule>'
    # Casing under all streets, then the streets: two styles on one layer, drawn in turn.
    styles.append(f'<Style name="casing">{casing}</Style><Style name="street">{street}</Style>')
    layers.append(layer("vejklasser-2014", "casing</StyleName><StyleName>street"))
    styles.append(f'<Style name="bydele"><Rule><LineSymbolizer stroke="{s["district"]}" stroke-width="1" stroke-opacity="0.7"/></Rule></Style>')
    layers.append(layer("bydele-2023", "bydele"))
    styles.append(f'<Style name="kommune"><Rule><LineSymbolizer stroke="{s["municipality"]}" stroke-width="1.6" '
                  f'stroke-dasharray="6.4,3.2"/></Rule></Style>')
    layers.append(layer("kommune-2023", "kommune"))
    colour = s[STATUS[year]]
    if STATUS[year] == "reconstructed":
        designation = (f'<PolygonPatternSymbolizer file="{hatch_image(colour)}" opacity="0.9"/>'
                       f'<LineSymbolizer stroke="{colour}" stroke-width="2" stroke-dasharray="6,4"/>')
    else:
        designation = (f'<PolygonSymbolizer fill="{colour}" fill-opacity="0.35"/>'
                       f'<LineSymbolizer stroke="{colour}" stroke-width="2"/>')
    styles.append(f'<Style name="designation"><Rule>{designation}</Rule></Style>')
    layers.append(layer(DESIGNATIONS[year], "designation"))
    if zoom < DISTRICT_LABELS_MAX:
        size = min(max(11.0 + (zoom - 10.0) * 4.0 / 3.0, 11.0), 15.0)
        styles.append(f'<Style name="labels"><Rule><TextSymbolizer face-name="DejaVu Sans Book" size="{size:.1f}" '
                      f'fill="{s["label"]}" halo-fill="{s["halo"]}" halo-radius="1.5" placement="interior" '
                      f'text-transform="uppercase" avoid-edges="true">[name]</TextSymbolizer></Rule></Style>')
        layers.append(layer("bydele-2023", "labels").replace('name="bydele-2023"', 'name="bydele-2023-labels"'))
    return (f'<Map srs="epsg:3857" background-color="{s["land"]}">{"".join(styles)}{"".join(layers)}</Map>')


class MapnikView:
    """One view as Mapnik maps, one per panel, built once."""

    def __init__(self, years, source, geojson_dir):
        box = fitted_box(years, geojson_dir)
        self.panel_width = WIDTH // len(years)
        px_per_m = min(self.panel_width / (box[2] - box[0]), HEIGHT / (box[3] - box[1]))
        self.zoom = math.log2(px_per_m * 2 * math.pi * RADIUS / TILE)
        self.maps = []
        for year in years:
            m = mapnik.Map(self.panel_width, HEIGHT)
            mapnik.load_map_from_string(m, mapnik_xml(year, self.zoom, source, geojson_dir))
            m.zoom_to_box(mapnik.Box2d(*box))
            self.maps.append(m)

    def render(self, scale):
        """The view's PNG at `scale`: each panel rendered, composited, encoded."""
        if len(self.maps) == 1:
            image = mapnik.Image(WIDTH * scale, HEIGHT * scale)
            mapnik.render(self.maps[0], image, float(scale))
            return image.tostring("png32")
        image = mapnik.Image(WIDTH * scale, HEIGHT * scale)
        for i, m in enumerate(self.maps):
            panel = mapnik.Image(self.panel_width * scale, HEIGHT * scale)
            mapnik.render(m, panel, float(scale))
            image.composite(panel, mapnik.CompositeOp.src_over, 1.0, i * self.panel_width * scale, 0)
        return image.tostring("png32")


# --- Kvarter --------------------------------------------------------------------------------------

class Kvarter:
    """`kvarter serve` and one keep-alive connection to it."""

    def __init__(self):
        self.proc = benchlib.start_server(benchlib.serve_command(KVARTER, PORT), PORT, "kvarter",
                                          log=OUT / "render-kvarter.log", attempts=600)
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        self.count = 0

    def get(self, path, query):
        """(status, headers, body) of GET `path`?`query`."""
        self.conn.request("GET", f"{path}?{urllib.parse.urlencode(query)}")
        answer = self.conn.getresponse()
        return answer.status, dict((k.lower(), v) for k, v in answer.getheaders()), answer.read()

    def image(self, view, query, scale, cold):
        """One PNG and the seconds it took; a cold one has a title no request had before."""
        query = dict(query, width=WIDTH, height=HEIGHT, scale=scale)
        if cold:
            self.count += 1
            query["title"] = f"Udsatte byområder (benchmark {self.count})"
        else:
            query["title"] = "Udsatte byområder (benchmark)"
        start = time.perf_counter()
        status, headers, body = self.get(f"/api/static/{view}.png", query)
        took = time.perf_counter() - start
        if status != 200 or not body.startswith(b"\x89PNG"):
            sys.exit(f"GET /api/static/{view}.png {query}: {status}\n{body[:500]!r}")
        if not headers.get("etag", "").startswith('"'):
            sys.exit(f"GET /api/static/{view}.png: no strong ETag ({headers.get('etag')!r})")
        return body, took

    def has_static(self):
        status, _, _ = self.get("/api/static/single.png", {"year": "2017"})
        return status != 404

    def stop(self):
        self.conn.close()
        benchlib.stop_process(self.proc)


def criterion():
    """Runs CRITERION_COMMAND; returns {(view, scale): (median, fastest sample)} in ms, of the
    results this run wrote (criterion ids are `{view}/png` and `{view}/png@2x`)."""
    print("$ " + " ".join(CRITERION_COMMAND), file=sys.stderr, flush=True)
    started = time.time()
    done = subprocess.run(CRITERION_COMMAND, cwd=ROOT, text=True, capture_output=True)
    if done.returncode != 0:
        sys.exit(f"cargo bench failed:\n{done.stderr[-3000:]}")
    results = {}
    for bench in CRITERION.glob("**/new/benchmark.json"):
        estimates = bench.with_name("estimates.json")
        if estimates.stat().st_mtime < started:
            continue  # from an earlier run
        view, _, case = json.loads(bench.read_text())["full_id"].rpartition("/")
        if case not in ("png", "png@2x"):
            continue
        median = json.loads(estimates.read_text())["median"]["point_estimate"]
        sample = json.loads(bench.with_name("sample.json").read_text())
        fastest = min(t / n for t, n in zip(sample["times"], sample["iters"]))
        results[(view, 2 if case == "png@2x" else 1)] = (median / 1e6, fastest / 1e6)
        print(f"   {view}/{case}: median {median / 1e6:.1f} ms", file=sys.stderr)
    if len(results) != len(VIEWS) * len(SCALES):
        sys.exit(f"criterion wrote {len(results)} PNG results in this run, not {len(VIEWS) * len(SCALES)}")
    return results


# --- the run --------------------------------------------------------------------------------------

def cell(stats):
    if stats is None:
        return "—"
    median, low, high = stats
    return f"{median:.1f} ({low:.1f}–{high:.1f})"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    IMAGES.mkdir(parents=True, exist_ok=True)
    # The font files Kvarter draws with (web/fonts), so both set labels in DejaVu Sans (Mapnik
    # keeps the first file of a face name, so Debian's fonts-dejavu may serve it instead: the same font).
    mapnik.register_fonts(str(ROOT / "web" / "fonts"))
    if "DejaVu Sans Book" not in mapnik.FontEngine.face_names():
        sys.exit("Mapnik has no DejaVu Sans Book: it could not read web/fonts")
    renderer = criterion()
    kvarter = Kvarter()
    try:
        geojson_dir = to_geojson(kvarter)
        plugins = sorted(mapnik.DatasourceCache.plugin_names())
        sources = ["geojson"] + (["ogr"] if "ogr" in plugins else [])
        peers = {(name, source): MapnikView(years, source, geojson_dir)
                 for name, _, _, years in VIEWS if years for source in sources}
        static = kvarter.has_static()
        if not static:
            print("kvarter has no /api/static yet (404): measuring Mapnik only", file=sys.stderr)
        times = {}  # (view, scale, system) -> [seconds]
        sizes = {}
        for name, path, query, years in VIEWS:
            for scale in SCALES:
                cases = []
                if static:
                    # The cached request once before, so every timed one is a hit.
                    kvarter.image(path, query, scale, cold=False)
                    cases += [("kvarter cold", lambda: kvarter.image(path, query, scale, cold=True)),
                              ("kvarter cached", lambda: kvarter.image(path, query, scale, cold=False))]
                for source in sources if years else []:
                    def draw(view=peers[(name, source)]):
                        start = time.perf_counter()
                        body = view.render(scale)
                        return body, time.perf_counter() - start
                    draw()  # a first render outside the timing (fonts, file handles)
                    cases.append((f"mapnik {source}", draw))
                for i in range(RUNS):
                    for system, case in cases:
                        body, took = case()
                        times.setdefault((name, scale, system), []).append(took)
                        sizes[(name, scale, system)] = len(body)
                        slug = f"{path}-{scale}x-{system.replace(' ', '-')}.png"
                        if i == 0:
                            (IMAGES / slug).write_bytes(body)
                print(f"{name} @{scale}x: " + ", ".join(
                    f"{system} {statistics.median(times[(name, scale, system)]) * 1000:.1f} ms" for system, _ in cases),
                    file=sys.stderr)
    finally:
        kvarter.stop()
    write_report(renderer, times, sizes, sources, static, plugins)


def write_report(renderer, times, sizes, sources, static, plugins):
    stats = {key: summary(value) for key, value in times.items()}
    commit = run(["git", "-C", str(ROOT), "log", "-1", "--format=%h"]).strip()
    version = mapnik.mapnik_version()
    mapnik_name = f"Mapnik {version // 100000}.{version // 100 % 1000}.{version % 100}"
    lines = [
        "# Map images: Kvarter against Mapnik",
        "",
        f"`scripts/bench-render {RUNS}` — {RUNS} runs per case, median (min–max) in ms; PNG, "
        f"{WIDTH} × {HEIGHT} CSS pixels at scale 1 and 2.",
        f"Machine: {machine()}. Commit: {commit}. Peer: {mapnik_name} (Debian python3-mapnik; "
        f"plugins {', '.join(plugins)}).",
        "",
        "| view | scale | Kvarter renderer (criterion) | Kvarter cold (HTTP) | Kvarter cached (HTTP) | "
        + " | ".join(f"Mapnik {'GeoJSON (in memory)' if s == 'geojson' else 'OGR FlatGeobuf (file)'}" for s in sources)
        + " | Kvarter renderer / Mapnik GeoJSON | Kvarter cold / Mapnik GeoJSON |",
        "|---|---|---|---|---|" + "---|" * len(sources) + "---|---|",
    ]
    for name, _, _, years in VIEWS:
        for scale in SCALES:
            alone = renderer.get((name, scale))
            cold = stats.get((name, scale, "kvarter cold"))
            peer = stats.get((name, scale, "mapnik geojson"))

            def ratio(kvarter, peer=peer):
                return f"{kvarter[0] / peer[0]:.2f}" if kvarter and peer else "—"
            own = f"{alone[0]:.1f} (fastest {alone[1]:.1f})" if alone else "—"
            lines.append(f"| {name} | {scale} | {own} | {cell(cold)} | {cell(stats.get((name, scale, 'kvarter cached')))} | "
                         + " | ".join(cell(stats.get((name, scale, f"mapnik {s}"))) for s in sources)
                         + f" | {ratio(alone)} | {ratio(cold)} |")
    lines += ["", "PNG sizes (bytes, one run):", ""]
    for (name, scale, system), size in sorted(sizes.items()):
        lines.append(f"- {name} @{scale}x, {system}: {size:,}")
    if not static:
        lines += ["", "This build of kvarter has no `GET /api/static/{view}.png` yet (404): Kvarter's columns are "
                  "empty."]
    lines += ["",
              "Kvarter renderer: criterion's median (and fastest sample) of `Renderer::render` to PNG in process, "
              f"`{' '.join(CRITERION_COMMAND)}`. "
              "Kvarter cold: every request with a title of its own, so the image cache misses and the image is "
              "rendered (plan, SVG scene, usvg, resvg, PNG encoding) — plus one HTTP round trip on a kept-alive "
              "connection. Cached: the same request again, answered from the image cache. Mapnik: the map objects "
              "built once, then per run mapnik.render and the png32 encoding; side by side is two 600 × 800 "
              "panels rendered in turn and composited. Kvarter's image also carries the title, year labels, "
              "legend, scale bar, north arrow and sources, which Mapnik's does not.",
              f"Images of the first run: target/bench/render/.", ""]
    (OUT / "render.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
