//! Kvarter's service core: one loaded dataset and everything derived from it, and the
//! operations every face calls — the HTTP API (`kvarter-server`), the command line (`kvarter`),
//! and the faces still to come (rendered images, OGC API). Nothing here knows HTTP: answers are
//! typed values (serialisable to the API's JSON) or encoded bytes, refusals are one
//! [`ServiceError`], and the faces only parse their input, call one operation and encode its
//! answer.
//!
//! Dependencies run one way inside the crate, as between crates:
//!
//! * **parts** that know nothing of `Service`: [`catalogue`] (what each layer is),
//!   [`addresses`] (the address index and match confidence), [`tile_cache`], [`comparisons`]
//!   (kept comparisons, their encodings and maps), [`counters`] (the work done, for metrics), [`designation`] (which state lists count as
//!   part of which municipal designation, and the designation as a whole), [`choropleth`] (indicator values on features
//!   and tiles), [`batch`] (the batch CSV), [`encoding`] (bytes and their gzip/brotli forms,
//!   made once), [`error`]; and what a face reads before it asks: [`params`] (query
//!   parameters checked and typed) and [`server_config`] (the HTTP API's settings, the config
//!   file's `[server]`);
//! * [`Service`], built from them — the data version's index, layer catalogue, tiles and tile
//!   cache, comparisons, indicator joins and address index, built once ([`Service::load`] from
//!   a [`DataSource`](kvarter_data::store::DataSource)) and replaced whole ([`Live`]);
//! * its **operations**, one module each, as methods of `Service`: [`lookup`] (by point, by
//!   address, in batches), [`features`], [`tiles`], [`compare`], [`indicators`], [`areas`],
//!   [`search`], [`reverse`]; and the OGC API documents over them, [`ogc`] (features, and
//!   tiles in [`ogc::tiles`]).
//!
//! ```
//! use kvarter_core::{Dataset, Layer, LayerKind, LayerMeta};
//! use kvarter_index::LookupQuery;
//! use kvarter_service::{Service, ServiceConfig};
//! use kvarter_service::lookup::{Located, LookupRequest};
//!
//! let dataset = Dataset {
//!     version: "example".into(),
//!     layers: vec![Layer {
//!         meta: LayerMeta::synthetic("empty".parse().unwrap(), LayerKind::MunicipalDesignation),
//!         areas: vec![],
//!     }],
//! };
//! let service = Service::new(dataset, ServiceConfig::default());
//! let request = LookupRequest {
//!     at: Located::lon_lat(12.5683, 55.6761),
//!     query: LookupQuery::default(),
//! };
//! let answer = serde_json::to_value(service.lookup(&request)).unwrap();
//! assert_eq!(answer["designations"][0]["layers"][0]["designated"], false);
//! ```

// What the service holds and its answers are made of; none of these knows `Service`.
pub mod addresses;
pub mod answer_cache;
pub mod batch;
pub mod catalogue;
pub mod choropleth;
pub mod comparisons;
mod config;
pub mod counters;
pub mod designation;
pub mod encoding;
pub mod error;
pub mod params;
pub mod server_config;
pub mod tile_cache;

// The service, built from those parts, and the live one a process answers from.
mod live;
mod service;

// The operations, one module each, as methods of `Service`.
pub mod areas;
pub mod compare;
pub mod features;
pub mod indicators;
pub mod lookup;
pub mod ogc;
pub mod reload;
pub mod reverse;
pub mod search;
pub mod tiles;

pub use config::ServiceConfig;
pub use error::ServiceError;
pub use live::Live;
pub use service::{LayerAt, Service};
