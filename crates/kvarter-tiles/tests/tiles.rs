//! Tiles of the real default dataset, decoded with an independent MVT reader (`mvt-reader`, not
//! this crate's encoder) before anything is asserted.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests should fail loudly"
)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::LazyLock;

use geo::{Coord, Distance as _, Geometry, MultiPolygon, Validation};
use kvarter_index::Index;
use kvarter_tiles::{LayerSet, TileConfig, TileCoord, Tiler, mercator};
use mvt_reader::Reader;
use mvt_reader::feature::Value;

const EXTENT: f64 = 4096.0;
const BUFFER: f64 = 64.0;

struct Fixture {
    index: Index,
    tiler: Tiler,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let index = default_index();
    let tiler = Tiler::new(&index, TileConfig::default());
    Fixture { index, tiler }
});

fn default_index() -> Index {
    let geodata = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../geodata");
    let (dataset, _) = kvarter_data::dataset::load_dir(&geodata).expect("geodata/ loads");
    Index::new(dataset)
}

fn set(names: &str) -> LayerSet {
    FIXTURE.tiler.layer_set(&FIXTURE.index, names).unwrap()
}

/// One decoded feature.
#[derive(Debug)]
struct Decoded {
    id: u64,
    area: String,
    geometry: Geometry<f64>,
}

/// Renders and decodes a tile: MVT layer name → features.
fn decode(
    tiler: &Tiler,
    index: &Index,
    layers: &LayerSet,
    tile: TileCoord,
) -> BTreeMap<String, Vec<Decoded>> {
    let bytes = tiler.render(index, layers, tile);
    decode_bytes(bytes)
}

fn decode_bytes(bytes: Vec<u8>) -> BTreeMap<String, Vec<Decoded>> {
    if bytes.is_empty() {
        return BTreeMap::new();
    }
    let reader = Reader::new(bytes).expect("the tile decodes");
    let metadata = reader.get_layer_metadata().unwrap();
    let mut layers = BTreeMap::new();
    for meta in metadata {
        assert_eq!(meta.version, 2);
        assert_eq!(meta.extent, 4096);
        let features = reader
            .get_features_as::<f64>(meta.layer_index)
            .unwrap()
            .into_iter()
            .map(|feature| {
                let properties = feature.properties.unwrap_or_default();
                let Some(Value::String(area)) = properties.get("id") else {
                    panic!("feature without an id attribute in {}", meta.name);
                };
                Decoded {
                    id: feature.id.expect("every feature has an id"),
                    area: area.clone(),
                    geometry: feature.geometry,
                }
            })
            .collect();
        layers.insert(meta.name, features);
    }
    layers
}

fn polygons(geometry: &Geometry<f64>) -> MultiPolygon<f64> {
    match geometry {
        Geometry::Polygon(p) => MultiPolygon::new(vec![p.clone()]),
        Geometry::MultiPolygon(m) => m.clone(),
        other => panic!("not a polygon: {other:?}"),
    }
}

/// Tile-local coordinates (grid units) of a lon/lat point in `tile`.
fn local(tile: TileCoord, lon: f64, lat: f64) -> Coord<f64> {
    let (x, y) = mercator::world(lon, lat);
    let scale = EXTENT * f64::from(1_u32 << tile.z());
    Coord {
        x: x * scale - f64::from(tile.x()) * EXTENT,
        y: y * scale - f64::from(tile.y()) * EXTENT,
    }
}

/// Tiles at zoom `z` covering Copenhagen (the kommune's bounds).
fn copenhagen_tiles(z: u8) -> Vec<TileCoord> {
    let kommune = set("kommune-2023");
    let zooms = format!("{z}").parse().unwrap();
    FIXTURE
        .tiler
        .tiles_covering(&FIXTURE.index, &kommune, zooms)
}

#[test]
fn every_area_that_intersects_a_tile_is_present_in_it() {
    let fixture = &*FIXTURE;
    let layers = "udsatte-byomraader-2011,udsatte-byomraader-2017,kommune-2023,bydele-2023,lokaludvalg-2023,kvarterer-2023,roder-2023";
    let layer_set = set(layers);
    let mut checked = 0;
    for z in [6, 8, 10, 12, 14] {
        for tile in copenhagen_tiles(z) {
            let decoded = decode(&fixture.tiler, &fixture.index, &layer_set, tile);
            let [west, south, east, north] = tile.lon_lat_bounds();
            let rect = geo::Rect::new((west, south), (east, north));
            for id in layers.split(',') {
                let expected: BTreeSet<&str> = fixture
                    .index
                    .query_bbox(&id.parse().unwrap(), rect)
                    .iter()
                    .map(|area| area.id.as_str())
                    .collect();
                let present: BTreeSet<&str> = decoded
                    .get(id)
                    .map(|features| features.iter().map(|f| f.area.as_str()).collect())
                    .unwrap_or_default();
                let missing: Vec<_> = expected.difference(&present).collect();
                assert!(missing.is_empty(), "{id} {tile}: missing {missing:?}");
                checked += expected.len();
            }
        }
    }
    assert!(checked > 3_000, "{checked}");
}

#[test]
fn decoded_polygons_are_valid_mvt_rings_within_extent_and_buffer() {
    let fixture = &*FIXTURE;
    let layer_set = set("kvarterer-2023,roder-2023,karreer-2014,vand-2014,udsatte-byomraader-2017");
    let mut rings = 0;
    let mut invalid = Vec::new();
    for z in [10, 12, 14] {
        for tile in copenhagen_tiles(z).into_iter().step_by(3) {
            for (layer, features) in decode(&fixture.tiler, &fixture.index, &layer_set, tile) {
                if layer.ends_with("_labels") {
                    continue;
                }
                for feature in features {
                    let shape = polygons(&feature.geometry);
                    for polygon in &shape {
                        for (i, ring) in std::iter::once(polygon.exterior())
                            .chain(polygon.interiors())
                            .enumerate()
                        {
                            rings += 1;
                            assert!(
                                ring.is_closed() && ring.0.len() >= 4,
                                "{layer} {tile} {}",
                                feature.area
                            );
                            let area = shoelace(&ring.0);
                            // Exterior rings positive (clockwise on screen), holes negative.
                            assert!(
                                if i == 0 { area > 0.0 } else { area < 0.0 },
                                "{layer} {tile} {} ring {i}: area {area}",
                                feature.area
                            );
                            for c in &ring.0 {
                                assert!(
                                    (-BUFFER..=EXTENT + BUFFER).contains(&c.x)
                                        && (-BUFFER..=EXTENT + BUFFER).contains(&c.y),
                                    "{layer} {tile} {}: {c:?}",
                                    feature.area
                                );
                            }
                        }
                    }
                    if let Err(problems) = shape.check_validation() {
                        invalid.push(format!("{layer} {tile} {}: {problems}", feature.area));
                    }
                }
            }
        }
    }
    assert!(rings > 1_000, "{rings}");
    assert!(
        invalid.is_empty(),
        "{} invalid polygons (OGC rules), e.g. {:#?}",
        invalid.len(),
        &invalid[..invalid.len().min(10)]
    );
}

/// Twice-signed area with y down (MVT's convention).
fn shoelace(ring: &[Coord<f64>]) -> f64 {
    ring.windows(2)
        .map(|w| w[0].x * w[1].y - w[1].x * w[0].y)
        .sum()
}

/// Whether `p` is inside `shape` by the crossing-number rule (half-open, so a point on a border
/// two polygons share counts for exactly one of them).
fn crossing_contains(shape: &MultiPolygon<f64>, p: Coord<f64>) -> bool {
    let mut inside = false;
    for polygon in shape {
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            for w in ring.0.windows(2) {
                let (a, b) = (w[0], w[1]);
                if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x
                {
                    inside = !inside;
                }
            }
        }
    }
    inside
}

/// Edge (by its end points' bits) → (the area using it, or `usize::MAX` for several; its ends).
type Edges = HashMap<((u64, u64), (u64, u64)), (usize, Coord<f64>, Coord<f64>)>;

/// Points on borders that two areas of a layer share in the source, away from the layer's outer
/// edge: the middles of edges that appear in two areas' rings.
fn shared_border_points(layer: &str) -> Vec<(f64, f64)> {
    let layer = FIXTURE.index.layer(&layer.parse().unwrap()).unwrap();
    let key = |c: Coord<f64>| (c.x.to_bits(), c.y.to_bits());
    let mut edges: Edges = HashMap::new();
    for (ix, area) in layer.areas.iter().enumerate() {
        let Geometry::MultiPolygon(shape) = &area.geometry else {
            continue;
        };
        for polygon in shape {
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                for w in ring.0.windows(2) {
                    let (a, b) = if key(w[0]) <= key(w[1]) {
                        (w[0], w[1])
                    } else {
                        (w[1], w[0])
                    };
                    edges
                        .entry((key(a), key(b)))
                        .and_modify(|e| {
                            if e.0 != ix {
                                e.0 = usize::MAX;
                            }
                        })
                        .or_insert((ix, a, b));
                }
            }
        }
    }
    let (shared, outer): (Vec<_>, Vec<_>) = edges.values().partition(|e| e.0 == usize::MAX);
    // Keep border points at least ~20 m from any edge that is not shared (the outer edge,
    // which simplification moves with nothing on the other side).
    let far_from_outer = |p: Coord<f64>| {
        outer.iter().all(|(_, a, b)| {
            let d = geo::Euclidean.distance(&geo::Line::new(*a, *b), &geo::Point::from(p));
            d > 0.0003
        })
    };
    let mut points: Vec<(f64, f64)> = shared
        .iter()
        .map(|(_, a, b)| Coord {
            x: f64::midpoint(a.x, b.x),
            y: f64::midpoint(a.y, b.y),
        })
        .filter(|p| far_from_outer(*p))
        .map(|p| (p.x, p.y))
        .collect();
    points.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let step = (points.len() / 400).max(1);
    points.into_iter().step_by(step).collect()
}

#[test]
fn points_on_shared_borders_fall_in_exactly_one_decoded_polygon_at_zoom_12_and_14() {
    let fixture = &*FIXTURE;
    let mut checked = 0;
    for layer in ["roder-2023", "kvarterer-2023", "bydele-2023"] {
        let points = shared_border_points(layer);
        assert!(
            points.len() > 50,
            "{layer}: {} shared border points",
            points.len()
        );
        let layer_set = set(layer);
        for z in [12, 14] {
            let mut tiles: HashMap<TileCoord, Vec<MultiPolygon<f64>>> = HashMap::new();
            let mut failures = Vec::new();
            for &(lon, lat) in &points {
                let tile = TileCoord::containing(lon, lat, z);
                let shapes = tiles.entry(tile).or_insert_with(|| {
                    decode(&fixture.tiler, &fixture.index, &layer_set, tile)
                        .remove(layer)
                        .unwrap_or_default()
                        .iter()
                        .map(|f| polygons(&f.geometry))
                        .collect()
                });
                let p = local(tile, lon, lat);
                let count = shapes.iter().filter(|s| crossing_contains(s, p)).count();
                if count != 1 {
                    failures.push(format!("({lon}, {lat}) in {count} polygons of tile {tile}"));
                }
                checked += 1;
            }
            assert!(
                failures.is_empty(),
                "{layer} z{z}: {} of {} border points: {:?}",
                failures.len(),
                points.len(),
                &failures[..failures.len().min(10)]
            );
        }
    }
    assert!(checked > 600, "{checked}");
}

#[test]
fn small_areas_are_present_at_zoom_8_with_an_area() {
    let fixture = &*FIXTURE;
    for layer in [
        "udsatte-byomraader-2017",
        "udsatte-byomraader-2011",
        "roder-2023",
    ] {
        let layer_set = set(layer);
        let mut present: BTreeSet<String> = BTreeSet::new();
        for tile in fixture
            .tiler
            .tiles_covering(&fixture.index, &layer_set, "8".parse().unwrap())
        {
            for feature in decode(&fixture.tiler, &fixture.index, &layer_set, tile)
                .remove(layer)
                .unwrap_or_default()
            {
                let shape = polygons(&feature.geometry);
                assert!(
                    shape.iter().all(|p| shoelace(&p.exterior().0) > 0.0),
                    "{layer} {}",
                    feature.area
                );
                present.insert(feature.area);
            }
        }
        let all: BTreeSet<String> = fixture
            .index
            .layer(&layer.parse().unwrap())
            .unwrap()
            .areas
            .iter()
            .map(|a| a.id.clone())
            .collect();
        assert_eq!(present, all, "{layer}");
    }
}

#[test]
fn feature_ids_are_equal_across_zooms_and_a_restart_renders_the_same_bytes() {
    let fixture = &*FIXTURE;
    let layer_set = set("bydele-2023");
    let layer = fixture
        .index
        .layer(&"bydele-2023".parse().unwrap())
        .unwrap();
    let mut ids: HashMap<String, BTreeSet<u64>> = HashMap::new();
    for z in [8, 11, 14, 16] {
        for area in &layer.areas {
            let label = geo::InteriorPoint::interior_point(&area.geometry).unwrap();
            let tile = TileCoord::containing(label.x(), label.y(), z);
            let decoded = decode(&fixture.tiler, &fixture.index, &layer_set, tile);
            let feature = decoded["bydele-2023"]
                .iter()
                .find(|f| f.area == area.id)
                .unwrap();
            ids.entry(area.id.clone()).or_default().insert(feature.id);
            let label_feature = decoded["bydele-2023_labels"]
                .iter()
                .find(|f| f.area == area.id)
                .unwrap();
            assert_eq!(label_feature.id, feature.id);
        }
    }
    assert!(ids.values().all(|set| set.len() == 1), "{ids:?}");
    let distinct: BTreeSet<u64> = ids.values().flatten().copied().collect();
    assert_eq!(distinct.len(), layer.areas.len());

    // A restart: the data loaded again, a new index and tiler.
    let index = default_index();
    let tiler = Tiler::new(&index, TileConfig::default());
    let again = tiler.layer_set(&index, "bydele-2023,roder-2023").unwrap();
    for tile in copenhagen_tiles(12).into_iter().step_by(5) {
        assert_eq!(
            tiler.render(&index, &again, tile),
            fixture
                .tiler
                .render(&fixture.index, &set("bydele-2023,roder-2023"), tile),
            "{tile}"
        );
    }
}

#[test]
fn feature_ids_are_distinct_within_every_default_layer() {
    for layer in FIXTURE.index.layers() {
        let ids: BTreeSet<u64> = layer
            .areas
            .iter()
            .map(|area| kvarter_tiles::feature_id(layer.meta.id.as_str(), &area.id))
            .collect();
        assert_eq!(ids.len(), layer.areas.len(), "{}", layer.meta.id);
    }
}

#[test]
fn each_area_gets_one_label_per_zoom_level_inside_it() {
    let fixture = &*FIXTURE;
    let layer_set = set("kvarterer-2023");
    for z in [11, 13] {
        let mut labels: BTreeMap<String, usize> = BTreeMap::new();
        for tile in fixture.tiler.tiles_covering(
            &fixture.index,
            &layer_set,
            format!("{z}").parse().unwrap(),
        ) {
            let decoded = decode(&fixture.tiler, &fixture.index, &layer_set, tile);
            let shapes: HashMap<&str, MultiPolygon<f64>> = decoded
                .get("kvarterer-2023")
                .map(|fs| {
                    fs.iter()
                        .map(|f| (f.area.as_str(), polygons(&f.geometry)))
                        .collect()
                })
                .unwrap_or_default();
            for label in decoded.get("kvarterer-2023_labels").into_iter().flatten() {
                let Geometry::MultiPoint(points) = &label.geometry else {
                    panic!("{:?}", label.geometry)
                };
                let point = points.0[0];
                assert!((0.0..EXTENT).contains(&point.x()) && (0.0..EXTENT).contains(&point.y()));
                assert!(
                    geo::Intersects::intersects(&shapes[label.area.as_str()], &point),
                    "label of {} outside it in {tile}",
                    label.area
                );
                *labels.entry(label.area.clone()).or_default() += 1;
            }
        }
        let layer = fixture
            .index
            .layer(&"kvarterer-2023".parse().unwrap())
            .unwrap();
        assert_eq!(labels.len(), layer.areas.len(), "z{z}");
        assert!(labels.values().all(|n| *n == 1), "z{z}: {labels:?}");
    }
}

#[test]
fn a_composite_tile_has_a_layer_and_a_label_layer_per_source_layer_with_provenance() {
    let fixture = &*FIXTURE;
    let tile = TileCoord::containing(12.4795, 55.7125, 13);
    let bytes = fixture.tiler.render(
        &fixture.index,
        &set("udsatte-byomraader-2017,udsatte-byomraader-2011"),
        tile,
    );
    let reader = Reader::new(bytes).unwrap();
    assert_eq!(
        reader.get_layer_names().unwrap(),
        [
            "udsatte-byomraader-2017",
            "udsatte-byomraader-2017_labels",
            "udsatte-byomraader-2011",
            "udsatte-byomraader-2011_labels"
        ]
    );
    let features = reader.get_features(2).unwrap();
    let husum = features
        .iter()
        .find(|f| matches!(f.properties.as_ref().unwrap().get("name"), Some(Value::String(n)) if n == "Husum/Tingbjerg"))
        .expect("the 2011 area Husum/Tingbjerg is in the tile");
    let properties = husum.properties.as_ref().unwrap();
    assert_eq!(
        properties.get("status"),
        Some(&Value::String("reconstructed".into()))
    );
    assert_eq!(
        properties.get("layer"),
        Some(&Value::String("udsatte-byomraader-2011".into()))
    );
    for key in ["source", "vintage", "licence", "confidence", "area_m2"] {
        assert!(
            properties.contains_key(key),
            "{key} missing: {properties:?}"
        );
    }
}

#[test]
fn a_tile_far_from_copenhagen_is_empty() {
    let fixture = &*FIXTURE;
    let tile = TileCoord::containing(-150.0, -40.0, 10);
    assert!(
        fixture
            .tiler
            .render(&fixture.index, &set("roder-2023,vejklasser-2014"), tile)
            .is_empty()
    );
}

#[test]
fn street_lines_are_clipped_to_the_buffered_tile() {
    let fixture = &*FIXTURE;
    let layer_set = set("vejklasser-2014");
    let mut lines = 0;
    for tile in copenhagen_tiles(13).into_iter().step_by(4) {
        for feature in decode(&fixture.tiler, &fixture.index, &layer_set, tile)
            .remove("vejklasser-2014")
            .unwrap_or_default()
        {
            let parts: Vec<geo::LineString<f64>> = match feature.geometry {
                Geometry::LineString(l) => vec![l],
                Geometry::MultiLineString(m) => m.0,
                other => panic!("{other:?}"),
            };
            for part in parts {
                lines += 1;
                assert!(part.0.len() >= 2);
                assert!(
                    part.0
                        .iter()
                        .all(|c| (-BUFFER..=EXTENT + BUFFER).contains(&c.x)
                            && (-BUFFER..=EXTENT + BUFFER).contains(&c.y))
                );
            }
        }
    }
    assert!(lines > 100, "{lines}");
}

/// Extra attributes naming each feature's layer and area position, as an indicator join would.
struct Positions;

impl kvarter_tiles::ExtraAttributes for Positions {
    fn extend(&self, layer: usize, area: usize, out: &mut Vec<(String, kvarter_tiles::Value)>) {
        out.push((
            "layer_position".into(),
            kvarter_tiles::Value::Double(layer as f64),
        ));
        out.push((
            "area_position".into(),
            kvarter_tiles::Value::Double(area as f64),
        ));
    }
}

#[test]
fn extra_attributes_reach_every_feature_and_label_of_their_own_area() {
    let bydele = set("bydele-2023");
    let position = bydele.positions()[0];
    let layer = &FIXTURE.index.layers()[position];
    let tile = TileCoord::new(11, 1095, 641).unwrap();
    let bytes = FIXTURE
        .tiler
        .render_with(&FIXTURE.index, &bydele, tile, &Positions);
    let reader = Reader::new(bytes).unwrap();
    let mut seen = 0;
    for meta in reader.get_layer_metadata().unwrap() {
        for feature in reader.get_features_as::<f64>(meta.layer_index).unwrap() {
            let properties = feature.properties.unwrap();
            let Some(Value::String(id)) = properties.get("id") else {
                panic!("no id");
            };
            let expected = layer.areas.iter().position(|a| &a.id == id).unwrap();
            assert_eq!(
                properties.get("area_position"),
                Some(&Value::Double(expected as f64)),
                "{id} in {}",
                meta.name
            );
            assert_eq!(
                properties.get("layer_position"),
                Some(&Value::Double(position as f64))
            );
            assert!(properties.contains_key("status"), "own attributes are kept");
            seen += 1;
        }
    }
    assert!(
        seen >= 4,
        "the tile over central Copenhagen holds several bydele: {seen}"
    );
}
