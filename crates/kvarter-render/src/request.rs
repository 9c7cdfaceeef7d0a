//! What a map image shows: the view, the designations, the extent, the size, the language and
//! where the legend goes — a typed request that the HTTP face (`GET
//! /api/static/{view}.{png|svg|pdf}`) and the command line (`kvarter render`) fill from their
//! parameters with the `FromStr` impls here, and [`RenderRequest::check`] validates.

use std::str::FromStr;

use kvarter_core::Bounds;

use crate::error::RenderError;

/// The largest width or height, in CSS pixels.
pub const MAX_SIDE: u32 = 4096;
/// The smallest width or height: room for a map and its furniture.
pub const MIN_SIDE: u32 = 200;
/// The largest pixel ratio of a PNG.
pub const MAX_SCALE: u32 = 4;
/// The longest title, in characters.
pub const MAX_TITLE: usize = 200;

/// The encodings of a map image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A raster image, `width × scale` by `height × scale` pixels.
    Png,
    /// The scene itself.
    Svg,
    /// One vector page the size of the image (1 CSS pixel = 1 point), text as text.
    Pdf,
}

impl Format {
    /// The file extension and the API's token: `png`, `svg`, `pdf`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
            Format::Pdf => "pdf",
        }
    }

    /// The media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Svg => "image/svg+xml",
            Format::Pdf => "application/pdf",
        }
    }
}

impl FromStr for Format {
    type Err = RenderError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "png" => Ok(Format::Png),
            "svg" => Ok(Format::Svg),
            "pdf" => Ok(Format::Pdf),
            _ => Err(RenderError::invalid("format", "use png, svg or pdf")),
        }
    }
}

/// A designation to show: the one of a year (as the web map's year picker means it: the layer
/// whose policy is of that year, else the one in force on 1 January of it), or a layer by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Designation {
    /// The designation of a year.
    Year(i32),
    /// A designation layer by id.
    Layer(String),
}

impl FromStr for Designation {
    type Err = RenderError;

    /// Four digits are a year, anything else a layer id (checked against the data later).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) {
            text.parse()
                .map(Designation::Year)
                .map_err(|_| RenderError::invalid("year", "use a year like 2011"))
        } else {
            Ok(Designation::Layer(text.to_owned()))
        }
    }
}

/// What the image shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    /// One map of one designation.
    Single(Designation),
    /// Two maps side by side, `from` on the left, `to` on the right.
    Side {
        /// The left map's designation.
        from: Designation,
        /// The right map's designation.
        to: Designation,
    },
    /// One map of what was kept, added and removed from `from` to `to`.
    Changes {
        /// The earlier designation.
        from: Designation,
        /// The later designation.
        to: Designation,
    },
}

impl View {
    /// The view named `name` (`single`, `side`, `changes`), with `year` for a single map and
    /// `from`/`to` for the others, as the API's path and parameters give them.
    pub fn from_parts(
        name: &str,
        year: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<View, RenderError> {
        let need = |field: &'static str, value: Option<&str>| {
            value
                .ok_or_else(|| RenderError::invalid(field, "missing: give a year or a layer id"))?
                .parse::<Designation>()
        };
        match name {
            "single" => Ok(View::Single(need("year", year)?)),
            "side" => Ok(View::Side {
                from: need("from", from)?,
                to: need("to", to)?,
            }),
            "changes" => Ok(View::Changes {
                from: need("from", from)?,
                to: need("to", to)?,
            }),
            _ => Err(RenderError::invalid(
                "view",
                format!("{name:?} is no view; use single, side or changes"),
            )),
        }
    }
}

/// Which part of the city the map shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Extent {
    /// Fit the designations shown (with a margin).
    Fit,
    /// Fit this box (lon/lat) into the map, centred, keeping its aspect.
    Bbox(Bounds),
    /// Centre on a point at a web map zoom level (512-pixel tiles, as the permalink's `map`).
    Centre {
        /// Longitude.
        lon: f64,
        /// Latitude.
        lat: f64,
        /// Zoom level, 0–22.
        zoom: f64,
    },
}

impl Extent {
    /// A box from the API's `bbox=west,south,east,north`.
    pub fn parse_bbox(text: &str) -> Result<Extent, RenderError> {
        let numbers: Vec<f64> = text
            .split(',')
            .map(|part| part.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| RenderError::invalid("bbox", "use west,south,east,north in degrees"))?;
        let [west, south, east, north] = numbers[..] else {
            return Err(RenderError::invalid(
                "bbox",
                "use four numbers: west,south,east,north",
            ));
        };
        Ok(Extent::Bbox(Bounds {
            west,
            south,
            east,
            north,
        }))
    }

    /// A centre from the API's `center=lon,lat` and `zoom=z`.
    pub fn parse_centre(centre: &str, zoom: &str) -> Result<Extent, RenderError> {
        let (lon, lat) = centre
            .split_once(',')
            .and_then(|(lon, lat)| Some((lon.trim().parse().ok()?, lat.trim().parse().ok()?)))
            .ok_or_else(|| RenderError::invalid("center", "use lon,lat in degrees"))?;
        let zoom = zoom
            .trim()
            .parse()
            .map_err(|_| RenderError::invalid("zoom", "use a number from 0 to 22"))?;
        Ok(Extent::Centre { lon, lat, zoom })
    }
}

/// The language of the image's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Danish (the default, as the web map's).
    #[default]
    Da,
    /// English.
    En,
}

impl Lang {
    /// The language's tag (BCP 47): `da`, `en`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Da => "da",
            Lang::En => "en",
        }
    }
}

impl FromStr for Lang {
    type Err = RenderError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "da" => Ok(Lang::Da),
            "en" => Ok(Lang::En),
            _ => Err(RenderError::invalid("lang", "use da or en")),
        }
    }
}

/// Where the legend goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LegendPlacement {
    /// A column right of the map.
    #[default]
    Right,
    /// A band under the map.
    Bottom,
    /// No legend: the map fills the image (title, year labels and sources stay).
    None,
}

impl FromStr for LegendPlacement {
    type Err = RenderError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "right" => Ok(LegendPlacement::Right),
            "bottom" => Ok(LegendPlacement::Bottom),
            "none" => Ok(LegendPlacement::None),
            _ => Err(RenderError::invalid("legend", "use right, bottom or none")),
        }
    }
}

/// A paper size for a printed map: the image is laid out on the page (1 CSS pixel = 1 point)
/// and, as a PDF, is one page of exactly that size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// A4, 297 × 210 mm.
    A4Landscape,
    /// A4, 210 × 297 mm.
    A4Portrait,
    /// A3, 420 × 297 mm.
    A3Landscape,
    /// A3, 297 × 420 mm.
    A3Portrait,
}

/// The short and long side of A4 and A3 in points (1/72 inch): ISO 216 in millimetres × 72 / 25.4.
const A4: (f32, f32) = (595.276, 841.89);
const A3: (f32, f32) = (841.89, 1190.551);

impl Paper {
    /// The page's width and height in points.
    pub fn points(self) -> (f32, f32) {
        match self {
            Paper::A4Landscape => (A4.1, A4.0),
            Paper::A4Portrait => A4,
            Paper::A3Landscape => (A3.1, A3.0),
            Paper::A3Portrait => A3,
        }
    }

    /// The page's width and height rounded to whole points: the size the map is laid out at.
    pub fn size(self) -> (u32, u32) {
        let (width, height) = self.points();
        // Both are below 1,200 points, so the rounded values fit in a u32 exactly.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        (width.round() as u32, height.round() as u32)
    }

    /// The API's token: `a4-landscape`, `a4-portrait`, `a3-landscape`, `a3-portrait`.
    pub fn token(self) -> &'static str {
        match self {
            Paper::A4Landscape => "a4-landscape",
            Paper::A4Portrait => "a4-portrait",
            Paper::A3Landscape => "a3-landscape",
            Paper::A3Portrait => "a3-portrait",
        }
    }
}

impl FromStr for Paper {
    type Err = RenderError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [
            Paper::A4Landscape,
            Paper::A4Portrait,
            Paper::A3Landscape,
            Paper::A3Portrait,
        ]
        .into_iter()
        .find(|paper| paper.token() == text)
        .ok_or_else(|| {
            RenderError::invalid(
                "paper",
                "use a4-landscape, a4-portrait, a3-landscape or a3-portrait",
            )
        })
    }
}

/// One map image, as a face asks for it. [`RenderRequest::new`] gives the defaults (1200 × 800,
/// scale 1, Danish, fitted, legend right); set fields to change them.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderRequest {
    /// What the map shows.
    pub view: View,
    /// Which part of the city.
    pub extent: Extent,
    /// Unit layers (admin units, e.g. `bydele-2023`) whose outlines are drawn, thickest first.
    pub units: Vec<String>,
    /// State lists (e.g. `forebyggelsesomraader-2024`) drawn on every map besides those that are
    /// part of the designation shown, as the web map's state-list toggles draw them.
    pub state_lists: Vec<String>,
    /// An indicator to colour the first unit layer by (the district layer without units), in
    /// five quantile classes as the web map does.
    pub indicator: Option<String>,
    /// The indicator's period; `None` for its latest.
    pub period: Option<String>,
    /// Width in CSS pixels (PDF points).
    pub width: u32,
    /// Height in CSS pixels (PDF points).
    pub height: u32,
    /// Pixel ratio of a PNG, 1–4.
    pub scale: u32,
    /// The language of the words.
    pub lang: Lang,
    /// The title; `None` for the view's own (e.g. "Udsatte byområder 2011 og 2017").
    pub title: Option<String>,
    /// Where the legend goes.
    pub legend: LegendPlacement,
    /// The paper the image is made for, if any: then `width` and `height` are its size in
    /// points (set both with [`RenderRequest::on_paper`]) and a PDF is one page of it.
    pub paper: Option<Paper>,
}

impl RenderRequest {
    /// `view` with the defaults.
    pub fn new(view: View) -> RenderRequest {
        RenderRequest {
            view,
            extent: Extent::Fit,
            units: Vec::new(),
            state_lists: Vec::new(),
            indicator: None,
            period: None,
            width: 1200,
            height: 800,
            scale: 1,
            lang: Lang::Da,
            title: None,
            legend: LegendPlacement::Right,
            paper: None,
        }
    }

    /// This request laid out on `paper`: its width and height become the page's, in points.
    #[must_use]
    pub fn on_paper(self, paper: Paper) -> RenderRequest {
        let (width, height) = paper.size();
        RenderRequest {
            width,
            height,
            paper: Some(paper),
            ..self
        }
    }

    /// Checks what can be checked without the data: sizes, scale, extent, title.
    pub fn check(&self) -> Result<(), RenderError> {
        for (field, value) in [("width", self.width), ("height", self.height)] {
            if !(MIN_SIDE..=MAX_SIDE).contains(&value) {
                return Err(RenderError::invalid(
                    field,
                    format!("{value} is out of range; use {MIN_SIDE} to {MAX_SIDE} pixels"),
                ));
            }
        }
        if !(1..=MAX_SCALE).contains(&self.scale) {
            return Err(RenderError::invalid(
                "scale",
                format!("{} is out of range; use 1 to {MAX_SCALE}", self.scale),
            ));
        }
        if let Some(paper) = self.paper
            && paper.size() != (self.width, self.height)
        {
            return Err(RenderError::invalid(
                "paper",
                "give a paper size or a width and height, not both",
            ));
        }
        if self.period.is_some() && self.indicator.is_none() {
            return Err(RenderError::invalid(
                "period",
                "only means something with indicator=; name the indicator too",
            ));
        }
        if let Some(title) = &self.title
            && title.chars().count() > MAX_TITLE
        {
            return Err(RenderError::invalid(
                "title",
                format!("longer than {MAX_TITLE} characters"),
            ));
        }
        match self.extent {
            Extent::Fit => Ok(()),
            Extent::Bbox(b) => {
                let finite = [b.west, b.south, b.east, b.north]
                    .iter()
                    .all(|v| v.is_finite());
                if !finite
                    || b.west < -180.0
                    || b.east > 180.0
                    || b.south < -85.0
                    || b.north > 85.0
                    || b.west >= b.east
                    || b.south >= b.north
                {
                    Err(RenderError::invalid(
                        "bbox",
                        "use west,south,east,north with west < east, south < north, longitudes within ±180 and latitudes within ±85",
                    ))
                } else {
                    Ok(())
                }
            }
            Extent::Centre { lon, lat, zoom } => {
                let lon_ok = lon.is_finite() && (-180.0..=180.0).contains(&lon);
                let lat_ok = lat.is_finite() && (-85.0..=85.0).contains(&lat);
                if !(lon_ok && lat_ok) {
                    Err(RenderError::invalid(
                        "center",
                        "use lon,lat with longitude within ±180 and latitude within ±85",
                    ))
                } else if !(zoom.is_finite() && (0.0..=22.0).contains(&zoom)) {
                    Err(RenderError::invalid("zoom", "use a number from 0 to 22"))
                } else {
                    Ok(())
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> RenderRequest {
        RenderRequest::new(View::Single(Designation::Year(2011)))
    }

    #[test]
    fn sizes_over_4096_and_scales_over_4_are_refused_naming_the_field() {
        let wide = RenderRequest {
            width: 5000,
            ..request()
        };
        assert!(wide.check().unwrap_err().to_string().starts_with("width:"));
        let sharp = RenderRequest {
            scale: 5,
            ..request()
        };
        assert!(sharp.check().unwrap_err().to_string().starts_with("scale:"));
        assert!(request().check().is_ok());
    }

    #[test]
    fn a_paper_size_sets_the_layout_in_points_and_excludes_another_size() {
        let a4 = request().on_paper("a4-landscape".parse().unwrap());
        assert_eq!((a4.width, a4.height), (842, 595));
        assert!(a4.check().is_ok());
        let both = RenderRequest { width: 1000, ..a4 };
        assert!(both.check().unwrap_err().to_string().starts_with("paper:"));
        assert!("letter".parse::<Paper>().is_err());
    }

    #[test]
    fn a_bbox_must_have_west_before_east() {
        let flipped = RenderRequest {
            extent: Extent::parse_bbox("12.6,55.6,12.4,55.7").unwrap(),
            ..request()
        };
        assert!(
            flipped
                .check()
                .unwrap_err()
                .to_string()
                .starts_with("bbox:")
        );
        assert!(Extent::parse_bbox("1,2,3").is_err());
    }

    #[test]
    fn views_are_read_from_the_apis_parts() {
        assert_eq!(
            View::from_parts("side", None, Some("2011"), Some("udsatte-byomraader-2017")).unwrap(),
            View::Side {
                from: Designation::Year(2011),
                to: Designation::Layer("udsatte-byomraader-2017".into()),
            }
        );
        assert!(View::from_parts("swipe", None, None, None).is_err());
        assert!(View::from_parts("single", None, None, None).is_err());
    }
}
