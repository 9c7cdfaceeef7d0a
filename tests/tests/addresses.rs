//! Addresses against the real binary and the shipped gazetteer (`geodata/gazetteer.csv`):
//! `kvarter lookup --address`, `kvarter lookup --batch`, and the address routes of
//! `kvarter serve`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::process::Output;

use kvarter_e2e::{Server, run};
use kvarter_testkit::{csv_header, csv_rows};
use serde_json::Value;

/// A shipped address inside the 2017 designation Indre Nørrebro (and the 2011 one around it).
const ADDRESS: &str = "Åboulevard 34A, 2200 København N";

/// Runs `kvarter ARGS`, asserting that it succeeds (with its stderr if not).
fn run_ok(args: &[&str]) -> Output {
    let out = run(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout_json(args: &[&str]) -> Value {
    serde_json::from_slice(&run_ok(args).stdout).unwrap()
}

/// The CSV `kvarter lookup --batch FILE` prints.
fn lookup_batch(file: &tempfile::NamedTempFile) -> Vec<u8> {
    run_ok(&["lookup", "--batch", file.path().to_str().unwrap()]).stdout
}

/// The area names of every designation layer with a hit, in a lookup-shaped answer.
fn designated(answer: &Value) -> Vec<String> {
    answer["designations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|group| group["layers"].as_array().unwrap())
        .flat_map(|entry| entry["areas"].as_array().unwrap())
        .map(|area| area["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn lookup_by_address_finds_a_shipped_address_typed_loosely_and_its_designations() {
    for typed in [
        ADDRESS,
        "aaboulevard 34a",
        "Åboulevard 34 A, 3. tv",
        "Aboulevrd 34A",
    ] {
        let answer = stdout_json(&["lookup", "--address", typed]);
        assert_eq!(answer["match"]["text"], ADDRESS, "{typed}: {answer}");
        assert!(
            answer["match"]["confidence"].as_f64().unwrap() > 0.5,
            "{typed}"
        );
        assert!(
            designated(&answer).contains(&"Indre Nørrebro".to_owned()),
            "{typed}: {answer}"
        );
    }
    let unknown = stdout_json(&["lookup", "--address", "Gothersgade 999, 1123 København K"]);
    assert!(unknown["match"].is_null() || unknown["match"]["type"] == "street");
}

#[test]
fn lookup_batch_answers_a_csv_of_1000_addresses() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "id,address").unwrap();
    for i in 0..1000 {
        let typed = if i % 2 == 0 { ADDRESS } else { "Ingen Vej 1" };
        writeln!(file, "{i},\"{typed}\"").unwrap();
    }
    let stdout = lookup_batch(&file);
    let header = csv_header(&stdout);
    assert_eq!(header[..4], ["id", "address", "matched_address", "match"]);
    let column = header
        .iter()
        .position(|h| h == "udsatte-byomraader-2017")
        .unwrap();
    let rows = csv_rows(&stdout);
    assert_eq!(rows.len(), 1000);
    for (i, row) in rows.iter().enumerate() {
        if i % 2 == 0 {
            assert_eq!(&row[2], ADDRESS);
            assert_eq!(&row[column], "Indre Nørrebro");
        } else {
            assert_eq!(&row[2], "", "{row:?}");
        }
    }
}

#[test]
fn the_served_address_routes_use_the_shipped_gazetteer() {
    let server = Server::start(&[]);
    let search = server.json("/api/search?q=%C3%85boulevard%2034", 200);
    assert_eq!(search["results"][0]["text"], ADDRESS, "{search}");
    let point = &search["results"][0]["point"];
    let reverse = server.json(
        &format!("/api/reverse?lon={}&lat={}&radius=20", point[0], point[1]),
        200,
    );
    assert_eq!(reverse["result"]["text"], ADDRESS, "{reverse}");
    let lookup = server.json("/api/lookup?address=%C3%85boulevard%2034A", 200);
    assert_eq!(lookup["match"]["confidence"], 1.0);
    let client = reqwest::blocking::Client::new();
    let answer = client
        .post(format!("{}/api/lookup/batch", server.base))
        .header("content-type", "text/csv")
        .body(format!("address\n{ADDRESS}\n"))
        .send()
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let text = answer.text().unwrap();
    assert!(text.contains("Indre Nørrebro"), "{text}");
}

/// Copies the committed data folder (layers, indicators, gazetteer) into a temporary one.
fn data_folder_copy() -> tempfile::TempDir {
    let geodata = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../geodata");
    let copy = tempfile::tempdir().unwrap();
    for entry in walk(&geodata) {
        let relative = entry.strip_prefix(&geodata).unwrap();
        let target = copy.path().join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &target).unwrap();
    }
    copy
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// A made-up DAWA register among `kvarter-geocode`'s test fixtures.
fn dawa_fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/kvarter-geocode/tests/fixtures")
        .join(name)
}

/// The arguments of `kvarter --data DIR addresses import FILE`.
fn import_args<'a>(dir: &'a str, file: &'a std::path::Path) -> [&'a str; 5] {
    ["--data", dir, "addresses", "import", file.to_str().unwrap()]
}

/// The text of the first search result that is an address, if any.
fn first_address(server: &Server, query: &str) -> Option<String> {
    let answer = server.json(&format!("/api/search?q={query}&types=address"), 200);
    answer["results"][0]["text"].as_str().map(str::to_owned)
}

#[test]
fn a_running_server_swaps_in_an_imported_register_on_sighup_and_keeps_it_when_an_import_fails() {
    let data = data_folder_copy();
    let dir = data.path().to_str().unwrap();
    let server = Server::start(&["--data", dir]);
    let mjoelnerparken = "Mjølnerparken 2, 2200 København N";
    assert_ne!(
        first_address(&server, "Mjolnerparken%202").as_deref(),
        Some(mjoelnerparken)
    );

    let good = dawa_fixture("adgangsadresser_semicolon.csv");
    run_ok(&import_args(dir, &good));
    server.hangup();
    let swapped = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        first_address(&server, "Mjolnerparken%202").as_deref() == Some(mjoelnerparken)
    });
    assert!(
        swapped,
        "the imported address is not found 10 s after SIGHUP"
    );

    // A failed import leaves the file, and a reload keeps serving the same addresses.
    let before = std::fs::read(data.path().join("addresses-imported.csv")).unwrap();
    let broken = dawa_fixture("adgangsadresser_broken_row.csv");
    let out = run(&import_args(dir, &broken));
    assert!(!out.status.success());
    assert_eq!(
        std::fs::read(data.path().join("addresses-imported.csv")).unwrap(),
        before
    );
    server.hangup();
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(
        first_address(&server, "Mjolnerparken%202").as_deref(),
        Some(mjoelnerparken)
    );
}

#[test]
fn an_imported_dawa_register_is_searched_beside_the_shipped_gazetteer() {
    let data = data_folder_copy();
    let dir = data.path().to_str().unwrap();
    let fixture = dawa_fixture("adgangsadresser_semicolon.csv");
    run_ok(&import_args(dir, &fixture));
    assert!(data.path().join("addresses-imported.csv").is_file());

    let answer = stdout_json(&["--data", dir, "lookup", "--address", "mjolnerparken 2"]);
    assert_eq!(
        answer["match"]["text"], "Mjølnerparken 2, 2200 København N",
        "{answer}"
    );
    assert!(
        designated(&answer).contains(&"Indre og ydre Nørrebro".to_owned()),
        "{answer}"
    );
    // The shipped addresses are still found.
    let shipped = stdout_json(&["--data", dir, "lookup", "--address", ADDRESS]);
    assert_eq!(shipped["match"]["text"], ADDRESS);

    // Without a data folder the import says where to write.
    let refused = run(&["addresses", "import", fixture.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--data"));
}

/// Lower case, æ/ø/å written ae/oe/aa.
fn plain_ascii(text: &str) -> String {
    text.to_lowercase()
        .replace('æ', "ae")
        .replace('ø', "oe")
        .replace('å', "aa")
}

/// The ways a planner types an address: as written, lower case without æøå, without the
/// postcode, with floor and door, and with one letter of the street left out (for streets of 8
/// letters or more; the letter is chosen so the result is not another real name in `names` and
/// does not form an æ/ø/å spelling such as "aa", which search folds on purpose).
fn typing_variants(
    text: &str,
    street: &str,
    names: &std::collections::HashSet<String>,
) -> Vec<(&'static str, String)> {
    let without_postcode = text.split(',').next().unwrap_or(text).to_owned();
    let rest = &text[street.len()..];
    let mut variants = vec![
        ("as written", text.to_owned()),
        ("lower case, no æøå", plain_ascii(text)),
        ("no postcode", without_postcode.clone()),
        ("floor and door", format!("{without_postcode}, 2. tv")),
    ];
    let chars: Vec<char> = street.chars().collect();
    if chars.len() >= 8 {
        let middle = chars.len() / 2;
        let typo = (0..chars.len() / 2)
            .flat_map(|step| [middle + step, middle - step])
            .map(|skip| {
                chars
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| i != skip)
                    .map(|(_, c)| *c)
                    .collect::<String>()
            })
            .find(|typo| {
                let folded = plain_ascii(typo);
                let original = plain_ascii(street);
                !names.contains(&typo.to_lowercase())
                    && ["aa", "ae", "oe", "ue"]
                        .iter()
                        .all(|pair| folded.matches(pair).count() <= original.matches(pair).count())
            });
        if let Some(typo) = typo {
            variants.push(("one typo", format!("{typo}{rest}")));
        }
    }
    variants
}

#[test]
fn every_shipped_address_is_found_from_the_ways_people_type_it() {
    let gazetteer =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../geodata/gazetteer.csv");
    let records: Vec<csv::StringRecord> = csv::Reader::from_path(gazetteer)
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect();
    let names: std::collections::HashSet<String> = records
        .iter()
        .flat_map(|r| [r[2].to_lowercase(), r[3].to_lowercase()])
        .collect();
    let mut typed = Vec::new();
    for record in &records {
        if &record[0] != "address" {
            continue;
        }
        for (how, text) in typing_variants(&record[2], &record[3], &names) {
            typed.push((record[2].to_owned(), how, text));
        }
    }
    assert!(typed.len() > 10_000, "{} variants", typed.len());
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "address").unwrap();
    for (_, _, text) in &typed {
        writeln!(file, "\"{text}\"").unwrap();
    }
    let rows = csv_rows(&lookup_batch(&file));
    assert_eq!(rows.len(), typed.len());
    let missed: Vec<String> = typed
        .iter()
        .zip(&rows)
        .filter(|((expected, _, _), row)| &row[1] != expected)
        .map(|((expected, how, text), row)| {
            format!("{how}: {text:?} -> {:?} (expected {expected:?})", &row[1])
        })
        .collect();
    assert!(
        missed.is_empty(),
        "{} of {} missed:\n{}",
        missed.len(),
        typed.len(),
        missed[..missed.len().min(30)].join("\n")
    );
}
