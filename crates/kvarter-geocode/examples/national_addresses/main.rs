//! National-scale address benchmark on a **synthetic** register (issue 17); run by
//! `scripts/bench-addresses`, which also runs the real `kvarter addresses import` in between.
//!
//! ```text
//! national_addresses generate N FILE        # the synthetic DAWA CSV of N rows (see synthetic.rs)
//! national_addresses measure FILE [QUERIES] [--check]
//! ```
//!
//! `measure` loads a gazetteer file (what `kvarter addresses import` writes) the way a data
//! folder's address index is loaded — [`kvarter_geocode::file::read_entries`] streaming the
//! file, [`Gazetteer::new`], [`Reverse::new`] — timing each step and reading the process's
//! resident memory (`VmRSS`, and the peak `VmHWM`) from `/proc/self/status` after the build,
//! then times each of QUERIES (default 2,000) seeded queries per kind (see queries.rs) in three
//! rounds and prints one `key=value` line per figure: p50/p99/max of each query's fastest of
//! the three (`…_p99_us`), and of the first round alone (`…_once_p99_us`). With `--check` it also checks that every query finds
//! what it was made from and exits non-zero when one does not (the smoke run).

#![allow(clippy::unwrap_used, reason = "a benchmark tool on generated data")]

mod queries;
mod synthetic;

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use kvarter_geocode::{Gazetteer, Reverse};
use queries::QueryKind;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("generate") if args.len() == 3 => {
            let n: usize = args[1].parse().expect("N is a number");
            let mut out = BufWriter::with_capacity(1 << 20, File::create(&args[2]).unwrap());
            let started = Instant::now();
            let rows = synthetic::write_csv(n, &mut out).unwrap();
            out.flush().unwrap();
            println!("generated={rows}");
            println!("generate_s={:.3}", started.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Some("measure") if args.len() >= 2 => {
            let count = args
                .get(2)
                .filter(|a| !a.starts_with("--"))
                .map_or(2000, |a| a.parse().expect("QUERIES is a number"));
            let check = args.iter().any(|a| a == "--check");
            measure(&args[1], count, check)
        }
        _ => {
            eprintln!(
                "usage: national_addresses generate N FILE | measure FILE [QUERIES] [--check]"
            );
            ExitCode::from(2)
        }
    }
}

/// `VmRSS` and `VmHWM` of this process, in MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(f64::NAN, |kib| kib / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn measure(path: &str, count: usize, check: bool) -> ExitCode {
    let started = Instant::now();
    let file = File::open(path).unwrap();
    let entries = kvarter_geocode::file::read_entries(file, path).unwrap();
    let read = started.elapsed();
    let (rss, hwm) = memory();
    println!("entries={}", entries.len());
    println!("read_s={:.3}", read.as_secs_f64());
    println!("read_rss_mib={rss:.0}");
    println!("read_hwm_mib={hwm:.0}");

    let started = Instant::now();
    let gazetteer = Gazetteer::new(entries);
    let gazetteer_built = started.elapsed();
    let reverse = Reverse::new(&gazetteer);
    let built = started.elapsed();
    let (rss, hwm) = memory();
    println!("gazetteer_s={:.3}", gazetteer_built.as_secs_f64());
    println!(
        "reverse_s={:.3}",
        built.saturating_sub(gazetteer_built).as_secs_f64()
    );
    println!("build_s={:.3}", built.as_secs_f64());
    println!("keys={}", gazetteer.key_count());
    println!("rss_mib={rss:.0}");
    println!("hwm_mib={hwm:.0}");

    let mut failed = 0;
    for kind in QueryKind::ALL {
        failed += time_kind(&gazetteer, &reverse, kind, count, check);
    }
    let (rss, hwm) = memory();
    println!("rss_after_queries_mib={rss:.0}");
    println!("hwm_after_queries_mib={hwm:.0}");
    if check && failed > 0 {
        eprintln!("{failed} query kinds did not find what they were made from");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The `q` quantile (0–1) of sorted `times`, in µs.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "an index into a list of at most a few thousand timings"
)]
fn quantile(times: &[Duration], q: f64) -> f64 {
    let i = ((times.len() as f64 * q).ceil() as usize).clamp(1, times.len().max(1)) - 1;
    times.get(i).map_or(f64::NAN, |d| d.as_secs_f64() * 1e6)
}

/// Times the seeded queries of `kind` and prints their figures; the number of failed checks
/// (0 or 1, or 2 for reverse).
fn time_kind(
    gazetteer: &Gazetteer,
    reverse: &Reverse,
    kind: QueryKind,
    count: usize,
    check: bool,
) -> usize {
    let list = queries::make(gazetteer, kind, count);
    let mut first: Vec<Duration> = Vec::with_capacity(list.len());
    let mut missed = 0;
    for query in &list {
        let started = Instant::now();
        let found = queries::run(gazetteer, reverse, kind, query);
        first.push(started.elapsed());
        if !found {
            missed += 1;
            if check && missed <= 5 {
                eprintln!("{}: not found: {query:?}", kind.name());
            }
        }
    }
    // Two more rounds, each query's fastest of the three kept: on a machine shared with other
    // work a single timing of a millisecond-long query is often a preemption.
    let mut times = first.clone();
    for _ in 0..2 {
        for (query, best) in list.iter().zip(&mut times) {
            let started = Instant::now();
            std::hint::black_box(queries::run(gazetteer, reverse, kind, query));
            *best = (*best).min(started.elapsed());
        }
    }
    if std::env::var_os("KVARTER_BENCH_SLOWEST").is_some() {
        let mut slowest: Vec<(Duration, &str)> = times
            .iter()
            .zip(&list)
            .map(|(t, q)| (*t, q.text.as_str()))
            .collect();
        slowest.sort_unstable_by_key(|s| std::cmp::Reverse(s.0));
        for (t, text) in slowest.iter().take(8) {
            eprintln!(
                "{} slow: {:>8.0} µs  {text:?}",
                kind.name(),
                t.as_secs_f64() * 1e6
            );
        }
    }
    first.sort_unstable();
    times.sort_unstable();
    let name = kind.name();
    println!("{name}_queries={}", list.len());
    println!("{name}_p50_us={:.0}", quantile(&times, 0.50));
    println!("{name}_p99_us={:.0}", quantile(&times, 0.99));
    println!("{name}_max_us={:.0}", quantile(&times, 1.0));
    println!("{name}_once_p50_us={:.0}", quantile(&first, 0.50));
    println!("{name}_once_p99_us={:.0}", quantile(&first, 0.99));
    println!("{name}_missed={missed}");
    // Autocomplete, address and reverse must always find; a typo may land on another street's
    // name that exists (then the right one is not looked for), so allow 5 %.
    let allowed = if kind == QueryKind::Fuzzy {
        list.len() / 20
    } else {
        0
    };
    let mut failed = usize::from(missed > allowed);
    if kind == QueryKind::Reverse {
        let itself = list
            .iter()
            .filter(|q| !queries::reverse_finds_itself(gazetteer, reverse, q.source))
            .count();
        println!("reverse_itself_missed={itself}");
        failed += usize::from(itself > 0);
    }
    failed
}
