//! A **synthetic** national register of adgangsadresser, from a fixed seed, in the CSV shape of
//! DAWA's export (`;`-separated, the columns `kvarter addresses import` reads and the ones it
//! ignores), so that the import measured is the real one. It describes no real address: the
//! street names are composed from Danish name parts, the UUIDs are random, and every row says
//! `synthetic=true` in a column of its own (the importer ignores columns it does not know).
//!
//! Shape, chosen to look like the national register (≈ 3.9 million adgangsadresser):
//! * 100 postcodes with their real district names and approximate centres, weighted by size
//!   (the Copenhagen, Aarhus, Odense and Aalborg codes take the most rows);
//! * streets per postcode from the rows the postcode gets: street lengths are drawn from a
//!   long-tailed distribution (most streets 5–40 houses, a few main streets several hundred),
//!   names composed from stems and suffixes ("Bøgevænget", "Vestergade", "Kirkestræde") or
//!   from a person's name ("Niels Juels Gade"), distinct within a postcode and recurring across
//!   postcodes, as Vestergade does;
//! * house numbers 1, 2, 3… along each street, about one in twenty with a letter (12A, 12B);
//! * points along a line from the street's start (about 12 m apart), streets scattered around
//!   the postcode's centre, all inside Denmark's extent (8.0–15.2° E, 54.5–57.8° N).
//!
//! Adgangsadresser have no floor or door (those belong to the dwelling addresses, `adresser`),
//! so the file has none; the query lists add them where a person would type them.

#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "row counts and street lengths: small, non-negative numbers made from fractions"
)]

use std::fmt::Write as _;
use std::io::{self, Write};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The seed of every synthetic register.
pub const SEED: u64 = 0x4e47_2026;

/// The CSV header: DAWA's adgangsadresse columns, and `synthetic` last.
pub const HEADER: &str = "id;status;oprettet;ændret;vejkode;vejnavn;adresseringsvejnavn;husnr;\
supplerendebynavn;postnr;postnrnavn;kommunekode;kommunenavn;ejerlavkode;matrikelnr;\
etrs89koordinat_øst;etrs89koordinat_nord;wgs84koordinat_bredde;wgs84koordinat_længde;\
nøjagtighed;synthetic";

/// Postcode, district, approximate centre (lon, lat) and a weight (rows relative to others).
const POSTCODES: &[(u16, &str, f64, f64, u32)] = &[
    (1050, "København K", 12.585, 55.680, 30),
    (1550, "København V", 12.565, 55.674, 25),
    (1650, "København V", 12.555, 55.670, 25),
    (2100, "København Ø", 12.578, 55.705, 60),
    (2200, "København N", 12.545, 55.697, 60),
    (2300, "København S", 12.610, 55.655, 70),
    (2400, "København NV", 12.525, 55.710, 50),
    (2450, "København SV", 12.535, 55.650, 35),
    (2500, "Valby", 12.505, 55.662, 45),
    (2600, "Glostrup", 12.400, 55.665, 30),
    (2605, "Brøndby", 12.420, 55.650, 20),
    (2610, "Rødovre", 12.455, 55.680, 35),
    (2620, "Albertslund", 12.355, 55.657, 25),
    (2625, "Vallensbæk", 12.385, 55.625, 15),
    (2630, "Taastrup", 12.300, 55.652, 35),
    (2640, "Hedehusene", 12.195, 55.650, 15),
    (2650, "Hvidovre", 12.475, 55.642, 40),
    (2660, "Brøndby Strand", 12.415, 55.620, 20),
    (2665, "Vallensbæk Strand", 12.370, 55.618, 10),
    (2670, "Greve", 12.300, 55.590, 35),
    (2680, "Solrød Strand", 12.220, 55.535, 20),
    (2690, "Karlslunde", 12.235, 55.565, 10),
    (2700, "Brønshøj", 12.490, 55.705, 35),
    (2720, "Vanløse", 12.485, 55.687, 35),
    (2730, "Herlev", 12.440, 55.725, 30),
    (2740, "Skovlunde", 12.405, 55.720, 15),
    (2750, "Ballerup", 12.360, 55.730, 35),
    (2760, "Måløv", 12.320, 55.750, 15),
    (2765, "Smørum", 12.300, 55.740, 15),
    (2770, "Kastrup", 12.630, 55.630, 30),
    (2791, "Dragør", 12.670, 55.595, 15),
    (2800, "Kongens Lyngby", 12.505, 55.770, 40),
    (2820, "Gentofte", 12.550, 55.750, 25),
    (2830, "Virum", 12.475, 55.795, 20),
    (2840, "Holte", 12.470, 55.810, 20),
    (2850, "Nærum", 12.540, 55.815, 15),
    (2860, "Søborg", 12.505, 55.730, 30),
    (2870, "Dyssegård", 12.530, 55.735, 10),
    (2880, "Bagsværd", 12.455, 55.760, 20),
    (2900, "Hellerup", 12.570, 55.730, 30),
    (2920, "Charlottenlund", 12.580, 55.750, 25),
    (2930, "Klampenborg", 12.590, 55.775, 10),
    (2950, "Vedbæk", 12.565, 55.850, 10),
    (2960, "Rungsted Kyst", 12.545, 55.885, 15),
    (2970, "Hørsholm", 12.500, 55.880, 25),
    (2990, "Nivå", 12.505, 55.935, 15),
    (3000, "Helsingør", 12.590, 56.035, 45),
    (3050, "Humlebæk", 12.535, 55.965, 15),
    (3060, "Espergærde", 12.570, 56.000, 20),
    (3100, "Hornbæk", 12.460, 56.090, 15),
    (3200, "Helsinge", 12.200, 56.020, 30),
    (3300, "Frederiksværk", 12.025, 55.970, 30),
    (3400, "Hillerød", 12.310, 55.930, 45),
    (3450, "Allerød", 12.360, 55.870, 25),
    (3460, "Birkerød", 12.425, 55.845, 25),
    (3480, "Fredensborg", 12.405, 55.975, 20),
    (3500, "Værløse", 12.370, 55.780, 20),
    (3520, "Farum", 12.370, 55.810, 25),
    (3600, "Frederikssund", 12.070, 55.840, 35),
    (3700, "Rønne", 14.705, 55.100, 30),
    (3730, "Nexø", 15.130, 55.060, 15),
    (4000, "Roskilde", 12.080, 55.640, 60),
    (4100, "Ringsted", 11.790, 55.445, 35),
    (4200, "Slagelse", 11.355, 55.405, 50),
    (4300, "Holbæk", 11.715, 55.715, 50),
    (4400, "Kalundborg", 11.090, 55.680, 35),
    (4600, "Køge", 12.180, 55.455, 50),
    (4700, "Næstved", 11.760, 55.230, 60),
    (4800, "Nykøbing F", 11.870, 54.765, 40),
    (4900, "Nakskov", 11.135, 54.830, 25),
    (5000, "Odense C", 10.390, 55.400, 45),
    (5200, "Odense V", 10.350, 55.390, 35),
    (5210, "Odense NV", 10.355, 55.415, 25),
    (5220, "Odense SØ", 10.440, 55.370, 30),
    (5230, "Odense M", 10.415, 55.380, 25),
    (5700, "Svendborg", 10.610, 55.060, 45),
    (5800, "Nyborg", 10.810, 55.310, 30),
    (6000, "Kolding", 9.475, 55.490, 70),
    (6100, "Haderslev", 9.490, 55.250, 45),
    (6200, "Aabenraa", 9.420, 55.045, 45),
    (6400, "Sønderborg", 9.790, 54.910, 50),
    (6700, "Esbjerg", 8.455, 55.475, 55),
    (6800, "Varde", 8.480, 55.620, 40),
    (7000, "Fredericia", 9.750, 55.565, 50),
    (7100, "Vejle", 9.535, 55.710, 60),
    (7400, "Herning", 8.975, 56.135, 60),
    (7500, "Holstebro", 8.615, 56.360, 50),
    (7700, "Thisted", 8.695, 56.955, 40),
    (7800, "Skive", 9.025, 56.565, 45),
    (8000, "Aarhus C", 10.205, 56.155, 60),
    (8200, "Aarhus N", 10.190, 56.185, 45),
    (8210, "Aarhus V", 10.160, 56.165, 40),
    (8260, "Viby J", 10.160, 56.125, 40),
    (8270, "Højbjerg", 10.200, 56.115, 30),
    (8600, "Silkeborg", 9.545, 56.170, 60),
    (8700, "Horsens", 9.850, 55.860, 65),
    (8800, "Viborg", 9.400, 56.450, 65),
    (8900, "Randers C", 10.035, 56.460, 55),
    (9000, "Aalborg", 9.920, 57.045, 70),
    (9400, "Nørresundby", 9.920, 57.065, 35),
    (9800, "Hjørring", 9.985, 57.460, 50),
    (9900, "Frederikshavn", 10.535, 57.440, 45),
];

/// Stems of street names; with a suffix they make names like "Bøgevænget".
const STEMS: &[&str] = &[
    "Vester",
    "Øster",
    "Nørre",
    "Sønder",
    "Mølle",
    "Kirke",
    "Skole",
    "Strand",
    "Bøge",
    "Ege",
    "Birke",
    "Ahorn",
    "Elme",
    "Hassel",
    "Lærke",
    "Rose",
    "Syren",
    "Kastanje",
    "Fasan",
    "Svane",
    "Høj",
    "Dal",
    "Å",
    "Sø",
    "Eng",
    "Mark",
    "Skov",
    "Mose",
    "Bakke",
    "Hede",
    "Klint",
    "Fjord",
    "Havne",
    "Bro",
    "Slots",
    "Præste",
    "Kongens",
    "Dronninge",
    "Prinsesse",
    "Jernbane",
    "Stations",
    "Fabriks",
    "Smede",
    "Tømrer",
    "Bager",
    "Rytter",
    "Fælled",
    "Lunde",
    "Kilde",
    "Tofte",
    "Gårde",
    "Møllebæk",
    "Ny",
    "Gammel",
    "Lille",
    "Store",
    "Lyng",
    "Hvede",
    "Byg",
    "Rug",
    "Kløver",
    "Hyld",
    "Tjørne",
    "Grønne",
    "Blå",
    "Rød",
    "Solsikke",
    "Spurve",
    "Stær",
    "Ørne",
    "Ravne",
    "Hjorte",
    "Ræve",
    "Gransanger",
    "Pile",
    "Poppel",
    "Nødde",
    "Æble",
    "Pære",
    "Blomme",
    "Kirsebær",
    "Valmue",
    "Anemone",
    "Humle",
    "Hørve",
    "Sædding",
    "Østre",
    "Vestre",
    "Søndre",
    "Nordre",
    "Tårn",
    "Vindmølle",
    "Bøgeskov",
    "Egebjerg",
    "Ålekiste",
    "Mågestens",
];

/// Suffixes of street names.
const SUFFIXES: &[&str] = &[
    "gade",
    "vej",
    "stræde",
    "vænget",
    "parken",
    "haven",
    "stien",
    "toften",
    "løkken",
    "bakken",
    "engen",
    "marken",
    " Allé",
    " Boulevard",
    "plads",
    "torv",
    "kæret",
    "højen",
    "lunden",
    "sletten",
    "ager",
    "gården",
    "tværet",
    "krogen",
    "bjerg",
    "dalen",
    "holm",
    "næs",
    "huse",
    "mosevej",
];

/// First names and surnames for streets named after a person.
const FIRST: &[&str] = &[
    "Niels",
    "Jens",
    "Hans",
    "Peter",
    "Søren",
    "Anders",
    "Karen",
    "Marie",
    "Ellen",
    "Jørgen",
    "Poul",
    "Ole",
    "Frederik",
    "Christian",
    "Holger",
    "Knud",
    "Valdemar",
    "Thyra",
    "Dagmar",
    "Agnete",
    "Bodil",
    "Åge",
    "Ærø",
    "Gunnar",
];
const SURNAMES: &[&str] = &[
    "Juels",
    "Bohrs",
    "Baggesens",
    "Ørsteds",
    "Grundtvigs",
    "Hansens",
    "Jensens",
    "Nielsens",
    "Kierkegaards",
    "Blichers",
    "Holbergs",
    "Brandes'",
    "Skovgaards",
    "Møllers",
    "Bjørns",
    "Sørensens",
    "Ehlers",
    "Æbelø",
    "Kjærs",
    "Gjøes",
    "Løvenørns",
    "Rømers",
    "Bangs",
    "Kaas'",
];
const PERSON_SUFFIXES: &[&str] = &[" Vej", " Gade", " Allé", " Plads", " Stræde"];

/// One synthetic adgangsadresse.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// A random UUID.
    pub id: String,
    /// The street name.
    pub street: String,
    /// The house number as written ("12", "12A").
    pub number: String,
    /// The postcode.
    pub postcode: u16,
    /// The postal district.
    pub district: &'static str,
    /// Longitude, WGS84.
    pub lon: f64,
    /// Latitude, WGS84.
    pub lat: f64,
}

/// A street length, long-tailed: most 5–40 houses, a few hundreds.
fn street_length(rng: &mut ChaCha8Rng) -> usize {
    let u: f64 = rng.gen_range(0.0..1.0);
    // A Pareto-like tail over a floor: median ≈ 15, 1 % above ≈ 300.
    let length = 4.0 / (1.0 - u).powf(0.75);
    (length as usize).clamp(2, 900)
}

/// A street name; a person's name about one time in eight.
fn street_name(rng: &mut ChaCha8Rng) -> String {
    if rng.gen_bool(0.125) {
        format!(
            "{} {}{}",
            FIRST[rng.gen_range(0..FIRST.len())],
            SURNAMES[rng.gen_range(0..SURNAMES.len())],
            PERSON_SUFFIXES[rng.gen_range(0..PERSON_SUFFIXES.len())]
        )
    } else {
        let stem = STEMS[rng.gen_range(0..STEMS.len())];
        let suffix = SUFFIXES[rng.gen_range(0..SUFFIXES.len())];
        format!("{stem}{suffix}")
    }
}

/// The synthetic register of `n` rows, streamed to `visit` in file order (postcode by postcode,
/// street by street). The same `n` gives the same rows.
pub fn generate(n: usize, mut visit: impl FnMut(Row)) {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let total: u32 = POSTCODES.iter().map(|p| p.4).sum();
    let mut produced = 0usize;
    let mut owed = 0.0_f64;
    for (i, &(postcode, district, lon0, lat0, weight)) in POSTCODES.iter().enumerate() {
        // Rows for this postcode: its share, the last one takes what rounding left.
        owed += n as f64 * f64::from(weight) / f64::from(total);
        let rows = if i + 1 == POSTCODES.len() {
            n - produced
        } else {
            let rows = owed.floor() as usize;
            owed -= rows as f64;
            rows.min(n - produced)
        };
        // Towns spread wider the more addresses they have (km, as degrees below).
        let spread_km = 1.5 + (rows as f64 / n.max(1) as f64 * 100.0).sqrt() * 2.0;
        let mut names = std::collections::HashSet::new();
        let mut left = rows;
        while left > 0 {
            let mut name = street_name(&mut rng);
            while !names.insert(name.clone()) {
                // Distinct within a postcode: a second "Vestergade" becomes "Vestergade Nord"...
                name = format!(
                    "{name} {}",
                    ["Nord", "Syd", "Øst", "Vest"][rng.gen_range(0..4)]
                );
            }
            let length = street_length(&mut rng).min(left);
            left -= length;
            let (dx, dy): (f64, f64) = (rng.gen_range(-1.0..1.0), rng.gen_range(-1.0..1.0));
            let start_lon = lon0 + dx * spread_km / 63.0;
            let start_lat = lat0 + dy * spread_km / 111.0;
            let heading: f64 = rng.gen_range(0.0..std::f64::consts::TAU);
            let (step_lon, step_lat) =
                (heading.cos() * 0.012 / 63.0, heading.sin() * 0.012 / 111.0);
            let mut number = 0u16;
            let mut k = 0usize;
            while k < length {
                number += 1;
                let lettered = rng.gen_bool(0.05) && length - k >= 2;
                let letters: &[&str] = if lettered { &["A", "B"] } else { &[""] };
                for letter in letters {
                    if k == length {
                        break;
                    }
                    let side = if number.is_multiple_of(2) { 1.0 } else { -1.0 };
                    let along = k as f64;
                    visit(Row {
                        id: uuid(&mut rng),
                        street: name.clone(),
                        number: format!("{number}{letter}"),
                        postcode,
                        district,
                        lon: start_lon + step_lon * along - side * step_lat * 0.8,
                        lat: start_lat + step_lat * along + side * step_lon * 0.8,
                    });
                    k += 1;
                    produced += 1;
                }
            }
        }
    }
}

fn uuid(rng: &mut ChaCha8Rng) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        rng.r#gen::<u32>(),
        rng.r#gen::<u16>(),
        rng.r#gen::<u16>() & 0x0fff,
        (rng.r#gen::<u16>() & 0x3fff) | 0x8000,
        rng.r#gen::<u64>() & 0xffff_ffff_ffff
    )
}

/// Writes the synthetic register of `n` rows as DAWA CSV (header included) to `out`; the rows.
///
/// The ETRS89 columns are filled from a local linear approximation (the import reads the WGS84
/// columns when they are filled, as they are here); they are there so the file is as wide as
/// the real export.
pub fn write_csv(n: usize, out: &mut impl Write) -> io::Result<usize> {
    writeln!(out, "{HEADER}")?;
    let mut line = String::with_capacity(256);
    let mut result = Ok(());
    let mut count = 0;
    generate(n, |r| {
        if result.is_err() {
            return;
        }
        line.clear();
        let (east, north) = (
            500_000.0 + (r.lon - 9.0) * 63_000.0,
            6_100_000.0 + (r.lat - 55.0) * 111_000.0,
        );
        let _ = writeln!(
            line,
            "{};1;2009-11-24T01:07:36.000;2021-03-02T10:00:00.000;{:04};{street};{street};{};;{:04};{};\
             0000;Syntetisk;2000175;{}a;{east:.2};{north:.2};{:.8};{:.8};A;true",
            r.id,
            count % 10_000,
            r.number,
            r.postcode,
            r.district,
            count % 97,
            r.lat,
            r.lon,
            street = r.street,
        );
        count += 1;
        result = out.write_all(line.as_bytes());
    });
    result.map(|()| count)
}
