//! Reverse geocoding: the nearest address within a radius, else the nearest street or place
//! within it, with the areas at its point.
//!
//! Distances are great-circle metres (see [`kvarter_geocode::reverse`]). Nothing within the
//! radius, or a service without an address index, is an answer with `result: null` and a
//! `note`.

use geo::Coord;
use kvarter_geocode::Kind;
use serde::Serialize;

use crate::addresses::{Found, NO_GAZETTEER, round2};
use crate::error::ServiceError;
use crate::lookup::LookupAnswer;
use crate::service::Service;

/// The radius searched unless asked otherwise, in metres.
pub const DEFAULT_RADIUS_M: f64 = 200.0;
/// The largest radius accepted, in metres.
pub const MAX_RADIUS_M: f64 = 2000.0;

/// The answer: the point and radius as understood, and the nearest entry or why there is none.
#[derive(Debug, Serialize)]
pub struct ReverseAnswer<'a> {
    query: Echo,
    /// The nearest entry.
    pub result: Option<Nearest<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

/// The point and radius as understood.
#[derive(Debug, Serialize)]
struct Echo {
    lon: f64,
    lat: f64,
    radius_m: f64,
}

/// The nearest entry, its distance and the areas at its point.
#[derive(Debug, Serialize)]
pub struct Nearest<'a> {
    #[serde(flatten)]
    found: Found<'a>,
    distance_m: f64,
    areas: LookupAnswer<'a>,
}

impl Service {
    /// The nearest address to `point` (lon/lat) within `radius_m` metres, else the nearest
    /// street or place within it.
    pub fn reverse(
        &self,
        point: Coord<f64>,
        radius_m: f64,
    ) -> Result<ReverseAnswer<'_>, ServiceError> {
        let query = Echo {
            lon: point.x,
            lat: point.y,
            radius_m,
        };
        let Some(addresses) = self.addresses() else {
            return Ok(ReverseAnswer {
                query,
                result: None,
                note: Some(NO_GAZETTEER.to_owned()),
            });
        };
        let nearest = addresses
            .reverse
            .nearest(point.x, point.y, radius_m, &[Kind::Address])
            .or_else(|| {
                addresses
                    .reverse
                    .nearest(point.x, point.y, radius_m, &[Kind::Street, Kind::Place])
            });
        let result = match nearest {
            Some((index, distance)) => {
                let entry = addresses.gazetteer.entry(index).ok_or_else(|| {
                    ServiceError::internal("reverse geocoding", "no entry at an index")
                })?;
                Some(Nearest {
                    found: Found::new(entry),
                    distance_m: round2(distance),
                    areas: self.areas_at(entry.point.0),
                })
            }
            None => None,
        };
        let note = result.is_none().then(|| {
            format!(
                "no address, street or place within {radius_m} m; try a larger radius (at most {MAX_RADIUS_M} m)"
            )
        });
        Ok(ReverseAnswer {
            query,
            result,
            note,
        })
    }
}
