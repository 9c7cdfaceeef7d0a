//! Search over a small hand-built gazetteer of real Copenhagen names (points approximate).

use geo::Point;
use kvarter_geocode::{
    Entry, Gazetteer, Hit, HouseNumber, Kind, Match, SearchError, SearchOptions,
};

fn address(
    street: &str,
    number: HouseNumber,
    postcode: u16,
    district: &str,
    lon: f64,
    lat: f64,
) -> Entry {
    Entry {
        kind: Kind::Address,
        id: format!("{street} {number}"),
        text: format!("{street} {number}, {postcode} {district}"),
        street: Some(street.into()),
        house_number: Some(number),
        postcode: Some(postcode),
        district: Some(district.into()),
        point: Point::new(lon, lat),
    }
}

fn named(kind: Kind, text: &str, postcode: Option<u16>, lon: f64, lat: f64) -> Entry {
    Entry {
        kind,
        id: text.into(),
        text: text.into(),
        street: (kind == Kind::Street).then(|| text.into()),
        house_number: None,
        postcode,
        district: None,
        point: Point::new(lon, lat),
    }
}

fn n(number: u16) -> HouseNumber {
    HouseNumber::new(number)
}

fn gazetteer() -> Gazetteer {
    let kbh_n = "København N";
    Gazetteer::new(vec![
        address("Mjølnerparken", n(2), 2200, kbh_n, 12.5426, 55.7009),
        address("Mjølnerparken", n(4), 2200, kbh_n, 12.5430, 55.7011),
        address(
            "Mjølnerparken",
            HouseNumber::with_letter(4, 'A'),
            2200,
            kbh_n,
            12.5431,
            55.7012,
        ),
        named(Kind::Street, "Mjølnerparken", Some(2200), 12.5428, 55.7010),
        address("Nørrebrogade", n(2), 2200, kbh_n, 12.5560, 55.6880),
        address("Nørrebrogade", n(20), 2200, kbh_n, 12.5530, 55.6900),
        named(Kind::Street, "Nørrebrogade", Some(2200), 12.5500, 55.6920),
        address("Åboulevard", n(1), 1635, "København V", 12.5530, 55.6820),
        address("Ågade", n(5), 2200, kbh_n, 12.5400, 55.6900),
        address("Istedgade", n(119), 1650, "København V", 12.5530, 55.6690),
        address(
            "Andreas Bjørns Gade",
            HouseNumber::with_letter(12, 'B'),
            1428,
            "København K",
            12.5910,
            55.6720,
        ),
        address("Valby Langgade", n(10), 2500, "Valby", 12.5150, 55.6640),
        named(Kind::Place, "Tingbjerg", None, 12.4820, 55.7180),
        Entry {
            kind: Kind::Postcode,
            id: "2200".into(),
            text: "2200 København N".into(),
            street: None,
            house_number: None,
            postcode: Some(2200),
            district: Some(kbh_n.into()),
            point: Point::new(12.55, 55.70),
        },
    ])
}

fn search<'a>(gazetteer: &'a Gazetteer, query: &str) -> Vec<Hit<'a>> {
    gazetteer
        .search(query, &SearchOptions::default())
        .unwrap_or_else(|e| panic!("{query}: {e}"))
}

fn first_id(gazetteer: &Gazetteer, query: &str) -> String {
    search(gazetteer, query).first().map_or_else(
        || format!("nothing for {query:?}"),
        |hit| hit.entry.id.clone(),
    )
}

/// Every address with the spellings a user may type: (expected id, queries).
const VARIANTS: &[(&str, &[&str])] = &[
    (
        "Mjølnerparken 2",
        &[
            "Mjølnerparken 2, 2200 København N",
            "mjølnerparken 2",
            "Mjolnerparken 2",
            "Mjoelnerparken 2",
            "MJØLNERPARKEN 2",
            "Mjølnerparkn 2",
            "Mjølnerparken 2, 3. tv",
            "Mjøln 2",
        ],
    ),
    (
        "Nørrebrogade 2",
        &[
            "Nørrebrogade 2 2. tv 2200 København N",
            "norrebrogade 2",
            "Noerrebrogade 2",
            "Nørebrogade 2",
            "Nørrebrogade 2, st.",
            "nørreb 2",
        ],
    ),
    (
        "Åboulevard 1",
        &[
            "Åboulevard 1, 1635 København V",
            "aaboulevard 1",
            "Aboulevard 1",
            "Åboulevrad 1",
            "Åboulevard 1, 4. th",
            "åboul 1",
        ],
    ),
    (
        "Ågade 5",
        &[
            "Ågade 5, 2200 København N",
            "aagade 5",
            "Agade 5",
            "Ågade 5 kl.",
            "Åga 5",
        ],
    ),
    (
        "Istedgade 119",
        &[
            "Istedgade 119, st. th., 1650 København V",
            "istedgade 119",
            "Istegade 119",
            "Istedgade 119, 1.",
            "Isted 119",
        ],
    ),
    (
        "Andreas Bjørns Gade 12B",
        &[
            "Andreas Bjørns Gade 12B, 1428 København K",
            "andreas bjorns gade 12b",
            "Andreas Bjoerns Gade 12 B",
            "Andreas Bjørns Gde 12B",
            "Andreas Bjørns Gade 12B, 2. mf",
            "andreas bj 12b",
        ],
    ),
    (
        "Valby Langgade 10",
        &[
            "Valby Langgade 10, 2500 Valby",
            "valby langgade 10",
            "Valby Langade 10",
            "Valby Langgade 10, st. tv",
            "valby lan 10",
        ],
    ),
];

#[test]
fn every_address_is_found_from_every_typing_variant() {
    let gazetteer = gazetteer();
    for (id, queries) in VARIANTS {
        for query in *queries {
            assert_eq!(first_id(&gazetteer, query), *id, "query {query:?}");
        }
    }
}

#[test]
fn the_full_address_comes_first_as_an_exact_match() {
    let gazetteer = gazetteer();
    let hits = search(&gazetteer, "Mjølnerparken 2, 2200 København N");
    assert_eq!(hits[0].entry.text, "Mjølnerparken 2, 2200 København N");
    assert_eq!(hits[0].matched, Match::Exact);
    assert!(
        (hits[0].score - 145.0).abs() < 1e-9,
        "100 exact + 30 number + 15 postcode"
    );
}

#[test]
fn spellings_without_danish_letters_match_exactly_and_moelnerparken_is_one_typo() {
    let gazetteer = gazetteer();
    for query in [
        "Mjølnerparken",
        "Mjolnerparken",
        "Mjoelnerparken",
        "MJØLNERPARKEN",
    ] {
        let hits = search(&gazetteer, query);
        assert_eq!(hits[0].entry.kind, Kind::Street, "{query}");
        assert_eq!(hits[0].matched, Match::Exact, "{query}");
    }
    // Without the j, "Moelnerparken" is a typo (one deletion), not a spelling.
    let hits = search(&gazetteer, "Moelnerparken");
    assert_eq!(hits[0].entry.text, "Mjølnerparken");
    assert_eq!(hits[0].matched, Match::Fuzzy { distance: 1 });
}

#[test]
fn a_prefix_while_typing_finds_the_street_before_its_addresses() {
    let gazetteer = gazetteer();
    let hits = search(&gazetteer, "mjoln");
    let texts: Vec<&str> = hits.iter().map(|h| h.entry.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Mjølnerparken",
            "Mjølnerparken 2, 2200 København N",
            "Mjølnerparken 4, 2200 København N",
            "Mjølnerparken 4A, 2200 København N",
        ]
    );
    assert!(hits.iter().all(|h| h.matched == Match::Prefix));
}

#[test]
fn the_exact_letter_ranks_above_the_same_number_with_another_letter_and_the_street() {
    let gazetteer = gazetteer();
    let texts = |query| -> Vec<String> {
        search(&gazetteer, query)
            .iter()
            .map(|h| h.entry.text.clone())
            .collect()
    };
    assert_eq!(
        texts("Mjølnerparken 4A"),
        [
            "Mjølnerparken 4A, 2200 København N",
            "Mjølnerparken 4, 2200 København N",
            "Mjølnerparken",
        ]
    );
    assert_eq!(
        texts("Mjølnerparken 4"),
        [
            "Mjølnerparken 4, 2200 København N",
            "Mjølnerparken 4A, 2200 København N",
            "Mjølnerparken",
        ]
    );
    // A number the data does not have: the street stands in.
    assert_eq!(texts("Mjølnerparken 99"), ["Mjølnerparken"]);
    assert_eq!(texts("Mjølnerparken 0"), ["Mjølnerparken"]);
    assert_eq!(texts("Mjølnerparken 2-4"), ["Mjølnerparken"]);
}

#[test]
fn ranking_of_a_short_prefix_is_pinned() {
    let gazetteer = gazetteer();
    let hits = search(&gazetteer, "Å");
    let ranked: Vec<(&str, String)> = hits
        .iter()
        .map(|h| (h.entry.text.as_str(), format!("{:.1}", h.score)))
        .collect();
    // "a" is 1/5 of "agade", 1/10 of "aboulevard", 1/17 of "andreasbjornsgade".
    assert_eq!(
        ranked,
        [
            ("Ågade 5, 2200 København N", "74.0".to_owned()),
            ("Åboulevard 1, 1635 København V", "72.0".to_owned()),
            (
                "Andreas Bjørns Gade 12B, 1428 København K",
                "71.2".to_owned()
            ),
        ]
    );
}

#[test]
fn a_wrong_postcode_ranks_lower_but_still_finds_and_the_option_filters() {
    let gazetteer = gazetteer();
    let right = search(&gazetteer, "Istedgade 119, 1650 København V");
    let wrong = search(&gazetteer, "Istedgade 119, 2200 København N");
    assert_eq!(wrong[0].entry.id, "Istedgade 119");
    assert!(wrong[0].score < right[0].score);
    assert!(
        (right[0].score - wrong[0].score - 40.0).abs() < 1e-9,
        "+15 against −25"
    );

    let filtered = SearchOptions {
        postcode: Some(2200),
        ..SearchOptions::default()
    };
    assert!(
        gazetteer
            .search("Istedgade 119", &filtered)
            .unwrap()
            .is_empty()
    );
    let hits = gazetteer.search("Nørrebrogade 2", &filtered).unwrap();
    assert_eq!(hits[0].entry.id, "Nørrebrogade 2");
}

#[test]
fn the_kinds_option_keeps_only_those_kinds() {
    let gazetteer = gazetteer();
    let streets = SearchOptions {
        kinds: vec![Kind::Street],
        ..SearchOptions::default()
    };
    let hits = gazetteer.search("Nørrebrogade 2", &streets).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].entry.kind, Kind::Street);
    let limited = SearchOptions {
        limit: 1,
        ..SearchOptions::default()
    };
    assert_eq!(gazetteer.search("mjoln", &limited).unwrap().len(), 1);
}

#[test]
fn places_and_postcodes_are_found_by_name_and_number() {
    let gazetteer = gazetteer();
    assert_eq!(first_id(&gazetteer, "tingbjerg"), "Tingbjerg");
    assert_eq!(first_id(&gazetteer, "Tingbjrg"), "Tingbjerg");
    let hits = search(&gazetteer, "2200");
    assert_eq!(hits.len(), 1, "the postcode once, though it has two keys");
    assert_eq!(hits[0].entry.kind, Kind::Postcode);
    assert_eq!(first_id(&gazetteer, "2200 København N"), "2200");
    assert_eq!(first_id(&gazetteer, "københavn n"), "2200");
}

#[test]
fn an_unknown_address_gives_no_hits_and_no_error() {
    let gazetteer = gazetteer();
    for query in [
        "Gothersgade 1",
        "Xyzzy",
        "Istedgade 12-14",
        "22 22 22",
        "Istedgade 0",
    ] {
        assert!(search(&gazetteer, query).is_empty(), "{query}");
    }
}

#[test]
fn an_empty_or_overlong_query_is_an_error() {
    let gazetteer = gazetteer();
    let options = SearchOptions::default();
    assert_eq!(
        gazetteer.search("", &options).unwrap_err(),
        SearchError::EmptyQuery
    );
    assert_eq!(
        gazetteer.search(" ,. ", &options).unwrap_err(),
        SearchError::EmptyQuery
    );
    assert_eq!(
        gazetteer.search(&"å".repeat(201), &options).unwrap_err(),
        SearchError::QueryTooLong {
            chars: 201,
            max: 200
        }
    );
    assert!(gazetteer.search(&"å".repeat(200), &options).is_ok());
}

#[test]
fn searching_twice_gives_the_same_order() {
    let gazetteer = gazetteer();
    for query in ["a", "n", "mj", "2", "Nørrebrogade"] {
        let first: Vec<usize> = search(&gazetteer, query).iter().map(|h| h.index).collect();
        let second: Vec<usize> = search(&gazetteer, query).iter().map(|h| h.index).collect();
        assert_eq!(first, second, "{query}");
    }
}
