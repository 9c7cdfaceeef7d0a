//! The fonts the images are set in (DejaVu Sans from `web/fonts`, carried in the binary) and
//! their widths, so labels, the legend and the sources can be wrapped and kept apart before
//! the renderer sets them.

use ttf_parser::Face;

/// DejaVu Sans, regular.
pub(crate) const REGULAR: &[u8] = include_bytes!("../../../web/fonts/DejaVuSans.ttf");
/// DejaVu Sans, bold.
pub(crate) const BOLD: &[u8] = include_bytes!("../../../web/fonts/DejaVuSans-Bold.ttf");

/// Advance widths of the two faces.
pub(crate) struct Metrics {
    regular: Face<'static>,
    bold: Face<'static>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics(DejaVu Sans, DejaVu Sans Bold)")
    }
}

impl Metrics {
    pub(crate) fn new() -> Metrics {
        // The fonts are part of the source tree; a test parses them.
        let parse = |bytes| Face::parse(bytes, 0).expect("web/fonts holds valid TrueType fonts");
        Metrics {
            regular: parse(REGULAR),
            bold: parse(BOLD),
        }
    }

    /// The width of `text` set at `size` pixels.
    pub(crate) fn width(&self, text: &str, size: f64, bold: bool) -> f64 {
        let face = if bold { &self.bold } else { &self.regular };
        let units: u32 = text
            .chars()
            .map(|c| {
                face.glyph_index(c)
                    .and_then(|glyph| face.glyph_hor_advance(glyph))
                    .map_or(u32::from(face.units_per_em()) / 2, u32::from)
            })
            .sum();
        f64::from(units) * size / f64::from(face.units_per_em())
    }

    /// `text` broken into lines no wider than `max` at `size` (a word longer than a line
    /// stands alone on its line).
    pub(crate) fn wrap(&self, text: &str, size: f64, bold: bool, max: f64) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && self.width(&candidate, size, bold) > max {
                lines.push(std::mem::replace(&mut line, word.to_owned()));
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// `text` cut with an ellipsis to fit `max` at `size`.
    pub(crate) fn fit(&self, text: &str, size: f64, bold: bool, max: f64) -> String {
        if self.width(text, size, bold) <= max {
            return text.to_owned();
        }
        let mut kept: String = text.to_owned();
        while !kept.is_empty() && self.width(&format!("{kept}…"), size, bold) > max {
            kept.pop();
        }
        format!("{}…", kept.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_wraps_at_word_boundaries_within_the_width() {
        let metrics = Metrics::new();
        let text = "Københavns Kommune (policy text and roder); reconstruction by Kvarter";
        let lines = metrics.wrap(text, 10.0, false, 150.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), text);
        assert!(
            lines
                .iter()
                .all(|line| metrics.width(line, 10.0, false) <= 150.0)
        );
        assert!(metrics.width("æøå", 10.0, true) > metrics.width("æøå", 10.0, false));
        assert!(metrics.fit(text, 10.0, false, 80.0).ends_with('…'));
    }
}
