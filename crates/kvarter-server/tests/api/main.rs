//! In-process tests of the HTTP API: every request goes through `app(state)` with
//! `tower::ServiceExt::oneshot`, over a small dataset built in code (see `support`).

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests fail loudly, and compare coordinates they wrote themselves"
)]

mod cross_cutting;
mod features;
mod layers;
mod lookup;
mod support;
mod tiles;
