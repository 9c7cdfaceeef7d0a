//! Load while the data is reloaded (issue 14), briefly: 32 keep-alive clients ask lookups and
//! tiles while the data folder is switched between two datasets and reloaded 20 times; no
//! request may fail, no answer may disagree with its data version, both datasets must be served,
//! and the memory must come back once the old versions are dropped. The driver and what it
//! checks are `kvarter_e2e::load`'s; `scripts/load-reload` runs it longer and reports speed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use kvarter_e2e::load::{Plan, run_load, serve, two_datasets};

#[test]
fn thirty_two_clients_get_no_failure_and_no_answer_from_a_mixed_version_over_twenty_reloads() {
    let folder = two_datasets();
    let server = serve(&folder);
    let plan = Plan {
        connections: 32,
        quiet: Duration::from_secs(3),
        reloads: 20,
        reload_span: Duration::ZERO,
        tail: Duration::from_secs(1),
        settle: Duration::from_secs(1),
    };
    let report = run_load(&server, &folder, &plan);
    println!("{report}");
    assert_eq!(report.failures, 0, "{report}");
    assert_eq!(report.mismatches, 0, "{report}");
    assert_eq!(report.etag_conflicts, 0, "{report}");
    assert!(report.reload_failures.is_empty(), "{report}");
    assert_eq!(report.reload_seconds.len(), 20, "{report}");
    assert!(
        report.per_dataset[0] > 0 && report.per_dataset[1] > 0,
        "both datasets served under load: {report}"
    );
    report
        .memory_check()
        .unwrap_or_else(|why| panic!("{why}\n{report}"));
}
