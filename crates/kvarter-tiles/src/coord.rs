//! Tile addresses: a [`TileCoord`] is a valid `z/x/y` in the XYZ scheme (origin top left), and
//! [`ZoomRange`] a range of zoom levels such as `0-14`.

use std::fmt;
use std::str::FromStr;

/// The deepest zoom level Kvarter serves.
pub const MAX_ZOOM: u8 = 20;

/// A tile address that is valid by construction: `z` in `0..=MAX_ZOOM` and `x`, `y` in
/// `0..2^z`.
///
/// ```
/// use kvarter_tiles::TileCoord;
/// let tile = TileCoord::new(12, 2200, 1282).unwrap();
/// assert_eq!(tile.to_string(), "12/2200/1282");
/// assert!(TileCoord::new(2, 4, 0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileCoord {
    z: u8,
    x: u32,
    y: u32,
}

/// Why a `z/x/y` is not a tile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileCoordError {
    /// The zoom level is above [`MAX_ZOOM`]; ask for a zoom level from 0 to 20.
    #[error("zoom level {z} is out of range; zoom levels run from 0 to {MAX_ZOOM}")]
    ZoomOutOfRange {
        /// The zoom level as asked.
        z: u64,
    },
    /// `x` or `y` is not below `2^z`; at zoom `z` the tiles are numbered `0..2^z`.
    #[error("{axis}={value} is outside 0..{limit} at zoom level {z}")]
    OutsideGrid {
        /// `"x"` or `"y"`.
        axis: &'static str,
        /// The value as asked.
        value: u64,
        /// `2^z`.
        limit: u64,
        /// The zoom level.
        z: u8,
    },
    /// A part of the address is not a non-negative integer (the text is in the variant).
    #[error("{part}={text:?} is not a non-negative integer")]
    NotAnInteger {
        /// `"z"`, `"x"` or `"y"`.
        part: &'static str,
        /// The text as given (shortened).
        text: String,
    },
}

impl TileCoord {
    /// The tile `z/x/y`, checked.
    pub fn new(z: u64, x: u64, y: u64) -> Result<TileCoord, TileCoordError> {
        let z = u8::try_from(z)
            .ok()
            .filter(|z| *z <= MAX_ZOOM)
            .ok_or(TileCoordError::ZoomOutOfRange { z })?;
        let limit = 1_u64 << z;
        let check = |axis, value: u64| {
            u32::try_from(value)
                .ok()
                .filter(|_| value < limit)
                .ok_or(TileCoordError::OutsideGrid {
                    axis,
                    value,
                    limit,
                    z,
                })
        };
        Ok(TileCoord {
            z,
            x: check("x", x)?,
            y: check("y", y)?,
        })
    }

    /// Parses the three path segments of `z/x/y` (each a plain decimal integer: no sign, no
    /// fraction, at most 20 digits).
    pub fn parse(z: &str, x: &str, y: &str) -> Result<TileCoord, TileCoordError> {
        let int = |part, text: &str| {
            // One pass, digit by digit: every tile request parses three of these.
            let digits = text.bytes().try_fold(0_u64, |number, byte| {
                let digit = byte.checked_sub(b'0').filter(|digit| *digit <= 9)?;
                number.checked_mul(10)?.checked_add(u64::from(digit))
            });
            digits
                .filter(|_| !text.is_empty() && text.len() <= 20)
                .ok_or_else(|| TileCoordError::NotAnInteger {
                    part,
                    text: text.chars().take(40).collect(),
                })
        };
        TileCoord::new(int("z", z)?, int("x", x)?, int("y", y)?)
    }

    /// The zoom level.
    pub fn z(self) -> u8 {
        self.z
    }

    /// The column, counted from the west (antimeridian).
    pub fn x(self) -> u32 {
        self.x
    }

    /// The row, counted from the north.
    pub fn y(self) -> u32 {
        self.y
    }

    /// The tile's bounds in lon/lat: `[west, south, east, north]`.
    pub fn lon_lat_bounds(self) -> [f64; 4] {
        let n = f64::from(1_u32 << self.z);
        let lon = |x: f64| x / n * 360.0 - 180.0;
        let lat = |y: f64| {
            let t = std::f64::consts::PI * (1.0 - 2.0 * y / n);
            t.sinh().atan().to_degrees()
        };
        let (x, y) = (f64::from(self.x), f64::from(self.y));
        [lon(x), lat(y + 1.0), lon(x + 1.0), lat(y)]
    }

    /// The tile at zoom `z` that holds the lon/lat point (clamped to the Web Mercator square).
    pub fn containing(lon: f64, lat: f64, z: u8) -> TileCoord {
        let z = z.min(MAX_ZOOM);
        let (wx, wy) = crate::mercator::world(lon, lat);
        let n = f64::from(1_u32 << z);
        let max = (1_u32 << z) - 1;
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "clamped to 0..2^z before the cast"
        )]
        let cell = |w: f64| ((w * n).floor().clamp(0.0, f64::from(max))) as u32;
        TileCoord {
            z,
            x: cell(wx),
            y: cell(wy),
        }
    }
}

impl fmt::Display for TileCoord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// An inclusive range of zoom levels, written `7` or `0-14`.
///
/// ```
/// let zooms: kvarter_tiles::ZoomRange = "0-14".parse().unwrap();
/// assert_eq!(zooms.levels().count(), 15);
/// assert!("14-3".parse::<kvarter_tiles::ZoomRange>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoomRange {
    /// The lowest zoom level.
    pub min: u8,
    /// The highest zoom level.
    pub max: u8,
}

/// Why a text is not a zoom range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{text:?} is not a zoom range; write e.g. 0-14 or 12 (levels 0 to {MAX_ZOOM}, low to high)"
)]
pub struct ZoomRangeError {
    text: String,
}

impl ZoomRange {
    /// The zoom levels, low to high.
    pub fn levels(self) -> impl Iterator<Item = u8> {
        self.min..=self.max
    }
}

impl FromStr for ZoomRange {
    type Err = ZoomRangeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || ZoomRangeError {
            text: text.chars().take(40).collect(),
        };
        let level = |s: &str| {
            s.trim()
                .parse::<u8>()
                .ok()
                .filter(|z| *z <= MAX_ZOOM)
                .ok_or_else(error)
        };
        let (min, max) = if let Some((min, max)) = text.split_once('-') {
            (level(min)?, level(max)?)
        } else {
            let z = level(text)?;
            (z, z)
        };
        if min > max {
            return Err(error());
        }
        Ok(ZoomRange { min, max })
    }
}

impl fmt::Display for ZoomRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.min, self.max)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use super::*;

    #[test]
    fn tile_addresses_outside_the_grid_are_refused_with_the_reason() {
        assert!(matches!(
            TileCoord::new(21, 0, 0),
            Err(TileCoordError::ZoomOutOfRange { z: 21 })
        ));
        assert!(matches!(
            TileCoord::new(3, 8, 0),
            Err(TileCoordError::OutsideGrid { axis: "x", .. })
        ));
        assert!(matches!(
            TileCoord::new(3, 0, 8),
            Err(TileCoordError::OutsideGrid { axis: "y", .. })
        ));
        assert!(TileCoord::new(20, (1 << 20) - 1, 0).is_ok());
    }

    #[test]
    fn tile_path_segments_must_be_plain_integers() {
        for (z, x, y) in [
            ("1.5", "0", "0"),
            ("-1", "0", "0"),
            ("1", "+1", "0"),
            ("", "0", "0"),
            ("1", "0", "1e3"),
        ] {
            assert!(
                matches!(
                    TileCoord::parse(z, x, y),
                    Err(TileCoordError::NotAnInteger { .. })
                ),
                "{z}/{x}/{y}"
            );
        }
        assert!(matches!(
            TileCoord::parse("99999999999999999999999", "0", "0"),
            Err(TileCoordError::NotAnInteger { .. })
        ));
        assert_eq!(
            TileCoord::parse("0", "0", "0").unwrap(),
            TileCoord::new(0, 0, 0).unwrap()
        );
    }

    #[test]
    fn the_tile_holding_copenhagen_city_hall_at_zoom_12_is_2190_1282() {
        let tile = TileCoord::containing(12.5683, 55.6761, 12);
        assert_eq!((tile.x(), tile.y()), (2190, 1282));
        let [west, south, east, north] = tile.lon_lat_bounds();
        assert!(west <= 12.5683 && 12.5683 < east);
        assert!(south <= 55.6761 && 55.6761 < north);
    }
}
