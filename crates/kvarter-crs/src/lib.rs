//! Coordinate reference systems: EPSG:4326 (WGS84 lon/lat) and EPSG:25832 (ETRS89 / UTM 32N),
//! the city's own, and EPSG:3857 (Web Mercator) for files that come in in it. Conversions
//! between 4326 and 25832 go through `proj4rs`; Web Mercator is the spherical formula (two lines,
//! exact by definition, so no projection library is needed for it). Areas in m² are computed in
//! EPSG:25832.
//!
//! A leaf crate (geo and proj4rs only), so that everything that measures or converts — the data
//! build, overlays, comparisons, the service's point parsing — shares one definition without
//! depending on the data build and its file formats.
//!
//! ```
//! let (x, y) = kvarter_crs::wgs84_to_utm32(12.5683, 55.6761).unwrap();
//! assert!((x - 724_351.93).abs() < 0.01 && (y - 6_175_804.02).abs() < 0.01);
//! ```

use std::sync::LazyLock;

use geo::{Area as _, Coord, MapCoords, MultiPolygon};
use proj4rs::Proj;

/// The CRSs Kvarter reads and answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    /// WGS84 longitude/latitude in degrees (GeoJSON's RFC 7946 default).
    Wgs84,
    /// ETRS89 / UTM zone 32N, easting/northing in metres.
    Utm32,
    /// WGS84 / Pseudo-Mercator (Web Mercator), x/y in metres on a sphere of radius 6,378,137 m.
    WebMercator,
}

impl Crs {
    /// The CRS for an EPSG code Kvarter supports.
    pub fn from_epsg(code: u32) -> Option<Self> {
        match code {
            4326 | 4258 => Some(Self::Wgs84),
            25832 => Some(Self::Utm32),
            3857 | 900_913 | 102_100 => Some(Self::WebMercator),
            _ => None,
        }
    }

    /// The CRS named in a GeoJSON `crs` member or a WFS `srsName`: `EPSG:4326`,
    /// `urn:ogc:def:crs:EPSG::25832`, `urn:ogc:def:crs:OGC:1.3:CRS84`, `http://www.opengis.net/def/crs/EPSG/0/4326`.
    pub fn from_name(name: &str) -> Option<Self> {
        let upper = name.trim().to_ascii_uppercase();
        if upper.ends_with("CRS84") {
            return Some(Self::Wgs84);
        }
        let code = upper
            .rsplit([':', '/'])
            .next()
            .and_then(|tail| tail.parse::<u32>().ok())?;
        Self::from_epsg(code)
    }

    /// The EPSG code.
    pub fn epsg(self) -> u32 {
        match self {
            Self::Wgs84 => 4326,
            Self::Utm32 => 25832,
            Self::WebMercator => 3857,
        }
    }
}

/// Why a coordinate could not be converted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CrsError {
    /// The coordinate lies outside the area where the projection is meaningful: for EPSG:25832
    /// use easting 0–1,000,000 m and northing 0–10,000,000 m; for EPSG:4326 longitude −180…180 and
    /// latitude −90…90.
    #[error("coordinate ({x}, {y}) is outside the valid range of EPSG:{epsg}")]
    OutOfRange {
        /// First ordinate (lon or easting).
        x: f64,
        /// Second ordinate (lat or northing).
        y: f64,
        /// The CRS it was given in.
        epsg: u32,
    },
    /// proj4rs could not convert the coordinate.
    #[error("could not convert ({x}, {y}) from EPSG:{from}: {reason}")]
    Projection {
        /// First ordinate.
        x: f64,
        /// Second ordinate.
        y: f64,
        /// The source CRS.
        from: u32,
        /// proj4rs's message.
        reason: String,
    },
}

static WGS84: LazyLock<Proj> = LazyLock::new(|| {
    Proj::from_proj_string("+proj=longlat +ellps=GRS80 +towgs84=0,0,0 +no_defs")
        .expect("the WGS84 proj string is valid")
});
static UTM32: LazyLock<Proj> = LazyLock::new(|| {
    Proj::from_proj_string("+proj=utm +zone=32 +ellps=GRS80 +towgs84=0,0,0 +units=m +no_defs")
        .expect("the UTM 32N proj string is valid")
});

/// Whether (lon, lat) is a finite coordinate on the globe.
pub fn is_valid_lon_lat(lon: f64, lat: f64) -> bool {
    lon.is_finite()
        && lat.is_finite()
        && (-180.0..=180.0).contains(&lon)
        && (-90.0..=90.0).contains(&lat)
}

/// Whether (easting, northing) is a finite coordinate in the range of a UTM zone.
pub fn is_valid_utm(x: f64, y: f64) -> bool {
    x.is_finite()
        && y.is_finite()
        && (0.0..=1_000_000.0).contains(&x)
        && (0.0..=10_000_000.0).contains(&y)
}

/// EPSG:25832 easting/northing (m) → EPSG:4326 lon/lat (degrees).
pub fn utm32_to_wgs84(x: f64, y: f64) -> Result<(f64, f64), CrsError> {
    if !is_valid_utm(x, y) {
        return Err(CrsError::OutOfRange { x, y, epsg: 25832 });
    }
    let (lon, lat) = proj4rs::adaptors::transform_xy(&UTM32, &WGS84, x, y).map_err(|e| {
        CrsError::Projection {
            x,
            y,
            from: 25832,
            reason: e.to_string(),
        }
    })?;
    Ok((lon.to_degrees(), lat.to_degrees()))
}

/// EPSG:4326 lon/lat (degrees) → EPSG:25832 easting/northing (m).
pub fn wgs84_to_utm32(lon: f64, lat: f64) -> Result<(f64, f64), CrsError> {
    if !is_valid_lon_lat(lon, lat) {
        return Err(CrsError::OutOfRange {
            x: lon,
            y: lat,
            epsg: 4326,
        });
    }
    proj4rs::adaptors::transform_xy(&WGS84, &UTM32, lon.to_radians(), lat.to_radians()).map_err(
        |e| CrsError::Projection {
            x: lon,
            y: lat,
            from: 4326,
            reason: e.to_string(),
        },
    )
}

/// Converts a coordinate in `crs` to lon/lat.
pub fn to_wgs84(crs: Crs, coord: Coord<f64>) -> Result<Coord<f64>, CrsError> {
    match crs {
        Crs::Wgs84 if is_valid_lon_lat(coord.x, coord.y) => Ok(coord),
        Crs::Wgs84 => Err(CrsError::OutOfRange {
            x: coord.x,
            y: coord.y,
            epsg: 4326,
        }),
        Crs::Utm32 => utm32_to_wgs84(coord.x, coord.y).map(Coord::from),
        Crs::WebMercator => web_mercator_to_wgs84(coord.x, coord.y).map(Coord::from),
    }
}

/// The sphere's radius of EPSG:3857, in metres.
const WEB_MERCATOR_RADIUS: f64 = 6_378_137.0;

/// EPSG:3857 x/y (m) → EPSG:4326 lon/lat (degrees), by the spherical formula that defines it.
pub fn web_mercator_to_wgs84(x: f64, y: f64) -> Result<(f64, f64), CrsError> {
    let half = WEB_MERCATOR_RADIUS * std::f64::consts::PI;
    // y is unbounded in theory; beyond ±2.5 half-worlds it is ±89.99… degrees and surely wrong.
    if !(x.is_finite() && y.is_finite() && x.abs() <= half && y.abs() <= 2.5 * half) {
        return Err(CrsError::OutOfRange { x, y, epsg: 3857 });
    }
    let lon = (x / WEB_MERCATOR_RADIUS).to_degrees();
    let lat = (y / WEB_MERCATOR_RADIUS).sinh().atan().to_degrees();
    Ok((lon, lat))
}

/// The planar area in m² of a lon/lat multipolygon, measured in EPSG:25832.
pub fn area_m2(shape: &MultiPolygon<f64>) -> Result<f64, CrsError> {
    let projected = shape.try_map_coords(|c| wgs84_to_utm32(c.x, c.y).map(Coord::from))?;
    Ok(projected.unsigned_area())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_mercator_converts_by_the_spherical_formula() {
        // Copenhagen City Hall (55.6761 N, 12.5683 E); x/y from PROJ: cs2cs EPSG:4326 EPSG:3857.
        let (lon, lat) = web_mercator_to_wgs84(1_399_096.76, 7_494_204.69).unwrap();
        assert!(
            (lon - 12.5683).abs() < 1e-7 && (lat - 55.6761).abs() < 1e-7,
            "{lon} {lat}"
        );
        assert_eq!(
            Crs::from_name("urn:ogc:def:crs:EPSG::3857"),
            Some(Crs::WebMercator)
        );
        assert!(web_mercator_to_wgs84(f64::NAN, 0.0).is_err());
    }

    #[test]
    fn raadhuspladsen_converts_to_the_known_utm32_coordinate_and_back() {
        // Reference values from PROJ 9 (pyproj, EPSG:4326 -> EPSG:25832, always_xy).
        let (x, y) = wgs84_to_utm32(12.5683, 55.6761).unwrap();
        assert!((x - 724_351.928_64).abs() < 0.001, "{x}");
        assert!((y - 6_175_804.022_13).abs() < 0.001, "{y}");
        let (lon, lat) = utm32_to_wgs84(x, y).unwrap();
        assert!((lon - 12.5683).abs() < 1e-9 && (lat - 55.6761).abs() < 1e-9);
    }

    #[test]
    fn out_of_range_coordinates_are_refused() {
        assert!(matches!(
            wgs84_to_utm32(200.0, 55.0),
            Err(CrsError::OutOfRange { epsg: 4326, .. })
        ));
        assert!(matches!(
            utm32_to_wgs84(f64::NAN, 1.0),
            Err(CrsError::OutOfRange { epsg: 25832, .. })
        ));
    }

    #[test]
    fn crs_names_from_geojson_and_wfs_are_understood() {
        assert_eq!(
            Crs::from_name("urn:ogc:def:crs:EPSG::4326"),
            Some(Crs::Wgs84)
        );
        assert_eq!(
            Crs::from_name("urn:ogc:def:crs:OGC:1.3:CRS84"),
            Some(Crs::Wgs84)
        );
        assert_eq!(Crs::from_name("EPSG:25832"), Some(Crs::Utm32));
        assert_eq!(
            Crs::from_name("http://www.opengis.net/def/crs/EPSG/0/25832"),
            Some(Crs::Utm32)
        );
        assert_eq!(Crs::from_name("EPSG:3035"), None);
    }

    #[test]
    fn a_one_hectare_square_in_utm_measures_one_hectare() {
        let corners = [
            (724_000.0, 6_175_000.0),
            (724_100.0, 6_175_000.0),
            (724_100.0, 6_175_100.0),
            (724_000.0, 6_175_100.0),
        ];
        let ring: Vec<Coord<f64>> = corners
            .iter()
            .map(|&(x, y)| utm32_to_wgs84(x, y).unwrap().into())
            .collect();
        let square = MultiPolygon::new(vec![geo::Polygon::new(ring.into(), vec![])]);
        assert!((area_m2(&square).unwrap() - 10_000.0).abs() < 0.01);
    }
}
