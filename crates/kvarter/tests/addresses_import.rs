//! `kvarter addresses import`: the import of the made-up DAWA fixtures of `kvarter-geocode`
//! into a gazetteer file, the report of rejected rows, the real ETRS89 conversion, and the
//! atomic swap (a failed import leaves the old file byte for byte).
//!
//! The module is compiled here from its source, so these tests run whether or not the binary
//! wires the subcommand yet.

#![allow(clippy::unwrap_used, reason = "tests")]

#[path = "../src/addresses.rs"]
#[allow(
    dead_code,
    reason = "the binary prints with these; the tests check the values"
)]
mod addresses;

use std::fs;
use std::path::{Path, PathBuf};

use addresses::{DEFAULT_SOURCE, ImportArgs, ImportSummary, OUTPUT_FILE, import};
use kvarter_geocode::file::{Record, read_records};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../kvarter-geocode/tests/fixtures")
        .join(name)
}

fn args(file: PathBuf, report: Option<PathBuf>) -> ImportArgs {
    ImportArgs {
        file,
        out: None,
        report,
        source: DEFAULT_SOURCE.into(),
    }
}

/// Imports fixture `name` into the data folder `dir`, without a report; it must succeed.
fn import_fixture(name: &str, dir: &Path) -> ImportSummary {
    import(&args(fixture(name), None), dir, false).unwrap()
}

/// The records of the gazetteer file an import wrote into `dir`.
fn imported(dir: &Path) -> Vec<Record> {
    read_records(&fs::read(dir.join(OUTPUT_FILE)).unwrap(), OUTPUT_FILE).unwrap()
}

/// Files in `dir` other than `keep`: left-over temporary files would show here.
fn others(dir: &Path, keep: &[&str]) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !keep.contains(&name.as_str()))
        .collect()
}

#[test]
fn an_import_writes_a_gazetteer_file_that_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let summary = import_fixture("adgangsadresser_semicolon.csv", dir.path());
    assert_eq!((summary.tally.read, summary.tally.imported), (6, 6));
    let bytes = fs::read(dir.path().join(OUTPUT_FILE)).unwrap();
    let records = read_records(&bytes, OUTPUT_FILE).unwrap();
    assert_eq!(records.len(), 6);
    assert!(records.iter().all(|r| r.source == DEFAULT_SOURCE));
    assert_eq!(records[0].entry.text, "Mjølnerparken 2, 2200 København N");
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with(&format!("{}\n", kvarter_geocode::file::HEADER)));
    assert_eq!(text.matches(kvarter_geocode::file::HEADER).count(), 1);
    assert_eq!(others(dir.path(), &[OUTPUT_FILE]), Vec::<String>::new());
}

#[test]
fn etrs89_only_rows_are_converted_with_the_real_projection() {
    let dir = tempfile::tempdir().unwrap();
    import_fixture("adgangsadresser_semicolon.csv", dir.path());
    let records = imported(dir.path());
    // Nørrebrogade 52A has only ETRS89 (723496.75, 6177365.75), made from (12.5560, 55.6905).
    let norrebrogade = &records[3].entry;
    assert_eq!(norrebrogade.text, "Nørrebrogade 52A, 2200 København N");
    assert!(
        (norrebrogade.point.x() - 12.5560).abs() < 1e-6,
        "{norrebrogade:?}"
    );
    assert!(
        (norrebrogade.point.y() - 55.6905).abs() < 1e-6,
        "{norrebrogade:?}"
    );
    // The same in DAWA JSON with srid=25832 coordinates (Istedgade 119A).
    import_fixture("adgangsadresser.json", dir.path());
    let istedgade = &imported(dir.path())[1].entry;
    assert_eq!(istedgade.text, "Istedgade 119A, 1650 København V");
    assert!(
        (istedgade.point.x() - 12.5531).abs() < 1e-6,
        "{istedgade:?}"
    );
    assert!((istedgade.point.y() - 55.669).abs() < 1e-6, "{istedgade:?}");
}

#[test]
fn the_report_lists_every_rejected_row_with_line_id_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("rejected.csv");
    let summary = import(
        &args(fixture("adgangsadresser_rejects.csv"), Some(report.clone())),
        dir.path(),
        false,
    )
    .unwrap();
    assert_eq!(summary.tally.rejected_total(), 9);
    let text = fs::read_to_string(&report).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "line,record,id,reason,detail");
    assert_eq!(lines.len(), 10);
    assert_eq!(lines[1], "3,2,,missing-id,no id");
    assert_eq!(
        lines[3],
        "5,4,0a3f50c0-0004-32b8-e044-0003ba298018,bad-house-number,\"\"\"12-14\"\" is not a house \
         number (1–999 and at most one letter, e.g. 12B)\""
    );
    assert!(lines[9].starts_with("11,10,0a3f50c0-0001-32b8-e044-0003ba298018,duplicate-id,"));
}

#[test]
fn a_failed_import_leaves_the_old_file_byte_for_byte_and_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    import_fixture("adgangsadresser_semicolon.csv", dir.path());
    let output = dir.path().join(OUTPUT_FILE);
    let before = fs::read(&output).unwrap();
    let report = dir.path().join("rejected.csv");

    // A malformed row on line 4, after two good rows were already written.
    let error = import(
        &args(
            fixture("adgangsadresser_broken_row.csv"),
            Some(report.clone()),
        ),
        dir.path(),
        false,
    )
    .unwrap_err();
    assert!(format!("{error:#}").contains("line 4"), "{error:#}");
    assert_eq!(fs::read(&output).unwrap(), before);
    assert!(!report.exists());
    assert_eq!(others(dir.path(), &[OUTPUT_FILE]), Vec::<String>::new());

    // A file with no importable row does not replace the index with an empty one.
    let empty = dir.path().join("all-rejected.csv");
    fs::write(
        &empty,
        "id;vejnavn;husnr;postnr;wgs84koordinat_bredde;wgs84koordinat_længde\na;;1;1650;55.6;12.5\n",
    )
    .unwrap();
    let error = import(&args(empty.clone(), None), dir.path(), false).unwrap_err();
    assert!(error.to_string().contains("no row"), "{error:#}");
    assert_eq!(fs::read(&output).unwrap(), before);

    // Missing columns: a typed error before anything is written.
    fs::write(&empty, "id;vejnavn\n").unwrap();
    let error = import(&args(empty, None), dir.path(), false).unwrap_err();
    assert!(format!("{error:#}").contains("husnr"), "{error:#}");
    assert_eq!(fs::read(&output).unwrap(), before);
    assert_eq!(
        others(dir.path(), &[OUTPUT_FILE, "all-rejected.csv"]),
        Vec::<String>::new()
    );
}

#[test]
fn a_successful_import_replaces_the_old_file_and_keeps_its_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join(OUTPUT_FILE);
    fs::write(&output, "old").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(&output, fs::Permissions::from_mode(0o640)).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let mut geojson = args(fixture("adgangsadresser.geojson"), None);
    geojson.out = Some(dir.path().to_owned());
    // --out wins over the data folder.
    import(&geojson, out.path(), false).unwrap();
    assert_eq!(others(out.path(), &[]), Vec::<String>::new());
    assert_eq!(imported(dir.path()).len(), 2);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(&output).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }
}

#[test]
fn run_prints_and_succeeds_on_a_good_file() {
    let dir = tempfile::tempdir().unwrap();
    addresses::run(
        &args(fixture("adgangsadresser_comma_bom.csv"), None),
        dir.path(),
    )
    .unwrap();
    assert!(dir.path().join(OUTPUT_FILE).exists());
}

/// Import throughput end to end (read, convert, write the gazetteer file, rename) on 200,000
/// **synthetic** rows from a fixed seed, written to a temporary file and never kept. Prints
/// rows/s; timing is not asserted. Run:
/// `cargo test --release -p kvarter --test addresses_import -- --ignored --nocapture`
#[test]
#[ignore = "a timing run, not a check"]
fn import_throughput_on_200k_synthetic_rows() {
    use std::fmt::Write as _;
    const STREETS: [&str; 6] = [
        "Nørrebrogade",
        "Istedgade",
        "Mjølnerparken",
        "Åboulevard",
        "Valby Langgade",
        "Amagerbrogade",
    ];
    let mut state: u64 = 0x5eed_da3a;
    let mut next = move || {
        // xorshift64: deterministic and dependency-free.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut csv = String::from(
        "id;vejnavn;husnr;postnr;postnrnavn;etrs89koordinat_øst;etrs89koordinat_nord;\
         wgs84koordinat_bredde;wgs84koordinat_længde\n",
    );
    for _ in 0..200_000 {
        let (a, b) = (next(), next());
        let lon = 12.45 + (a % 20_000) as f64 / 100_000.0;
        let lat = 55.61 + (b % 12_000) as f64 / 100_000.0;
        writeln!(
            csv,
            "{:016x}-synthetic;{};{};2200;København N;;;{lat:.8};{lon:.8}",
            a ^ b,
            STREETS[(a % 6) as usize],
            1 + b % 400,
        )
        .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("synthetic.csv");
    fs::write(&input, csv).unwrap();
    print_throughput("", &import(&args(input, None), dir.path(), false).unwrap());
    // And with only ETRS89 coordinates, so every row goes through the projection.
    let etrs = dir.path().join("synthetic-etrs.csv");
    let mut csv =
        String::from("id;vejnavn;husnr;postnr;etrs89koordinat_øst;etrs89koordinat_nord\n");
    for i in 0..200_000_u64 {
        let (a, b) = (next(), next());
        writeln!(
            csv,
            "etrs-{i};Istedgade;{};1650;{:.2};{:.2}",
            1 + a % 400,
            715_000.0 + (a % 15_000) as f64,
            6_170_000.0 + (b % 12_000) as f64,
        )
        .unwrap();
    }
    fs::write(&etrs, csv).unwrap();
    print_throughput(
        "ETRS89 only: ",
        &import(&args(etrs, None), dir.path(), false).unwrap(),
    );
}

/// Prints `label`, then the rows an import read and imported, its time and its rows/s.
fn print_throughput(label: &str, summary: &ImportSummary) {
    println!(
        "{label}{} rows ({} imported) in {:.3} s: {:.0} rows/s",
        summary.tally.read,
        summary.tally.imported,
        summary.elapsed.as_secs_f64(),
        summary.rows_per_second()
    );
}
