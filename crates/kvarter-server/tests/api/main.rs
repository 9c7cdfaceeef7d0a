//! In-process tests of the HTTP API: every request goes through `app(state)` with
//! `tower::ServiceExt::oneshot`, over small datasets built in code (see `support`, and
//! `squares` for the one with indicators and exactly known areas, and `gazetteer` for the
//! addresses placed in the first).

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests fail loudly, and compare coordinates they wrote themselves"
)]

mod admin;
mod areas;
mod bad_input;
mod batch;
mod compare;
mod connections;
mod cross_cutting;
mod features;
mod gazetteer;
mod images;
mod indicators;
mod layers;
mod lookup;
mod ogc;
mod ogc_tiles;
mod search;
mod squares;
mod state_lists;
mod support;
mod tiles;
mod web;
