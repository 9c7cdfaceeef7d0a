//! A hand-built gazetteer of real Copenhagen names, placed inside the test dataset's areas (see
//! `support`; the places are made up, like the areas):
//! - Gavlhusvej 21 and Ruten 6, 2700 Brønshøj: in Brønshøj-Husum, Husum/Tingbjerg (2011) and
//!   Tingbjerg/Husum (2017);
//! - Mjølnerparken 2 and 4, 2200 København N, and the street Mjølnerparken: in Bispebjerg and
//!   Bispebjerg NV (2017 only);
//! - Amager Strandvej 130, 2300 København S: outside every area;
//! - the place Tingbjerg and the postcode 2700 Brønshøj.

use std::sync::Arc;

use axum::http::StatusCode;
use geo::Point;
use kvarter_geocode::{Entry, Gazetteer, HouseNumber, Kind};
use kvarter_server::{AppState, ServerConfig};
use kvarter_service::Service;
use serde_json::Value;

use crate::support::{IN_2017_ONLY, IN_BOTH_YEARS, OUTSIDE, dataset, get_json_from};

pub const GAVLHUSVEJ: &str = "Gavlhusvej 21, 2700 Brønshøj";
pub const RUTEN: &str = "Ruten 6, 2700 Brønshøj";
pub const MJOLNERPARKEN: &str = "Mjølnerparken 2, 2200 København N";
pub const AMAGER: &str = "Amager Strandvej 130, 2300 København S";

/// Where Mjølnerparken 2 is: in Bispebjerg NV (2017).
pub const AT_MJOLNERPARKEN_2: (f64, f64) = IN_2017_ONLY;
/// Where Gavlhusvej 21 is: designated in both years.
pub const AT_GAVLHUSVEJ_21: (f64, f64) = IN_BOTH_YEARS;

#[allow(clippy::too_many_arguments, reason = "one line per fixture reads best")]
fn entry(
    kind: Kind,
    id: &str,
    text: &str,
    street: Option<&str>,
    number: Option<u16>,
    postcode: Option<u16>,
    district: Option<&str>,
    (lon, lat): (f64, f64),
) -> Entry {
    Entry {
        kind,
        id: id.into(),
        text: text.into(),
        street: street.map(Into::into),
        house_number: number.map(HouseNumber::new),
        postcode,
        district: district.map(Into::into),
        point: Point::new(lon, lat),
    }
}

/// The entries described in the module docs.
pub fn entries() -> Vec<Entry> {
    let address = |id, text, street, number, postcode, district, at| {
        entry(
            Kind::Address,
            id,
            text,
            Some(street),
            Some(number),
            Some(postcode),
            Some(district),
            at,
        )
    };
    vec![
        address(
            "a-gavlhusvej-21",
            GAVLHUSVEJ,
            "Gavlhusvej",
            21,
            2700,
            "Brønshøj",
            AT_GAVLHUSVEJ_21,
        ),
        address(
            "a-ruten-6",
            RUTEN,
            "Ruten",
            6,
            2700,
            "Brønshøj",
            (12.462, 55.716),
        ),
        address(
            "a-mjolnerparken-2",
            MJOLNERPARKEN,
            "Mjølnerparken",
            2,
            2200,
            "København N",
            AT_MJOLNERPARKEN_2,
        ),
        address(
            "a-mjolnerparken-4",
            "Mjølnerparken 4, 2200 København N",
            "Mjølnerparken",
            4,
            2200,
            "København N",
            (12.5006, 55.7052),
        ),
        address(
            "a-amager-130",
            AMAGER,
            "Amager Strandvej",
            130,
            2300,
            "København S",
            OUTSIDE,
        ),
        entry(
            Kind::Street,
            "s-mjolnerparken",
            "Mjølnerparken, 2200 København N",
            Some("Mjølnerparken"),
            None,
            Some(2200),
            Some("København N"),
            (12.5003, 55.7051),
        ),
        entry(
            Kind::Place,
            "p-tingbjerg",
            "Tingbjerg",
            None,
            None,
            None,
            None,
            (12.461, 55.7155),
        ),
        entry(
            Kind::Postcode,
            "pc-2700",
            "2700 Brønshøj",
            None,
            None,
            Some(2700),
            Some("Brønshøj"),
            (12.47, 55.711),
        ),
    ]
}

/// The test dataset's state with this gazetteer, and `config`.
pub fn state_with(config: ServerConfig) -> Arc<AppState> {
    let service = Service::build(
        dataset(),
        None,
        Some(Gazetteer::new(entries())),
        config.service(),
    );
    Arc::new(AppState::new(service, config))
}

/// The test dataset's state with this gazetteer.
pub fn state() -> Arc<AppState> {
    state_with(ServerConfig::default())
}

/// `GET uri` on this gazetteer's [`state`], expecting 200 and a JSON body.
pub async fn json(uri: &str) -> Value {
    get_json_from(state(), uri, StatusCode::OK).await
}
