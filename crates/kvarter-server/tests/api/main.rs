//! In-process tests of the HTTP API: every request goes through `app(state)` with
//! `tower::ServiceExt::oneshot`, over small datasets built in code (see `support`, and
//! `squares` for the one with indicators and exactly known areas).

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests fail loudly, and compare coordinates they wrote themselves"
)]

mod areas;
mod compare;
mod cross_cutting;
mod features;
mod indicators;
mod layers;
mod lookup;
mod squares;
mod support;
mod tiles;
