//! Kvarter's spatial index: one bulk-loaded R-tree over every layer of a
//! [`Dataset`](kvarter_core::Dataset), answering exact point lookups ("which areas is this
//! address in?") and bbox queries ("which areas of this layer show in this view?").
//!
//! # Boundary rule
//!
//! Areas are **closed** sets. A point exactly on an edge or a vertex of an area is in the area,
//! and the hit says `on_boundary: true`. So a point on the border two neighbouring areas share is
//! reported in **both**; a point on the edge of a hole is in the area (on its boundary); a point
//! strictly inside a hole is not. "Exactly" means exactly for the `f64` coordinates as stored:
//! the tests use geo's robust orientation predicate, with no tolerance. Lines (base-map streets)
//! are in the tree for bbox queries but never contain a point.
//!
//! # Example
//!
//! ```
//! use geo::{Coord, Geometry, MultiPolygon, polygon};
//! use kvarter_core::{
//!     Area, Dataset, Layer, LayerKind, LayerMeta, Properties, Source, Status, Title,
//! };
//! use kvarter_index::{Index, LookupQuery};
//!
//! let cell = |id: &str, x0: f64| Area {
//!     id: id.into(),
//!     name: None,
//!     parent: None,
//!     area_m2: None,
//!     properties: Properties::new(),
//!     geometry: Geometry::MultiPolygon(MultiPolygon::new(vec![polygon![
//!         (x: x0, y: 55.0), (x: x0 + 0.5, y: 55.0), (x: x0 + 0.5, y: 55.5), (x: x0, y: 55.5),
//!     ]])),
//! };
//! let meta = LayerMeta {
//!     id: "cells".parse().unwrap(),
//!     title: Title { da: "Celler".into(), en: "Cells".into() },
//!     kind: LayerKind::AdminUnit,
//!     authority: "nobody".into(),
//!     policy: None,
//!     valid_from: None,
//!     valid_to: None,
//!     validity_note: None,
//!     status: Status::Synthetic,
//!     source: Source {
//!         publisher: "nobody".into(),
//!         origin: "this example".into(),
//!         files: vec![],
//!         vintage: "none".into(),
//!     },
//!     licence: "CC0".into(),
//!     method: None,
//!     confidence: None,
//! };
//! let dataset = Dataset {
//!     version: "example".into(),
//!     layers: vec![Layer { meta, areas: vec![cell("west", 12.0), cell("east", 12.5)] }],
//! };
//! let index = Index::new(dataset);
//!
//! // Inside the western cell only.
//! let hits = index.lookup(Coord { x: 12.25, y: 55.25 }, &LookupQuery::default());
//! assert_eq!(hits.len(), 1);
//! assert_eq!(hits[0].area.id, "west");
//! assert!(!hits[0].on_boundary);
//!
//! // On the shared border: in both cells, on the boundary of each.
//! let hits = index.lookup(Coord { x: 12.5, y: 55.25 }, &LookupQuery::default());
//! let ids: Vec<_> = hits.iter().map(|hit| (hit.area.id.as_str(), hit.on_boundary)).collect();
//! assert_eq!(ids, [("west", true), ("east", true)]);
//!
//! // Which cells show in a view?
//! let view = geo::Rect::new((12.6, 55.1), (12.7, 55.2));
//! let areas = index.query_bbox(&"cells".parse().unwrap(), view);
//! assert_eq!(areas.len(), 1);
//! assert_eq!(areas[0].id, "east");
//! ```

mod bbox;
#[cfg(test)]
mod fixtures;
mod index;
mod layer_box;
mod lookup;
mod part;
mod prepared;

pub use index::Index;
pub use lookup::{Hit, LookupQuery};
