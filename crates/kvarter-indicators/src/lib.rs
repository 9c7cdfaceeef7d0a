//! Kvarter's indicators: the catalogue of what is measured and why, the values of its tables,
//! and their join onto every area of every area layer.
//!
//! * [`catalogue`]: the hand-written `indicators/catalogue.toml` — policies, datasets,
//!   indicators, quoted facts — parsed and checked.
//! * [`table`]: one dataset's CSV (`indicator,unit,period,value`).
//! * [`values`]: all tables checked against the catalogue and the layers ([`Indicators`]).
//! * [`areal_weighting`]: estimating values for areas from units that cut across them.
//! * [`joins`]: every indicator and period on every area layer, once per data version
//!   ([`Joins`]), and the per-layer tables the API serves.
//!
//! ```
//! use geo::{Geometry, MultiPolygon, polygon};
//! use kvarter_core::{Area, Layer, LayerKind, LayerMeta, Properties};
//! use kvarter_indicators::{Catalogue, Indicators, Joins};
//!
//! // Two units side by side (each about 1 km × 1 km near Copenhagen), and one target area
//! // lying half over each.
//! let square = |id: &str, name: &str, x0: f64| Area {
//!     id: id.into(), name: Some(name.into()), parent: None, area_m2: None,
//!     properties: Properties::new(),
//!     geometry: Geometry::MultiPolygon(MultiPolygon::new(vec![polygon![
//!         (x: x0, y: 55.68), (x: x0 + 0.016, y: 55.68), (x: x0 + 0.016, y: 55.689), (x: x0, y: 55.689),
//!     ]])),
//! };
//! let layer = |id: &str, areas| Layer {
//!     meta: LayerMeta::synthetic(id.parse().unwrap(), LayerKind::AdminUnit),
//!     areas,
//! };
//! let layers = vec![
//!     layer("units", vec![square("a", "Valby", 12.50), square("b", "Vesterbro", 12.516)]),
//!     layer("targets", vec![square("t", "Target", 12.508)]),
//! ];
//!
//! let catalogue = Catalogue::parse(r#"
//!     format = "kvarter-indicators/1"
//!     [[dataset]]
//!     id = "residents"
//!     title = { da = "Befolkning", en = "Population" }
//!     publisher = "example"
//!     origin = "example"
//!     files = []
//!     vintage = "2019"
//!     licence = "CC0"
//!     status = "synthetic"
//!     geography = "units"
//!     table = "residents.csv"
//!     [[indicator]]
//!     id = "population"
//!     title = { da = "Befolkning", en = "Population" }
//!     unit = { da = "personer", en = "persons" }
//!     measure = "extensive"
//!     direction = "neutral"
//!     definition = { da = "Indbyggere", en = "Residents" }
//!     datasets = ["residents"]
//! "#, "example").unwrap();
//! let table = b"indicator,unit,period,value\npopulation,a,2019,1000\npopulation,b,2019,3000\n";
//! let indicators =
//!     Indicators::load(&catalogue, &[("residents".into(), table.to_vec())], &layers).unwrap();
//! let joins = Joins::new(indicators, layers).unwrap();
//!
//! let target = joins.layer_index(&"targets".parse().unwrap()).unwrap();
//! let value = joins.value(target, 0, "population", None).unwrap();
//! // Half of each unit's residents: 500 + 1500.
//! assert!((value.value - 2000.0).abs() < 1.0, "{}", value.value);
//! assert_eq!(value.estimated_from(), "Vesterbro 75 %; Valby 25 %");
//! ```

pub mod areal_weighting;
pub mod catalogue;
pub mod joins;
pub mod table;
pub mod values;

pub use areal_weighting::{Estimate, Overlaps, join_values};
pub use catalogue::{
    Catalogue, CatalogueError, DatasetInfo, Direction, Fact, Indicator, Measure, Policy,
};
pub use joins::{
    Contribution, JoinError, JoinPlan, JoinedValue, Joins, LayerTable, Method, TableRow, Weighting,
};
pub use table::TableError;
pub use values::{Indicators, LoadError};
