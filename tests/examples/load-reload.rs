//! The load-while-reloading run of `scripts/load-reload` (see `kvarter_e2e::load`): starts the
//! `kvarter` binary built beside this example on a data folder with two datasets, loads it and
//! reloads it, and prints the report (Markdown). Exits 1 when a request failed, an answer
//! disagreed with its data version, a reload failed, a dataset was never served or the memory
//! did not come back.
//!
//! `cargo run --release -p kvarter-e2e --example load-reload -- [--connections 32]
//! [--quiet-seconds 20] [--seconds 60] [--reloads 20]` (the `kvarter` release binary built
//! first).

use std::process::ExitCode;
use std::time::Duration;

use kvarter_e2e::load::{Plan, run_load, serve, two_datasets};

fn main() -> ExitCode {
    let mut plan = Plan {
        connections: 32,
        quiet: Duration::from_secs(20),
        reloads: 20,
        reload_span: Duration::from_mins(1),
        tail: Duration::from_secs(2),
        settle: Duration::from_secs(2),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).and_then(|v| v.parse::<u64>().ok());
        match (pair[0].as_str(), value) {
            ("--connections", Some(n)) => plan.connections = usize::try_from(n).unwrap_or(32),
            ("--quiet-seconds", Some(s)) => plan.quiet = Duration::from_secs(s),
            ("--seconds", Some(s)) => plan.reload_span = Duration::from_secs(s),
            ("--reloads", Some(n)) => plan.reloads = usize::try_from(n).unwrap_or(20),
            _ => {
                eprintln!(
                    "usage: load-reload [--connections N] [--quiet-seconds S] [--seconds S] [--reloads N]"
                );
                return ExitCode::from(2);
            }
        }
    }
    let folder = two_datasets();
    let server = serve(&folder);
    let report = run_load(&server, &folder, &plan);
    println!("{report}");
    let both = report.per_dataset.iter().all(|&n| n > 0);
    let clean = report.failures == 0
        && report.mismatches == 0
        && report.etag_conflicts == 0
        && report.reload_failures.is_empty()
        && both;
    match report.memory_check() {
        Ok(()) if clean => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}
