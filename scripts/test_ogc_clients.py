"""Kvarter's OGC API driven by clients no one here wrote: OWSLib, QGIS (headless) and schemathesis.

(The group schemathesis-api runs schemathesis against the whole API's /api/openapi.json too.)

Run through scripts/test-ogc-clients, which picks the interpreters:
    python test_ogc_clients.py KVARTER_BINARY [--group NAME ...] [--qgis-python PATH]
                               [--openapi PATH] [--schemathesis PATH]

The script starts `kvarter serve` on a free port and runs the groups below in order; each prints
one PASS, FAIL or SKIP line, and the exit status is 1 when any group failed. Expected values are
never written here: they come from Kvarter's own /api endpoints (the same features the OGC API
claims to serve) and from the layers' metadata.

A client that is not installed is a SKIP outside CI and a FAIL in CI (env CI=true), the rule the
GDAL tests follow. The QGIS groups run in a child process with Debian's /usr/bin/python3, the
interpreter its bindings are built for (the OWSLib and schemathesis virtualenv is another one);
the child also keeps a QGIS crash from taking the other groups down with it. The child is this
file again, started with `--qgis-child`.
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from html.parser import HTMLParser

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
GEOJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
OPENAPI_30 = "application/vnd.oai.openapi+json;version=3.0"
CHANGES = {"kept", "added", "removed"}
# The layers the checks are about; their contents (counts, ids, periods) come from the API.
DESIGNATION_2011 = "udsatte-byomraader-2011"
DESIGNATION_2017 = "udsatte-byomraader-2017"
RODER = "roder-2023"


class Missing(Exception):
    """A client is not installed: a SKIP outside CI, a FAIL in CI."""


class Failed(Exception):
    """A check failed; the message says what was expected and what came."""


def check(condition, message):
    if not condition:
        raise Failed(message)


# ---------------------------------------------------------------------------------------------
# The server and plain HTTP (the reference answers)


class Server:
    """`kvarter serve --bind 127.0.0.1:0`, its address read from its log (as tests/src does)."""

    def __init__(self, binary, args=(), env=None):
        env = dict(os.environ, NO_COLOR="1", RUST_LOG="info", **(env or {}))
        self.process = subprocess.Popen(
            [binary, "serve", "--bind", "127.0.0.1:0", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.log = []
        found = threading.Event()
        self.base = None

        # The log must be drained for the whole run, or the server blocks on a full pipe.
        def read():
            for line in self.process.stderr:
                self.log.append(line.rstrip())
                if self.base is None:
                    match = re.search(r"http://127\.0\.0\.1:\d+", line)
                    if match:
                        self.base = match.group(0)
                        found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(120):
            self.stop()
            raise RuntimeError("kvarter serve did not log its address:\n" + "\n".join(self.log))
        # Listening comes before the data is loaded; /ready says when it is.
        deadline = time.monotonic() + 120
        while status(self.base + "/ready") != 200:
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("kvarter serve was not ready in 120 s:\n" + "\n".join(self.log))
            time.sleep(0.1)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def fetch(url):
    """(status, headers, body bytes) of a GET, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def status(url):
    try:
        return fetch(url)[0]
    except OSError:
        return None


def get_json(url):
    code, _, body = fetch(url)
    check(code == 200, f"GET {url} answered {code}: {body[:300]!r}")
    return json.loads(body)


class Reference:
    """What Kvarter's own API says: the layers and their full feature collections."""

    def __init__(self, base):
        self.base = base
        self.layers = {layer["id"]: layer for layer in get_json(base + "/api/layers")["layers"]}
        self._features = {}

    def features(self, layer_id, bbox=None):
        key = (layer_id, tuple(bbox) if bbox else None)
        if key not in self._features:
            url = f"{self.base}/api/layers/{layer_id}/features"
            if bbox:
                url += "?bbox=" + ",".join(repr(v) for v in bbox)
            self._features[key] = get_json(url)["features"]
        return self._features[key]

    def designation_for(self, year):
        """The layer a year means, by the web map's rule (web/src/catalogue.js): the municipal
        designation whose policy starts that year, else the one in force on 1 January."""
        designations = sorted(
            (l for l in self.layers.values() if l.get("kind") == "municipal_designation"),
            key=lambda l: l.get("valid_from") or "",
        )
        for layer in designations:
            if (layer.get("valid_from") or "")[:4] == str(year):
                return layer["id"]
        day = f"{year}-01-01"
        for layer in designations:
            start, end = layer.get("valid_from"), layer.get("valid_to")
            if start and start <= day and (not end or day < end):
                return layer["id"]
        raise Failed(f"no designation layer for {year} in /api/layers")


def feature_id(feature):
    """A feature's area id: `properties.id`, what /api and the GDAL test key on."""
    value = feature["properties"].get("id", feature.get("id"))
    return str(value)


def positions(geometry):
    """Every (lon, lat) of a GeoJSON geometry."""
    out = []

    def walk(node):
        if isinstance(node, list) and len(node) >= 2 and all(isinstance(v, (int, float)) for v in node[:2]):
            out.append((node[0], node[1]))
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(geometry["coordinates"])
    return out


def envelope(points):
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return [min(xs), min(ys), max(xs), max(ys)]


def boxes_meet(a, b):
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


# ---------------------------------------------------------------------------------------------
# OWSLib


def owslib_features(base):
    try:
        from owslib.ogcapi.features import Features
    except ImportError as error:
        raise Missing(f"OWSLib is not importable ({error}); run scripts/setup-ogc-clients")
    return Features(base + "/ogc", timeout=60)


def items_of(api, collection, **params):
    """Every item of a collection through OWSLib, following the `next` links as a client does;
    the pages and the items."""
    pages, features = 0, []
    while True:
        page = api.collection_items(collection, **params)
        pages += 1
        features.extend(page["features"])
        following = [link["href"] for link in page.get("links", []) if link.get("rel") == "next"]
        if not following:
            return pages, features
        check(pages < 1000, f"{collection}: more than 1000 pages; the next links loop")
        # The next link's own query is what the server asks the client to send.
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(following[0]).query)
        params = {name: values[0] for name, values in query.items()}


def group_owslib(ctx):
    api = owslib_features(ctx.base)
    ref = ctx.ref

    # OWSLib asks for the landing page at /ogc/ (it always adds the slash) and keeps its links;
    # api() needs them to find the service-desc.
    rels = {link.get("rel") for link in api.links}
    check({"conformance", "data"} <= rels,
          f"the landing page OWSLib read at {api.url} has no conformance and data links: {api.response}")

    conforms = api.conformance().get("conformsTo", [])
    for cls in (CORE, GEOJSON):
        check(cls in conforms, f"conformance lacks {cls}: {conforms}")

    listed = set(api.feature_collections())
    missing = sorted(set(ref.layers) - listed)
    check(not missing, f"collections lack the layers {missing} of /api/layers")

    # bbox: the western half of the 2017 layer's extent, so that some areas are in and some out.
    everything = ref.features(DESIGNATION_2017)
    west, south, east, north = envelope([p for f in everything for p in positions(f["geometry"])])
    bbox = [west, south, (west + east) / 2, north]
    page = api.collection_items(DESIGNATION_2017, bbox=bbox, limit=10000)
    got = sorted(feature_id(f) for f in page["features"])
    expected = sorted(feature_id(f) for f in ref.features(DESIGNATION_2017, bbox))
    check(got == expected, f"bbox {bbox}: OWSLib got {got}, /api/layers/…/features?bbox= {expected}")
    check(0 < len(got) < len(everything), f"bbox {bbox} should split the layer: {len(got)} of {len(everything)}")
    check(page.get("numberMatched") == len(got), f"numberMatched {page.get('numberMatched')} for {len(got)} items")
    # A second opinion from the geometries: an area with a vertex inside the box meets it, an area
    # whose own envelope misses the box does not.
    for feature in everything:
        points = positions(feature["geometry"])
        fid = feature_id(feature)
        if any(bbox[0] < x < bbox[2] and bbox[1] < y < bbox[3] for x, y in points):
            check(fid in got, f"area {fid} has a vertex inside {bbox} but is not returned")
        if not boxes_meet(envelope(points), bbox):
            check(fid not in got, f"area {fid} lies outside {bbox} but is returned")

    # datetime: a designation's features when it was in force on some day of the query.
    day = "2012-06-01"
    outcomes = {}
    for layer_id in (DESIGNATION_2011, DESIGNATION_2017):
        meta = ref.layers[layer_id]
        in_force = meta["valid_from"] <= day and (not meta.get("valid_to") or day < meta["valid_to"])
        expected = len(ref.features(layer_id)) if in_force else 0
        page = api.collection_items(layer_id, datetime_=day, limit=10000)
        check(len(page["features"]) == expected,
              f"{layer_id} datetime={day}: {len(page['features'])} items, expected {expected}")
        outcomes[layer_id] = expected
    check(outcomes[DESIGNATION_2011] > 0 and outcomes[DESIGNATION_2017] == 0,
          f"{day} should fall in the 2011 policy only: {outcomes}")

    # Paging with limit=100 through the next links gives every rode once.
    pages, features = items_of(api, RODER, limit=100)
    ids = [feature_id(f) for f in features]
    expected = {feature_id(f) for f in ref.features(RODER)}
    check(len(ids) == len(set(ids)), f"{RODER}: {len(ids) - len(set(ids))} ids came twice")
    check(set(ids) == expected, f"{RODER}: {len(set(ids))} ids paged, {len(expected)} in /api")
    check(pages == math.ceil(len(expected) / 100), f"{RODER}: {pages} pages for {len(expected)} items")
    return f"{len(listed)} collections; bbox {len(got)} of {len(everything)}; " \
           f"datetime {outcomes}; {RODER} {len(ids)} ids in {pages} pages"


def compare_collections(ref):
    """The comparison collections the contract names, with the /api/compare layers each means."""
    return {
        f"compare-{a}--{b}": (ref.designation_for(a), ref.designation_for(b))
        for a, b in ((2011, 2017), (2011, 2025))
    }


def compare_reference(ref, layers):
    source, target = layers
    url = f"{ref.base}/api/compare?from={source}&to={target}&format=geojson"
    return get_json(url)["features"]


def group_owslib_compare(ctx):
    api = owslib_features(ctx.base)
    listed = set(api.feature_collections())
    summary = []
    for collection, layers in compare_collections(ctx.ref).items():
        # Each pair of designations is listed under the years their policies began; another
        # year (2025 on the embedded data) names the designation in force on 1 January of it
        # and is served, not listed.
        canonical = all(ctx.ref.layers[layer]["valid_from"].startswith(year)
                        for layer, year in zip(layers, collection[len("compare-"):].split("--")))
        if canonical:
            check(collection in listed, f"{collection} is not among the collections")
        else:
            check(api.collection(collection)["id"] == collection, f"{collection} is not served")
        pieces = compare_reference(ctx.ref, layers)
        _, items = items_of(api, collection, limit=10000)
        changes = Counter(f["properties"].get("change") for f in items)
        expected = Counter(f["properties"].get("change") for f in pieces)
        check(set(changes) <= CHANGES, f"{collection}: change values {dict(changes)}")
        check(len(items) == len(pieces),
              f"{collection}: {len(items)} items, /api/compare {layers} has {len(pieces)} features")
        check(changes == expected, f"{collection}: changes {dict(changes)}, /api/compare {dict(expected)}")
        summary.append(f"{collection} = {layers[0]}→{layers[1]} {dict(changes)}")
    return "; ".join(summary)


def group_owslib_queryables(ctx):
    api = owslib_features(ctx.base)
    features = ctx.ref.features(RODER)
    queryables = api.collection_queryables(RODER)
    names = set(queryables.get("properties", {}))
    check(names, f"{RODER}/queryables lists no properties: {queryables}")
    present = set().union(*(f["properties"] for f in features))
    check(names <= present, f"queryables {sorted(names - present)} are no feature's properties")
    # The filter by name=value: the value most areas share, so the answer is more than one id
    # where the data allows.
    prop = "name" if "name" in names else sorted(names)[0]
    values = Counter(f["properties"].get(prop) for f in features if isinstance(f["properties"].get(prop), str))
    check(values, f"no text values of {prop} to filter on")
    value, _ = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    expected = sorted(feature_id(f) for f in features if f["properties"].get(prop) == value)
    _, items = items_of(api, RODER, limit=10000, **{prop: value})
    got = sorted(feature_id(f) for f in items)
    check(got == expected, f"{prop}={value!r}: got {got}, expected {expected}")
    _, none = items_of(api, RODER, limit=10000, **{prop: value + " (no such)"})
    check(not none, f"{prop} of a value no area has: {len(none)} items")
    return f"{len(names)} queryables; {prop}={value!r} gives {len(got)} of {len(features)}"


# ---------------------------------------------------------------------------------------------
# HTML (f=html): every page is a parseable HTML document that says what its JSON says


class Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text = set(), []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        # Link targets count as shown: a list page may name an id only in its links.
        self.text.extend(value for name, value in attrs if name == "href" and value)

    def handle_data(self, data):
        self.text.append(data)


def group_html(ctx):
    base = ctx.base + "/ogc"
    feature = ctx.ref.features(DESIGNATION_2017)[0]
    fid = feature_id(feature)
    collection = get_json(f"{base}/collections/{DESIGNATION_2017}")
    # Each page and a text its HTML must show (from the JSON of the same page): the items page
    # links its first item, the item page shows the area's name.
    pages = {
        "": get_json(base)["title"],
        "/conformance": CORE,
        "/collections": DESIGNATION_2017,
        f"/collections/{DESIGNATION_2017}": collection["title"],
        f"/collections/{DESIGNATION_2017}/items": f"/items/{fid}",
        f"/collections/{DESIGNATION_2017}/items/{fid}": str(feature["properties"].get("name", fid)),
    }
    for path, shown in pages.items():
        url = f"{base}{path}?f=html"
        code, headers, body = fetch(url)
        check(code == 200, f"{url}: {code}")
        check(headers.get("content-type", "").startswith("text/html"), f"{url}: {headers.get('content-type')}")
        parser = Text()
        parser.feed(body.decode("utf-8"))
        check({"html", "body"} <= parser.tags, f"{url}: not an HTML document")
        check(shown in " ".join(parser.text), f"{url}: does not show {shown!r}")
    return f"{len(pages)} pages"


# ---------------------------------------------------------------------------------------------
# QGIS, in a child process with Debian's python3


def qgis_child(ctx, task):
    """Runs `task` (a dict) in the QGIS child and returns what it observed."""
    python = ctx.args.qgis_python
    try:
        probe = subprocess.run([python, "-c", "import qgis.core"], capture_output=True, text=True,
                               env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    except FileNotFoundError:
        raise Missing(f"{python} is missing; run scripts/setup-ogc-clients")
    if probe.returncode != 0:
        raise Missing(f"{python} cannot import qgis.core ({probe.stderr.strip()[-200:]}); "
                      "run scripts/setup-ogc-clients")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="kvarter-qgis-runtime-"))
    try:
        done = subprocess.run([python, os.path.abspath(__file__), "--qgis-child", json.dumps(task)],
                              capture_output=True, text=True, env=env, timeout=300)
    except subprocess.TimeoutExpired:
        raise Failed("QGIS did not finish in 300 s")
    lines = [l for l in done.stdout.splitlines() if l.startswith("QGIS-RESULT ")]
    if done.returncode != 0 or not lines:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
        raise Failed(f"the QGIS child exited with {done.returncode}:\n{tail}")
    return json.loads(lines[-1][len("QGIS-RESULT "):])


def check_oapif(ctx, collection, reference):
    """QGIS's OAPIF provider opens `collection`; its count and ids equal `reference`'s."""
    seen = qgis_child(ctx, {"kind": "oapif", "url": ctx.base + "/ogc", "typename": collection})
    check(seen["valid"], f"QGIS: the OAPIF layer {collection} is not valid: {seen.get('error')}; "
                         f"its log: {seen['log']}")
    check(seen["featureCount"] == len(reference),
          f"QGIS: featureCount {seen['featureCount']} for {collection}, the API has {len(reference)}")
    check(seen["iterated"] == len(reference),
          f"QGIS: {seen['iterated']} features read from {collection}, the API has {len(reference)}")
    return seen


def group_qgis_oapif(ctx):
    reference = ctx.ref.features(DESIGNATION_2017)
    seen = check_oapif(ctx, DESIGNATION_2017, reference)
    check("id" in seen["fields"], f"QGIS: no id field among {seen['fields']}")
    expected = sorted(feature_id(f) for f in reference)
    check(sorted(seen["ids"]) == expected, f"QGIS ids {sorted(seen['ids'])} != API ids {expected}")
    check(seen["geometryType"] == "Polygon", f"QGIS: geometry type {seen['geometryType']}")
    return f"QGIS {seen['qgis']}: {DESIGNATION_2017} valid, {seen['featureCount']} features, ids equal"


def group_qgis_oapif_compare(ctx):
    summary = []
    for collection, layers in compare_collections(ctx.ref).items():
        pieces = compare_reference(ctx.ref, layers)
        seen = check_oapif(ctx, collection, pieces)
        expected = Counter(f["properties"].get("change") for f in pieces)
        check(Counter(seen["change"]) == expected,
              f"QGIS: {collection} changes {Counter(seen['change'])}, /api/compare {expected}")
        summary.append(f"{collection} {seen['featureCount']}")
    return "QGIS reads " + ", ".join(summary)


def tile_of(lon, lat, z):
    """The Web Mercator tile (x, y) at zoom z holding a point."""
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def check_vector_tiles(ctx, url):
    """QGIS's vector tile layer on `url` (an XYZ template) decodes features in the tile under an
    area of the 2017 layer, with that area's id, and none in a tile of open sea."""
    area = ctx.ref.features(DESIGNATION_2017)[0]
    lon, lat = positions(area["geometry"])[0]
    z = 14
    x, y = tile_of(lon, lat, z)
    # The reference: the tile over plain HTTP has content; the sea tile west of Jutland is empty.
    sea = tile_of(7.0, 56.0, z)
    for (tx, ty), want in (((x, y), 200), (sea, 204)):
        tile_url = url.replace("{z}", str(z)).replace("{x}", str(tx)).replace("{y}", str(ty))
        code = fetch(tile_url)[0]
        check(code == want, f"{tile_url} answered {code}, expected {want}")
    task = {"kind": "vectortile", "url": url, "z": z, "tiles": [[x, y], list(sea)]}
    seen = qgis_child(ctx, task)
    check(seen["valid"], f"QGIS: the vector tile layer is not valid: {seen.get('error')}")
    land, water = seen["tiles"]
    check(land["rendered"] == [[z, x, y]], f"QGIS rendered the tiles {land['rendered']} for {z}/{x}/{y}")
    check(land["features"] > 0, f"QGIS decoded no features in tile {z}/{x}/{y}: {land}")
    check(feature_id(area) in land["ids"], f"QGIS: tile {z}/{x}/{y} lacks area {feature_id(area)}: {land['ids']}")
    check(water["features"] == 0, f"QGIS decoded features in the sea tile {z}/{sea[0]}/{sea[1]}: {water}")
    check(not land["errors"] + water["errors"], f"QGIS's rendering errors: {land['errors'] + water['errors']}")
    return f"QGIS {seen['qgis']}: tile {z}/{x}/{y} gives {land['features']} features in layers {land['layers']}"


def group_qgis_xyz_tiles(ctx):
    # Kvarter's own tile route, /tiles/{layers}/{z}/{x}/{y}.mvt.
    return check_vector_tiles(ctx, f"{ctx.base}/tiles/{DESIGNATION_2017}/{{z}}/{{x}}/{{y}}.mvt")


def group_qgis_ogc_tiles(ctx):
    base = ctx.base + "/ogc"
    sets = get_json(f"{base}/tileMatrixSets")
    ids = [s.get("id") for s in sets.get("tileMatrixSets", [])]
    check("WebMercatorQuad" in ids, f"/ogc/tileMatrixSets lists {ids}")
    # As a client walks it: the collection links its vector tilesets, the list links each
    # tileset's metadata, and that links the tile URL template (rel "item").
    collection = get_json(f"{base}/collections/{DESIGNATION_2017}")
    listing = [l["href"] for l in collection.get("links", []) if l.get("rel", "").endswith("/tilesets-vector")]
    check(listing, f"/ogc/collections/{DESIGNATION_2017} links no vector tilesets")
    tiles = get_json(listing[0])
    tilesets = [l["href"] for tileset in tiles.get("tilesets", []) for l in tileset.get("links", [])
                if l.get("rel") == "self"]
    check(tilesets, f"{listing[0]} lists no tileset: {tiles}")
    tileset = get_json(urllib.parse.urljoin(listing[0], tilesets[0]))
    templates = [l["href"] for l in tileset.get("links", [])
                 if l.get("rel") == "item" and "{tileMatrix}" in l.get("href", "")]
    check(templates, f"{tilesets[0]} links no tile template: {tileset}")
    # A relative link is resolved as a client would.
    template = urllib.parse.urljoin(tilesets[0], templates[0])
    check("WebMercatorQuad" in template, f"the tile template {template} is not WebMercatorQuad")
    # The template as an XYZ URL: OGC's tileRow is y and tileCol is x.
    xyz = template.replace("{tileMatrix}", "{z}").replace("{tileRow}", "{y}").replace("{tileCol}", "{x}")
    return check_vector_tiles(ctx, xyz)


def group_pyproj_25832(ctx):
    """The items in EPSG:25832 (crs=) equal pyproj's (PROJ's) transform of the CRS84 items."""
    try:
        from pyproj import Transformer
    except ImportError as error:
        raise Missing(f"pyproj is missing ({error}); run scripts/setup-ogc-clients")
    utm_uri = "http://www.opengis.net/def/crs/EPSG/0/25832"
    items = f"{ctx.base}/ogc/collections/{DESIGNATION_2017}/items?limit=10000"
    lonlat = get_json(items)["features"]
    utm = get_json(items + "&crs=" + urllib.parse.quote(utm_uri, safe=""))["features"]
    check(len(lonlat) == len(utm) > 0, f"{len(lonlat)} features in CRS84, {len(utm)} in EPSG:25832")
    project = Transformer.from_crs("OGC:CRS84", "EPSG:25832", always_xy=True)
    worst, count = 0.0, 0
    for a, b in zip(lonlat, utm):
        check(a["id"] == b["id"], f"feature {a['id']} against {b['id']}")
        ours, theirs = positions(a["geometry"]), positions(b["geometry"])
        check(len(ours) == len(theirs), f"{a['id']}: {len(ours)} against {len(theirs)} coordinates")
        xs, ys = project.transform([p[0] for p in ours], [p[1] for p in ours])
        for x, y, (u, v) in zip(xs, ys, theirs):
            worst = max(worst, math.hypot(x - u, y - v))
            count += 1
    check(worst <= 0.001, f"the largest difference from pyproj is {worst * 1000:.2f} mm")
    return f"{count} coordinates of {DESIGNATION_2017}; the largest difference {worst * 1000:.2f} mm"


# ---------------------------------------------------------------------------------------------
# schemathesis against the OGC API's own OpenAPI document


def group_schemathesis(ctx):
    program = ctx.args.schemathesis
    if not os.path.exists(program):
        raise Missing(f"{program} is missing; run scripts/setup-ogc-clients")
    path = ctx.args.openapi
    code, headers, body = fetch(ctx.base + path)
    check(code == 200, f"GET {path}: {code}")
    document = json.loads(body)
    document_as_served = json.loads(body)
    if path == "/ogc/api":
        # The contract: the OGC API's own definition, OpenAPI 3.0, linked from the landing page.
        kind = headers.get("content-type", "").replace(" ", "")
        check(kind == OPENAPI_30, f"/ogc/api content type {kind}")
        check(str(document.get("openapi", "")).startswith("3.0"), f"/ogc/api is OpenAPI {document.get('openapi')}")
    # Only the OGC paths are tested (a whole-API document serves for a trial run); when they are
    # written relative to /ogc, /ogc is the base URL.
    paths = document.get("paths", {})
    ogc = {p: v for p, v in paths.items() if p == "/ogc" or p.startswith("/ogc/")}
    url = ctx.base if ogc else ctx.base + "/ogc"
    document["paths"] = ogc or paths
    document.pop("servers", None)
    for needed in ("/collections/{", "/items"):
        check(any(needed in p for p in document["paths"]), f"{path} describes no path with {needed}")
    with tempfile.TemporaryDirectory(prefix="kvarter-schemathesis-") as tmp:
        spec = os.path.join(tmp, "openapi.json")
        with open(spec, "w") as out:
            json.dump(document, out)
        command = [
            program, "run", spec, "--url", url,
            "--checks", "not_a_server_error,response_schema_conformance",
            "--max-examples", str(ctx.args.max_examples),
            "--phases", "examples,coverage,fuzzing",
            "--request-timeout", "30",
        ]
        print("  " + " ".join(command), flush=True)
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=tmp,
                                  env=dict(os.environ, SCHEMATHESIS_TELEMETRY="false", NO_COLOR="1"))
        except subprocess.TimeoutExpired:
            raise Failed("schemathesis did not finish in 240 s")
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise Failed(f"schemathesis exited with {done.returncode}:\n" + "\n".join(output.splitlines()[-60:]))
    if path == "/ogc/api":
        # A client finds the definition through the landing page's service-desc link.
        try:
            found = owslib_features(ctx.base).api()
        except RuntimeError as error:
            raise Failed(f"schemathesis passed, but OWSLib's api() finds no definition: {error}")
        check(found == document_as_served, "OWSLib's api() (the service-desc link) is not /ogc/api")
    # The counts of test cases, and the seed that replays the run.
    lines = [l.strip() for l in output.splitlines()]
    summary = [lines[i + 1] for i, l in enumerate(lines[:-1]) if l == "Test cases:"]
    summary += [l for l in lines if l.startswith("Seed:")]
    return f"{len(document['paths'])} paths; " + "; ".join(summary)


# ---------------------------------------------------------------------------------------------
# schemathesis against the whole API's OpenAPI 3.1 document (/api/openapi.json)

# The checks: every one schemathesis 4 has, but three (they are written into the config file,
# not given with --checks, which would override the per-operation settings below):
#   - positive_data_acceptance: the API has rules between parameters that an OpenAPI parameter
#     schema cannot state (address or a point, not both; period= only with indicators=; bbox= or
#     center=, not both; a tile's x and y below 2^z; a glyph range's end = start + 255; an
#     upload's file named with a known extension), so a request each of whose parameters is
#     valid may rightly be a 400. What a schema can state is in the document.
#   - object_level_authorization: there is one admin token, so no second user whose objects
#     could be reached.
#   - max_response_time (not set, so off): timing is never a pass/fail test; a debug build's
#     reload takes seconds.
API_CHECKS = {
    "not_a_server_error": True, "status_code_conformance": True,
    "content_type_conformance": True, "response_headers_conformance": True,
    "response_schema_conformance": True, "negative_data_rejection": True,
    "missing_required_header": True, "unsupported_method": True,
    "allow_header_conformance": True, "use_after_free": True,
    "ensure_resource_availability": True, "ignored_auth": True,
    "positive_data_acceptance": False, "object_level_authorization": False,
}
# Per-operation settings. The batch body is CSV text, and every text is a CSV, so
# schemathesis's "schema-violating" bodies (an object written out as `{}`) are valid CSVs:
# negative_data_rejection cannot apply there. The indicators table of a layer with thousands
# of areas is tens of MB (seconds in a debug build, longer for schemathesis to validate), so
# its layer is the 10 districts; the other parameters are generated. A feature's id is a
# string the document cannot list, so one feature is named: its query is fuzzed.
API_CONFIG = "[checks]\n" + "".join(
    f"{name}.enabled = {'true' if on else 'false'}\n" for name, on in API_CHECKS.items()
) + """
[[operations]]
include-path = "/api/lookup/batch"
checks.negative_data_rejection.enabled = false

[[operations]]
include-path = "/api/layers/{id}/indicators"
parameters = { "path.id" = "bydele-2023" }

[[operations]]
include-path = "/api/layers/{id}/features/{fid}"
parameters = { "path.id" = "bydele-2023", "path.fid" = "1" }
"""
API_SEED = 17
API_TOKEN = "schemathesis-admin-token-not-secret"


def schemathesis_run(ctx, base, label, extra, budget):
    """One `schemathesis run` of /api/openapi.json at base; the summary lines, or Failed."""
    with tempfile.TemporaryDirectory(prefix="kvarter-schemathesis-api-") as tmp:
        config = os.path.join(tmp, "schemathesis.toml")
        with open(config, "w") as out:
            out.write(API_CONFIG)
        command = [
            ctx.args.schemathesis, "--config-file", config, "run", base + "/api/openapi.json",
            "--url", base,
            "--max-examples", str(ctx.args.api_max_examples), "--seed", str(API_SEED),
            "--phases", "examples,coverage,fuzzing", "--mode", "all",
            "--request-timeout", "60", "--workers", "1", "--no-shrink",
            "--continue-on-failure", *extra,
        ]
        shown = [part.replace(API_TOKEN, "***") for part in command]
        print("  " + " ".join(shown), flush=True)
        start = time.monotonic()
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=budget, cwd=tmp,
                                  env=dict(os.environ, SCHEMATHESIS_TELEMETRY="false", NO_COLOR="1"))
        except subprocess.TimeoutExpired:
            raise Failed(f"schemathesis ({label}) did not finish in {budget} s")
        seconds = time.monotonic() - start
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise Failed(f"schemathesis ({label}) exited with {done.returncode}:\n"
                     + "\n".join(output.splitlines()[-80:]))
    lines = [l.strip() for l in output.splitlines()]
    summary = [lines[i + 1] for i, l in enumerate(lines[:-1]) if l == "Test cases:"]
    return f"{label} [{seconds:.0f} s]: " + "; ".join(summary)


def group_schemathesis_api(ctx):
    """schemathesis, stateless and property-based, against /api/openapi.json: the public routes
    on the embedded dataset (the server the other groups use), then the admin routes with the
    bearer token on a server of a throwaway data folder (`kvarter layers init`), since an
    import, a remove or a reload there changes nothing anyone keeps. (A JSON import body with a
    made-up wfs_url never reaches the network: the server reads the layer's metadata, which the
    document leaves to the description, before it fetches anything, and refuses it first.)"""
    if not os.path.exists(ctx.args.schemathesis):
        raise Missing(f"{ctx.args.schemathesis} is missing; run scripts/setup-ogc-clients")
    code, headers, body = fetch(ctx.base + "/api/openapi.json")
    check(code == 200, f"GET /api/openapi.json: {code}")
    check(str(json.loads(body).get("openapi", "")).startswith("3.1"), "/api/openapi.json is not OpenAPI 3.1")
    results = [schemathesis_run(ctx, ctx.base, "public routes, embedded data",
                                ["--exclude-path-regex", "^/admin"], 240)]
    with tempfile.TemporaryDirectory(prefix="kvarter-schemathesis-data-") as tmp:
        data = os.path.join(tmp, "data")
        subprocess.run([ctx.args.binary, "layers", "init", "--data", data], check=True,
                       capture_output=True, timeout=120)
        server = Server(ctx.args.binary, ["--data", data], {"KVARTER_ADMIN_TOKEN": API_TOKEN})
        try:
            results.append(schemathesis_run(
                ctx, server.base, "admin routes, a throwaway data folder",
                ["--include-path-regex", "^/admin", "--header", f"Authorization: Bearer {API_TOKEN}"], 240))
        finally:
            server.stop()
    return "; ".join(results) + f"; seed {API_SEED}"


GROUPS = {
    # name: the group
    "owslib": group_owslib,
    "qgis-oapif": group_qgis_oapif,
    "qgis-xyz-tiles": group_qgis_xyz_tiles,
    "owslib-compare": group_owslib_compare,
    "qgis-oapif-compare": group_qgis_oapif_compare,
    "owslib-queryables": group_owslib_queryables,
    "html": group_html,
    "qgis-ogc-tiles": group_qgis_ogc_tiles,
    "pyproj-25832": group_pyproj_25832,
    "schemathesis": group_schemathesis,
    "schemathesis-api": group_schemathesis_api,
}


# ---------------------------------------------------------------------------------------------
# The QGIS child (runs under /usr/bin/python3; imports nothing from the virtualenv)


def run_qgis_child(task):
    from qgis.core import Qgis, QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    # QGIS's message log says why a provider gave up (the layer's own error is often empty).
    log = []
    QgsApplication.messageLog().messageReceived.connect(
        lambda message, tag, level: log.append(f"{tag}: {message}"))
    try:
        result = {"qgis": Qgis.version()}
        result.update(qgis_oapif(task) if task["kind"] == "oapif" else qgis_vector_tiles(task))
        result["log"] = log[-10:]
        print("QGIS-RESULT " + json.dumps(result), flush=True)
    finally:
        app.exitQgis()


def error_text(layer):
    """A layer's error messages. (QgsError.summary() reads the first message unchecked, and an
    invalid OAPIF layer can have none: in 3.22 that is a segmentation fault.)"""
    messages = [message.message() for message in layer.error().messageList()]
    return "; ".join(messages) or "QGIS gives no reason"


def qgis_oapif(task):
    from qgis.core import QgsVectorLayer, QgsWkbTypes

    layer = QgsVectorLayer(f"url='{task['url']}' typename='{task['typename']}'", "x", "OAPIF")
    if not layer.isValid():
        return {"valid": False, "error": error_text(layer)}
    fields = [f.name() for f in layer.fields()]
    ids, changes, iterated = [], [], 0
    for feature in layer.getFeatures():
        iterated += 1
        if "id" in fields:
            ids.append(str(feature["id"]))
        if "change" in fields:
            changes.append(feature["change"])
    return {
        "valid": True,
        "featureCount": layer.featureCount(),
        "iterated": iterated,
        "fields": fields,
        "ids": ids,
        "change": changes,
        "geometryType": QgsWkbTypes.displayString(QgsWkbTypes.flatType(QgsWkbTypes.singleType(layer.wkbType()))),
    }


def qgis_vector_tiles(task):
    """Opens an XYZ vector tile layer and renders each tile asked for with a renderer of our own,
    which sees the features QGIS's MVT decoder made of the tile (3.22's Python API offers no
    other way to them: QgsVectorTileMVTDecoder and getRawTile are not bound)."""
    from qgis.core import (QgsCoordinateReferenceSystem, QgsMapRendererCustomPainterJob,
                           QgsMapSettings, QgsPalLayerSettings, QgsRectangle,
                           QgsVectorTileBasicLabeling, QgsVectorTileBasicLabelingStyle,
                           QgsVectorTileLayer, QgsVectorTileRenderer)
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor, QImage, QPainter

    uri = f"type=xyz&url={urllib.parse.quote(task['url'], safe=':/{}')}&zmin=0&zmax=14"
    layer = QgsVectorTileLayer(uri, "t")
    if not layer.isValid():
        return {"valid": False, "error": error_text(layer)}

    class Recorder(QgsVectorTileRenderer):
        """Keeps what each rendered tile held: its address, layers and features."""

        def __init__(self, seen):
            super().__init__()
            self.seen = seen

        def type(self):
            return "kvarter-recorder"

        def clone(self):
            return Recorder(self.seen)

        def startRender(self, context, tile_zoom, tile_range):
            pass

        def stopRender(self, context):
            pass

        def requiredLayers(self, context, tile_zoom):
            # The empty name stands for every layer of the tile; QGIS decodes only those named.
            return {""}

        def renderTile(self, tile, context):
            address = tile.id()
            for name in tile.layers():
                for feature in tile.layerFeatures(name):
                    attributes = dict(zip(feature.fields().names(), feature.attributes()))
                    self.seen.append({"tile": [address.zoomLevel(), address.column(), address.row()],
                                      "layer": name, "id": str(attributes.get("id"))})

        def writeXml(self, element, context):
            pass

        def readXml(self, element, context):
            pass

    seen = []
    layer.setRenderer(Recorder(seen))
    mercator = QgsCoordinateReferenceSystem("EPSG:3857")
    z = task["z"]
    size = 2 * math.pi * 6378137 / 2 ** z
    origin = math.pi * 6378137

    def render(x, y):
        """What the renderer saw of a map of tile z/x/y."""
        seen.clear()
        settings = QgsMapSettings()
        settings.setLayers([layer])
        settings.setDestinationCrs(mercator)
        # The tile's extent less a 1% margin (so no neighbour touches it) at 512 px: QGIS asks
        # for this one tile at zoom z.
        inset = size / 100
        settings.setExtent(QgsRectangle(-origin + x * size + inset, origin - (y + 1) * size + inset,
                                        -origin + (x + 1) * size - inset, origin - y * size - inset))
        settings.setOutputSize(QSize(512, 512))
        image = QImage(512, 512, QImage.Format_ARGB32_Premultiplied)
        image.fill(QColor("white"))
        painter = QPainter(image)
        job = QgsMapRendererCustomPainterJob(settings, painter)
        job.renderSynchronously()
        painter.end()
        return list(seen), [f"{e.layerID}: {e.message}" for e in job.errors()]

    first = [render(x, y) for x, y in task["tiles"]]
    # 3.22 decodes only the attributes something asks for, and a Python renderer cannot ask (its
    # usedAttributes is not bound), so a second pass labels "id" in each tile layer the first
    # pass found (a style for layer "" would not ask for it), and reads the ids.
    names = sorted({s["layer"] for features, _ in first for s in features})
    styles = []
    for name in names:
        label = QgsPalLayerSettings()
        label.fieldName = "id"
        style = QgsVectorTileBasicLabelingStyle()
        style.setLayerName(name)
        style.setLabelSettings(label)
        styles.append(style)
    labeling = QgsVectorTileBasicLabeling()
    labeling.setStyles(styles)
    layer.setLabeling(labeling)
    tiles = []
    for (x, y), (features, errors) in zip(task["tiles"], first):
        labelled, more_errors = render(x, y)
        tiles.append({
            "features": len(features),
            "layers": sorted({s["layer"] for s in features}),
            "ids": sorted({s["id"] for s in labelled}),
            "rendered": sorted({tuple(s["tile"]) for s in features}),
            "errors": errors + more_errors,
        })
    return {"valid": True, "tiles": tiles}


# ---------------------------------------------------------------------------------------------


class Context:
    def __init__(self, args, base):
        self.args, self.base = args, base
        self.ref = Reference(base)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--qgis-child":
        run_qgis_child(json.loads(sys.argv[2]))
        return 0

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("--group", action="append", choices=sorted(GROUPS),
                        help="run only this group (repeatable); all by default")
    parser.add_argument("--qgis-python", default="/usr/bin/python3")
    parser.add_argument("--schemathesis", default=os.path.join(os.path.dirname(sys.executable), "schemathesis"))
    parser.add_argument("--openapi", default="/ogc/api",
                        help="the OpenAPI document schemathesis tests (a path on the server)")
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--api-max-examples", type=int, default=5,
                        help="schemathesis examples per operation of /api/openapi.json (CI: 5, ~60 s)")
    args = parser.parse_args()
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")

    server = Server(args.binary)
    print(f"kvarter serve at {server.base}", flush=True)
    failures = []
    try:
        ctx = Context(args, server.base)
        for name in args.group or list(GROUPS):
            function = GROUPS[name]
            start = time.monotonic()
            try:
                detail = function(ctx)
                verdict = "PASS"
            except Missing as error:
                verdict, detail = ("FAIL" if in_ci else "SKIP"), str(error)
            except Failed as error:
                verdict, detail = "FAIL", str(error)
            except Exception as error:  # a client's own exception is a failure of the group too
                verdict, detail = "FAIL", f"{type(error).__name__}: {error}"
            if verdict == "FAIL":
                failures.append(name)
            print(f"{verdict} {name} [{time.monotonic() - start:.1f} s]: {detail}", flush=True)
    finally:
        server.stop()
    if failures:
        print(f"test-ogc-clients: {len(failures)} group(s) failed: {', '.join(failures)}")
        return 1
    print("test-ogc-clients: every group passed (or was skipped outside CI)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
