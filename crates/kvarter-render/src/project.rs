//! Web Mercator (EPSG:3857, as the web map) and the frame that fits an extent into a map panel.

use std::f64::consts::PI;

use kvarter_core::Bounds;

/// The sphere's radius of Web Mercator, in metres.
const RADIUS: f64 = 6_378_137.0;
/// The width of a zoom-0 world in CSS pixels on MapLibre's 512-pixel tiles.
const TILE: f64 = 512.0;

/// Lon/lat degrees to Web Mercator metres.
pub(crate) fn mercator(lon: f64, lat: f64) -> (f64, f64) {
    let x = RADIUS * lon.to_radians();
    let y = RADIUS * (PI / 4.0 + lat.to_radians() / 2.0).tan().ln();
    (x, y)
}

/// Web Mercator metres (northing) to latitude in degrees.
fn latitude(y: f64) -> f64 {
    (2.0 * (y / RADIUS).exp().atan() - PI / 2.0).to_degrees()
}

/// A rectangle of the image, in CSS pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    pub(crate) fn right(&self) -> f64 {
        self.x + self.width
    }

    pub(crate) fn bottom(&self) -> f64 {
        self.y + self.height
    }

    pub(crate) fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.right()
            && other.x < self.right()
            && self.y < other.bottom()
            && other.y < self.bottom()
    }

    pub(crate) fn contains(&self, other: &Rect) -> bool {
        other.x >= self.x
            && other.y >= self.y
            && other.right() <= self.right()
            && other.bottom() <= self.bottom()
    }
}

/// Where a map panel is and which part of the world it shows: a Mercator centre and a scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Frame {
    /// The panel.
    pub panel: Rect,
    centre: (f64, f64),
    /// CSS pixels per Mercator metre.
    px_per_m: f64,
}

impl Frame {
    /// The frame that shows all of `bounds` in `panel`, centred, keeping its aspect (the
    /// panel's spare width or height shows more of the map around it).
    pub(crate) fn fit(bounds: Bounds, panel: Rect) -> Frame {
        let (west, south) = mercator(bounds.west, bounds.south);
        let (east, north) = mercator(bounds.east, bounds.north);
        let width = (east - west).max(1.0);
        let height = (north - south).max(1.0);
        Frame {
            panel,
            centre: (f64::midpoint(west, east), f64::midpoint(south, north)),
            px_per_m: (panel.width / width).min(panel.height / height),
        }
    }

    /// The frame centred on `lon`, `lat` at a web map zoom level.
    pub(crate) fn centred(lon: f64, lat: f64, zoom: f64, panel: Rect) -> Frame {
        Frame {
            panel,
            centre: mercator(lon, lat),
            px_per_m: TILE * zoom.exp2() / (2.0 * PI * RADIUS),
        }
    }

    /// The same view in another panel of the same size.
    pub(crate) fn moved_to(self, panel: Rect) -> Frame {
        Frame { panel, ..self }
    }

    /// Where a Mercator point is drawn.
    pub(crate) fn project(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (
            self.panel.x + self.panel.width / 2.0 + (x - self.centre.0) * self.px_per_m,
            self.panel.y + self.panel.height / 2.0 - (y - self.centre.1) * self.px_per_m,
        )
    }

    /// Where a lon/lat point is drawn.
    pub(crate) fn point(&self, lon: f64, lat: f64) -> (f64, f64) {
        self.project(mercator(lon, lat))
    }

    /// The web map's zoom level at this scale (512-pixel tiles).
    pub(crate) fn zoom(&self) -> f64 {
        (self.px_per_m * 2.0 * PI * RADIUS / TILE).log2()
    }

    /// The lon/lat box the panel shows.
    pub(crate) fn visible(&self) -> Bounds {
        let half_w = self.panel.width / 2.0 / self.px_per_m;
        let half_h = self.panel.height / 2.0 / self.px_per_m;
        let lon = |x: f64| (x / RADIUS).to_degrees();
        Bounds {
            west: lon(self.centre.0 - half_w),
            east: lon(self.centre.0 + half_w),
            south: latitude(self.centre.1 - half_h),
            north: latitude(self.centre.1 + half_h),
        }
    }

    /// Metres on the ground per CSS pixel at the panel's centre (Mercator stretches by
    /// 1 / cos(latitude)).
    pub(crate) fn ground_metres_per_px(&self) -> f64 {
        latitude(self.centre.1).to_radians().cos() / self.px_per_m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panel() -> Rect {
        Rect {
            x: 10.0,
            y: 20.0,
            width: 400.0,
            height: 200.0,
        }
    }

    #[test]
    fn a_fitted_box_is_centred_and_touches_two_sides_of_the_panel() {
        let bounds = Bounds {
            west: 12.45,
            south: 55.66,
            east: 12.65,
            north: 55.72,
        };
        let frame = Frame::fit(bounds, panel());
        let (x0, y0) = frame.point(bounds.west, bounds.north);
        let (x1, y1) = frame.point(bounds.east, bounds.south);
        assert!((f64::midpoint(x0, x1) - 210.0).abs() < 1e-6);
        assert!((f64::midpoint(y0, y1) - 120.0).abs() < 1e-6);
        let touches_sides = (x1 - x0 - 400.0).abs() < 1e-6 || (y1 - y0 - 200.0).abs() < 1e-6;
        assert!(touches_sides && x1 - x0 <= 400.0 + 1e-6 && y1 - y0 <= 200.0 + 1e-6);
    }

    #[test]
    fn ground_distance_shrinks_with_the_cosine_of_the_latitude() {
        let frame = Frame::centred(12.57, 55.68, 12.0, panel());
        let equator = Frame::centred(12.57, 0.0, 12.0, panel());
        let ratio = frame.ground_metres_per_px() / equator.ground_metres_per_px();
        assert!((ratio - 55.68_f64.to_radians().cos()).abs() < 1e-9);
        assert!((frame.zoom() - 12.0).abs() < 1e-9);
        let visible = frame.visible();
        assert!(visible.west < 12.57 && 12.57 < visible.east);
    }
}
