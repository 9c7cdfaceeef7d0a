//! Glyph outlines scaled to pixels the way `FreeType` scales them for node-fontnik (unhinted,
//! every point rounded to 1/64 px), their exact ink box, and their anti-aliased coverage on a
//! pixel grid.

use ab_glyph_rasterizer::{Rasterizer, point};
use ttf_parser::{Face, GlyphId, OutlineBuilder};

/// A point in pixels at the font size: x to the right of the pen position, y up from the
/// baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Point {
    pub x: f64,
    pub y: f64,
}

/// One piece of a closed contour.
#[derive(Debug, Clone, Copy)]
enum Segment {
    Line([Point; 2]),
    Quad([Point; 3]),
    Cubic([Point; 4]),
}

/// The box around a glyph's ink, in pixels, y up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bounds {
    pub x_min: f64,
    pub y_min: f64,
    pub x_max: f64,
    pub y_max: f64,
}

/// Font units to pixels at one font size, rounded as `FreeType` rounds them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    /// Font units to 1/64 px (`FreeType`'s 26.6 fixed point).
    units_to_26_6: f64,
}

impl Scale {
    /// The scale for a font with `units_per_em` rendered at `size_px` pixels per em.
    pub(crate) fn new(units_per_em: u16, size_px: u32) -> Self {
        Self {
            units_to_26_6: f64::from(size_px) * 64.0 / f64::from(units_per_em),
        }
    }

    /// A length in font units in pixels, rounded to the nearest 1/64 px (half away from
    /// zero, as `FreeType`'s `FT_MulFix` rounds).
    pub(crate) fn px(self, units: f64) -> f64 {
        (units * self.units_to_26_6).round() / 64.0
    }

    /// The font's ascender in whole pixels as `FreeType` reports it in `size->metrics`
    /// (26.6 value rounded up to the pixel), which fontnik subtracts from every glyph's top.
    ///
    /// The ascender is the `hhea` table's, unless `hhea` gives neither ascender nor descender;
    /// then `OS/2`'s typographic ascender, or its Windows ascent — `FreeType`'s order.
    pub(crate) fn ascender_px(self, face: &Face) -> i32 {
        let hhea = face.tables().hhea;
        let mut units = hhea.ascender;
        if hhea.ascender == 0
            && hhea.descender == 0
            && let Some(os2) = face.tables().os2
        {
            units = os2.typographic_ascender();
            if units == 0 {
                units = os2.windows_ascender();
            }
        }
        whole_px(self.px(f64::from(units)).ceil())
    }
}

/// A glyph's closed contours in pixels.
#[derive(Debug, Clone)]
pub(crate) struct Outline {
    segments: Vec<Segment>,
}

impl Outline {
    /// The outline of `glyph`, or `None` when it has no contours (a space).
    pub(crate) fn load(face: &Face, glyph: GlyphId, scale: Scale) -> Option<Self> {
        let mut collector = Collector {
            scale,
            start: Point { x: 0.0, y: 0.0 },
            current: Point { x: 0.0, y: 0.0 },
            open: false,
            segments: Vec::new(),
        };
        face.outline_glyph(glyph, &mut collector)?;
        collector.close();
        (!collector.segments.is_empty()).then_some(Self {
            segments: collector.segments,
        })
    }

    /// The exact box around the ink: the curves' own extremes, not their control points.
    pub(crate) fn bounds(&self) -> Bounds {
        let mut bounds = Bounds {
            x_min: f64::INFINITY,
            y_min: f64::INFINITY,
            x_max: f64::NEG_INFINITY,
            y_max: f64::NEG_INFINITY,
        };
        let mut include = |p: Point| {
            bounds.x_min = bounds.x_min.min(p.x);
            bounds.y_min = bounds.y_min.min(p.y);
            bounds.x_max = bounds.x_max.max(p.x);
            bounds.y_max = bounds.y_max.max(p.y);
        };
        for segment in &self.segments {
            match *segment {
                Segment::Line([a, b]) => {
                    include(a);
                    include(b);
                }
                Segment::Quad(p) => {
                    include(p[0]);
                    include(p[2]);
                    for t in quad_extremes(p) {
                        include(quad_at(p, t));
                    }
                }
                Segment::Cubic(p) => {
                    include(p[0]);
                    include(p[3]);
                    for t in cubic_extremes(p) {
                        include(cubic_at(p, t));
                    }
                }
            }
        }
        bounds
    }

    /// The share of each pixel the glyph covers (0 to 1), on a `width × height` grid whose
    /// top-left corner is at `corner` (in the outline's pixels), row-major, top row first.
    pub(crate) fn coverage(&self, corner: Point, width: usize, height: usize) -> Vec<f32> {
        // The rasteriser's y axis points down from the grid's top edge.
        let to_grid = |p: Point| point(narrow(p.x - corner.x), narrow(corner.y - p.y));
        let mut rasterizer = Rasterizer::new(width, height);
        for segment in &self.segments {
            match *segment {
                Segment::Line([a, b]) => rasterizer.draw_line(to_grid(a), to_grid(b)),
                Segment::Quad([a, b, c]) => {
                    rasterizer.draw_quad(to_grid(a), to_grid(b), to_grid(c));
                }
                Segment::Cubic([a, b, c, d]) => {
                    rasterizer.draw_cubic(to_grid(a), to_grid(b), to_grid(c), to_grid(d));
                }
            }
        }
        let mut coverage = vec![0.0; width * height];
        // Overlapping contours can add up past 1; a pixel is at most fully covered.
        rasterizer.for_each_pixel(|index, alpha| coverage[index] = alpha.min(1.0));
        coverage
    }
}

/// A whole number of pixels (already rounded) as an integer.
#[expect(
    clippy::cast_possible_truncation,
    reason = "glyph coordinates are i16 font units times a small scale, far inside i32; \
              `as` saturates anyway"
)]
pub(crate) fn whole_px(value: f64) -> i32 {
    value as i32
}

/// A grid coordinate for the rasteriser, which works in `f32`.
#[expect(
    clippy::cast_possible_truncation,
    reason = "grid coordinates are small multiples of 1/64 px, exact in f32"
)]
fn narrow(value: f64) -> f32 {
    value as f32
}

/// Collects `ttf-parser`'s outline callbacks into scaled, closed segments.
struct Collector {
    scale: Scale,
    start: Point,
    current: Point,
    open: bool,
    segments: Vec<Segment>,
}

impl Collector {
    fn point(&self, x: f32, y: f32) -> Point {
        Point {
            x: self.scale.px(f64::from(x)),
            y: self.scale.px(f64::from(y)),
        }
    }
}

impl OutlineBuilder for Collector {
    fn move_to(&mut self, x: f32, y: f32) {
        self.close();
        let p = self.point(x, y);
        self.start = p;
        self.current = p;
        self.open = true;
    }

    fn line_to(&mut self, x: f32, y: f32) {
        let p = self.point(x, y);
        self.segments.push(Segment::Line([self.current, p]));
        self.current = p;
    }

    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let control = self.point(x1, y1);
        let p = self.point(x, y);
        self.segments
            .push(Segment::Quad([self.current, control, p]));
        self.current = p;
    }

    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let c1 = self.point(x1, y1);
        let c2 = self.point(x2, y2);
        let p = self.point(x, y);
        self.segments
            .push(Segment::Cubic([self.current, c1, c2, p]));
        self.current = p;
    }

    /// Ends the contour with a line back to its start if it does not end there already.
    fn close(&mut self) {
        if self.open && self.current != self.start {
            self.segments
                .push(Segment::Line([self.current, self.start]));
        }
        self.current = self.start;
        self.open = false;
    }
}

/// The quadratic Bézier `p` at `t`.
fn quad_at(p: [Point; 3], t: f64) -> Point {
    let u = 1.0 - t;
    Point {
        x: u * u * p[0].x + 2.0 * u * t * p[1].x + t * t * p[2].x,
        y: u * u * p[0].y + 2.0 * u * t * p[1].y + t * t * p[2].y,
    }
}

/// The cubic Bézier `p` at `t`.
#[expect(
    clippy::many_single_char_names,
    reason = "the Bernstein form reads best in its textbook letters"
)]
fn cubic_at(p: [Point; 4], t: f64) -> Point {
    let u = 1.0 - t;
    let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
    Point {
        x: a * p[0].x + b * p[1].x + c * p[2].x + d * p[3].x,
        y: a * p[0].y + b * p[1].y + c * p[2].y + d * p[3].y,
    }
}

/// The parameters inside (0, 1) where a quadratic Bézier turns in x or in y.
fn quad_extremes(p: [Point; 3]) -> Vec<f64> {
    let turn = |a: f64, b: f64, c: f64| {
        // B'(t) = 0 at t = (a − b) / (a − 2b + c).
        let denominator = a - 2.0 * b + c;
        (denominator != 0.0).then(|| (a - b) / denominator)
    };
    [turn(p[0].x, p[1].x, p[2].x), turn(p[0].y, p[1].y, p[2].y)]
        .into_iter()
        .flatten()
        .filter(|t| *t > 0.0 && *t < 1.0)
        .collect()
}

/// The parameters inside (0, 1) where a cubic Bézier turns in x or in y.
fn cubic_extremes(p: [Point; 4]) -> Vec<f64> {
    let mut roots = Vec::new();
    for (p0, p1, p2, p3) in [
        (p[0].x, p[1].x, p[2].x, p[3].x),
        (p[0].y, p[1].y, p[2].y, p[3].y),
    ] {
        // B'(t) / 3 = a t² + b t + c.
        let a = p3 - 3.0 * p2 + 3.0 * p1 - p0;
        let b = 2.0 * (p2 - 2.0 * p1 + p0);
        let c = p1 - p0;
        if a.abs() < 1e-12 {
            if b != 0.0 {
                roots.push(-c / b);
            }
        } else {
            let discriminant = b * b - 4.0 * a * c;
            if discriminant >= 0.0 {
                let root = discriminant.sqrt();
                roots.push((-b + root) / (2.0 * a));
                roots.push((-b - root) / (2.0 * a));
            }
        }
    }
    roots.retain(|t| *t > 0.0 && *t < 1.0);
    roots
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: f64, y: f64) -> Point {
        Point { x, y }
    }

    #[test]
    fn freetype_rounding_puts_points_on_the_64th_pixel_grid() {
        // DejaVu Sans: 2048 units per em at 24 px is 0.75/64 px per unit.
        let scale = Scale::new(2048, 24);
        assert!((scale.px(1401.0) - 1051.0 / 64.0).abs() < 1e-12); // 1050.75 → 1051
        assert!((scale.px(1493.0) - 1120.0 / 64.0).abs() < 1e-12); // 1119.75 → 1120 = 17.5 px
        assert!((scale.px(-1.0) - -1.0 / 64.0).abs() < 1e-12); // −0.75 → −1, away from zero
    }

    #[test]
    fn a_quadratic_bulge_extends_the_box_past_its_end_points_but_not_to_its_control_point() {
        let outline = Outline {
            segments: vec![
                Segment::Quad([p(0.0, 0.0), p(5.0, 10.0), p(10.0, 0.0)]),
                Segment::Line([p(10.0, 0.0), p(0.0, 0.0)]),
            ],
        };
        let bounds = outline.bounds();
        assert!((bounds.y_max - 5.0).abs() < 1e-12);
        assert!((bounds.x_max - 10.0).abs() < 1e-12);
        assert!(bounds.y_min.abs() < 1e-12);
    }

    #[test]
    fn a_cubic_bulge_reaches_three_quarters_of_its_control_points() {
        let outline = Outline {
            segments: vec![
                Segment::Cubic([p(0.0, 0.0), p(0.0, 8.0), p(10.0, 8.0), p(10.0, 0.0)]),
                Segment::Line([p(10.0, 0.0), p(0.0, 0.0)]),
            ],
        };
        assert!((outline.bounds().y_max - 6.0).abs() < 1e-12);
    }

    #[test]
    fn a_square_covers_whole_pixels_inside_and_half_pixels_on_half_pixel_edges() {
        // A 2 × 2 px square from (1, 1) to (3, 3), y up, plus half a pixel to the right.
        let outline = Outline {
            segments: vec![
                Segment::Line([p(1.0, 1.0), p(3.5, 1.0)]),
                Segment::Line([p(3.5, 1.0), p(3.5, 3.0)]),
                Segment::Line([p(3.5, 3.0), p(1.0, 3.0)]),
                Segment::Line([p(1.0, 3.0), p(1.0, 1.0)]),
            ],
        };
        // Grid 5 × 4 with its top-left corner at (0, 4): rows are y 4..3, 3..2, 2..1, 1..0.
        let coverage = outline.coverage(p(0.0, 4.0), 5, 4);
        let row = |r: usize| coverage[r * 5..r * 5 + 5].to_vec();
        assert_eq!(row(0), [0.0; 5]);
        for r in [1, 2] {
            let cells = row(r);
            assert!(cells[0].abs() < 1e-6);
            assert!((cells[1] - 1.0).abs() < 1e-6);
            assert!((cells[2] - 1.0).abs() < 1e-6);
            assert!((cells[3] - 0.5).abs() < 1e-6);
            assert!(cells[4].abs() < 1e-6);
        }
        assert!(row(3).iter().all(|c| c.abs() < 1e-6));
    }
}
