//! Web Mercator (EPSG:3857) as Kvarter uses it: lon/lat to "world" coordinates in the unit square
//! (x east, y south, origin at 180° W, 85.05° N), and from there to the integer grid of a zoom
//! level, where a tile spans `extent` units.

/// The latitude where the Web Mercator square ends, in degrees.
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// Lon/lat (degrees) to world coordinates in `[0, 1]²`, y growing southwards. Latitudes beyond
/// ±[`MAX_LATITUDE`] are clamped.
///
/// ```
/// let (x, y) = kvarter_tiles::mercator::world(0.0, 0.0);
/// assert_eq!((x, y), (0.5, 0.5));
/// ```
pub fn world(lon: f64, lat: f64) -> (f64, f64) {
    let x = (lon + 180.0) / 360.0;
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    let y = 0.5 - (lat.tan() + 1.0 / lat.cos()).ln() / (2.0 * std::f64::consts::PI);
    (x, y)
}

/// World coordinates back to lon/lat (degrees).
pub fn lon_lat(x: f64, y: f64) -> (f64, f64) {
    let lon = x * 360.0 - 180.0;
    let lat = (std::f64::consts::PI * (1.0 - 2.0 * y))
        .sinh()
        .atan()
        .to_degrees();
    (lon, lat)
}

/// Grid units per world unit at zoom `z` for tiles of `extent` units: `extent · 2^z`.
pub fn grid_scale(z: u8, extent: u32) -> f64 {
    f64::from(extent) * f64::from(1_u32 << z.min(crate::MAX_ZOOM))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_coordinates_round_trip_to_lon_lat() {
        for (lon, lat) in [
            (12.5683, 55.6761),
            (-179.0, -80.0),
            (0.0, 0.0),
            (179.9, 85.0),
        ] {
            let (x, y) = world(lon, lat);
            let (lon2, lat2) = lon_lat(x, y);
            assert!(
                (lon - lon2).abs() < 1e-9 && (lat - lat2).abs() < 1e-9,
                "{lon},{lat}"
            );
        }
    }

    #[test]
    fn the_poles_are_clamped_to_the_mercator_square() {
        let (_, north) = world(0.0, 90.0);
        let (_, south) = world(0.0, -90.0);
        assert!(north.abs() < 1e-9 && (south - 1.0).abs() < 1e-9);
    }
}
