//! The map's style — colours, hatches, line widths and dashes, street widths by zoom, when the
//! base map's details appear — as one value that serialises to JSON.
//!
//! One definition for the web map and the images: `web/src/style.json`, which this crate
//! embeds and parses ([`Style::kvarter`]) and `web/src/style.js` imports (its colours,
//! hatches, line widths and dashes, opacities, street widths and zoom levels all come from it).
//! The status badges' colours are also in `web/src/base.css`, which cannot import JSON; a web
//! unit test checks that the two agree.
//!
//! Units are those of the web map: widths in CSS pixels, zoom levels on 512-pixel tiles
//! (MapLibre's), dash arrays in multiples of the line's width (as `line-dasharray`).

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use kvarter_core::Status;

/// The whole style (see the module doc). [`Style::kvarter`] is Kvarter's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Style {
    /// The font families, as the glyph server and the SVG name them.
    pub fonts: Fonts,
    /// Every colour.
    pub colours: Colours,
    /// The diagonal hatch of reconstructed layers, state lists, removed pieces and no data.
    pub hatch: Hatch,
    /// Fill opacities.
    pub fills: Fills,
    /// Line widths and dashes.
    pub lines: Lines,
    /// Street widths by zoom level.
    pub streets: Streets,
    /// Zoom levels at which details appear or disappear.
    pub zooms: Zooms,
    /// The status badges' colours.
    pub badges: Badges,
    /// Which base-map layer plays which role, by the start of its id (water, parks, blocks,
    /// streets), in drawing order.
    pub base_roles: Vec<BaseRole>,
}

/// Font families.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fonts {
    /// Regular text.
    pub regular: String,
    /// Bold text.
    pub bold: String,
}

/// Colours, as `#rrggbb`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Colours {
    /// The land (the map's background).
    pub land: String,
    /// Water.
    pub water: String,
    /// Parks.
    pub parks: String,
    /// City blocks.
    pub blocks: String,
    /// Streets.
    pub street: String,
    /// The casing around streets.
    pub street_casing: String,
    /// District (bydel) outlines.
    pub district: String,
    /// The municipality's outline.
    pub municipality: String,
    /// District labels.
    pub label: String,
    /// Street labels.
    pub street_label: String,
    /// Designation area labels.
    pub designation_label: String,
    /// The halo around labels.
    pub halo: String,
    /// A designation layer's colour by its status.
    pub designation: StatusColours,
    /// State lists.
    pub state: String,
    /// The pieces of a comparison.
    pub change: ChangeColours,
    /// Unit outlines and labels.
    pub unit: String,
    /// Choropleth units without a value.
    pub no_data: String,
    /// The hatch of units without a value.
    pub no_data_hatch: String,
    /// The choropleth's classes, lowest first.
    pub ramp: Vec<String>,
}

/// One colour per [`Status`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusColours {
    /// `official`.
    pub official: String,
    /// `reconstructed`.
    pub reconstructed: String,
    /// `imported`.
    pub imported: String,
    /// `synthetic`.
    pub synthetic: String,
}

impl StatusColours {
    /// The colour of `status`.
    pub fn of(&self, status: Status) -> &str {
        match status {
            Status::Official => &self.official,
            Status::Reconstructed => &self.reconstructed,
            Status::Imported => &self.imported,
            Status::Synthetic => &self.synthetic,
        }
    }
}

/// One colour per kind of comparison piece.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeColours {
    /// Designated in both.
    pub kept: String,
    /// Designated only in the later layer.
    pub added: String,
    /// Designated only in the earlier layer (drawn hatched).
    pub removed: String,
}

/// The diagonal hatch: in each `period` × `period` square, the pixels with
/// `(x + y) mod period < stripe` are the stripe. The web map draws it as a 16-pixel image at
/// pixel ratio 2 (period 8 device pixels = 4 CSS pixels, stripe 2 device pixels).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hatch {
    /// The repeat, in CSS pixels.
    pub period: f64,
    /// The stripe's width along an axis, in CSS pixels.
    pub stripe: f64,
    /// The stripe's opacity (the web's alpha 200 of 255).
    pub stripe_opacity: f64,
    /// The opacity of the colour between the stripes (the web's alpha 40 of 255).
    pub ground_opacity: f64,
}

/// Fill opacities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fills {
    /// A designation layer that is not hatched.
    pub designation: f64,
    /// The hatch of a reconstructed designation layer (`fill-opacity` over the pattern).
    pub designation_hatch: f64,
    /// Kept and added pieces.
    pub change: f64,
    /// Choropleth classes.
    pub choropleth: f64,
}

/// A line's width and, where it is dashed, its dashes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Width in CSS pixels.
    pub width: f64,
    /// Dash and gap lengths in multiples of the width; empty for a solid line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dash: Vec<f64>,
    /// Opacity.
    pub opacity: f64,
}

/// Line styles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lines {
    /// A designation layer's outline; `dash` applies to reconstructed layers only.
    pub designation: Line,
    /// A state list's outline; `dash` applies to lists that are not official.
    pub state: Line,
    /// The first unit layer's outline (each further one is `unit_step` thinner, down to
    /// `unit_min_width`); `dash` applies to reconstructed unit layers.
    pub unit: Line,
    /// How much thinner each further unit layer is drawn.
    pub unit_step: f64,
    /// The thinnest unit outline.
    pub unit_min_width: f64,
    /// District outlines.
    pub district: Line,
    /// The municipality's outline.
    pub municipality: Line,
    /// The outline of comparison pieces.
    pub change: Line,
}

/// Street widths: a line of width `stops[i].1` at zoom `stops[i].0`, interpolated
/// exponentially with `base` between stops (MapLibre's `["exponential", base]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Streets {
    /// `(zoom, width)` pairs, by zoom.
    pub stops: Vec<(f64, f64)>,
    /// The interpolation's base.
    pub base: f64,
    /// How much wider the casing is than the street.
    pub casing_extra: f64,
}

impl Streets {
    /// The street's width at `zoom` plus `extra`, as MapLibre interpolates it.
    pub fn width(&self, zoom: f64, extra: f64) -> f64 {
        let (Some(first), Some(last)) = (self.stops.first(), self.stops.last()) else {
            return extra;
        };
        if zoom <= first.0 {
            return first.1 + extra;
        }
        if zoom >= last.0 {
            return last.1 + extra;
        }
        for pair in self.stops.windows(2) {
            let ((z0, w0), (z1, w1)) = (pair[0], pair[1]);
            if zoom <= z1 {
                let t = (self.base.powf(zoom - z0) - 1.0) / (self.base.powf(z1 - z0) - 1.0);
                return w0 + (w1 - w0) * t + extra;
            }
        }
        last.1 + extra
    }
}

/// Zoom levels (512-pixel tiles) at which details appear (`min`) or disappear (`max`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Zooms {
    /// City blocks appear.
    pub blocks_min: f64,
    /// Street casings appear.
    pub street_casing_min: f64,
    /// District labels disappear.
    pub district_labels_max: f64,
    /// Designation area labels appear.
    pub designation_labels_min: f64,
}

/// The badge colours of one status: background and text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Badge {
    /// Background.
    pub background: String,
    /// Text.
    pub text: String,
    /// Whether the badge has a dashed border (reconstructed), and its colour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dashed_border: Option<String>,
}

/// The status badges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Badges {
    /// `official`.
    pub official: Badge,
    /// `reconstructed`.
    pub reconstructed: Badge,
    /// `imported`.
    pub imported: Badge,
    /// `synthetic`.
    pub synthetic: Badge,
}

impl Badges {
    /// The badge of `status`.
    pub fn of(&self, status: Status) -> &Badge {
        match status {
            Status::Official => &self.official,
            Status::Reconstructed => &self.reconstructed,
            Status::Imported => &self.imported,
            Status::Synthetic => &self.synthetic,
        }
    }
}

/// What a base-map layer is drawn as, by the start of its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Water areas.
    Water,
    /// Parks.
    Parks,
    /// City blocks (from a zoom level on).
    Blocks,
    /// Streets.
    Streets,
}

/// A base-map role and the start of the ids of its layers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaseRole {
    /// The role.
    pub role: Role,
    /// The start of the layer ids that play it (`vand-`).
    pub prefix: String,
}

/// Kvarter's style, the one definition the web map (`web/src/style.js` imports it) and the
/// images are drawn from.
const KVARTER: &str = include_str!("../../../web/src/style.json");

static PARSED: LazyLock<Style> = LazyLock::new(|| {
    serde_json::from_str(KVARTER).unwrap_or_else(|error| {
        // The file is part of the build and a test parses it, so this cannot happen in a
        // released binary.
        panic!("web/src/style.json is not a style: {error}")
    })
});

impl Style {
    /// Kvarter's style: `web/src/style.json`, which the web map reads too.
    pub fn kvarter() -> Style {
        PARSED.clone()
    }

    /// The style as JSON, for the web map to read.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The role of the base-map layer with id `id`, if its id starts with a role's prefix.
    pub fn role_of(&self, id: &str) -> Option<Role> {
        self.base_roles
            .iter()
            .find(|role| id.starts_with(&role.prefix))
            .map(|role| role.role)
    }
}

impl Default for Style {
    fn default() -> Self {
        Style::kvarter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn street_widths_follow_the_web_maps_stops() {
        let streets = Style::kvarter().streets;
        assert!((streets.width(10.0, 0.0) - 0.6).abs() < 1e-9);
        assert!((streets.width(14.0, 0.0) - 3.0).abs() < 1e-9);
        assert!((streets.width(20.0, 1.5) - 13.5).abs() < 1e-9);
        let mid = streets.width(12.0, 0.0);
        assert!(
            mid > 0.6 && mid < 1.8,
            "exponential, so below the linear middle: {mid}"
        );
    }

    #[test]
    fn the_shared_style_file_parses_and_round_trips() {
        let style: Style = serde_json::from_str(KVARTER).unwrap();
        let again: Style = serde_json::from_str(&style.to_json()).unwrap();
        assert_eq!(style, again);
    }

    #[test]
    fn the_style_serialises_with_the_web_maps_colours() {
        let json: serde_json::Value = serde_json::from_str(&Style::kvarter().to_json()).unwrap();
        assert_eq!(json["colours"]["designation"]["reconstructed"], "#b45309");
        assert_eq!(json["colours"]["change"]["removed"], "#1b7837");
        assert_eq!(
            json["lines"]["designation"]["dash"],
            serde_json::json!([3.0, 2.0])
        );
        assert_eq!(json["base_roles"][0]["prefix"], "vand-");
    }
}
