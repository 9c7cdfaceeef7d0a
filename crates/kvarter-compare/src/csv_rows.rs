//! The comparison as CSV: one row per overlapping pair (kept) and per area-level removed or
//! added part, each row naming both layers and their statuses (so a copy of the file still
//! says when a side is reconstructed).

use crate::report::Comparison;

/// The CSV columns, in order.
pub const COLUMNS: [&str; 13] = [
    "change",
    "from_id",
    "from_name",
    "to_id",
    "to_name",
    "area_m2",
    "share_of_from",
    "share_of_to",
    "sliver",
    "from_layer",
    "from_status",
    "to_layer",
    "to_status",
];

/// m² are written to the centimetre² (0.01 m²), shares to six decimals.
fn m2(value: f64) -> String {
    format!("{value:.2}")
}

fn share(value: f64) -> String {
    format!("{value:.6}")
}

impl Comparison {
    /// The comparison as CSV (UTF-8, comma-separated, header row [`COLUMNS`]).
    ///
    /// Rows: every pair (`kept`, slivers included and marked), then every `from` area with a
    /// removed part (`removed`; `to_*`, `share_of_to` and `sliver` empty), then every `to` area
    /// with an added part (`added`; `from_*`, `share_of_from` and `sliver` empty) — the same
    /// rows, in the same order, as [`Comparison::pieces`].
    pub fn to_csv(&self) -> Vec<u8> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let layers = [
            self.from.id.as_str(),
            self.from.status.as_str(),
            self.to.id.as_str(),
            self.to.status.as_str(),
        ];
        let mut rows: Vec<[String; 9]> = Vec::with_capacity(self.pieces.len());
        for pair in &self.pairs {
            rows.push([
                "kept".into(),
                pair.from_id.clone(),
                pair.from_name.clone().unwrap_or_default(),
                pair.to_id.clone(),
                pair.to_name.clone().unwrap_or_default(),
                m2(pair.kept_m2),
                share(pair.share_of_from),
                share(pair.share_of_to),
                pair.sliver.to_string(),
            ]);
        }
        for area in self.from_areas.iter().filter(|a| a.removed_m2 > 0.0) {
            rows.push([
                "removed".into(),
                area.id.clone(),
                area.name.clone().unwrap_or_default(),
                String::new(),
                String::new(),
                m2(area.removed_m2),
                share(area.removed_m2 / area.area_m2),
                String::new(),
                String::new(),
            ]);
        }
        for area in self.to_areas.iter().filter(|a| a.added_m2 > 0.0) {
            rows.push([
                "added".into(),
                String::new(),
                String::new(),
                area.id.clone(),
                area.name.clone().unwrap_or_default(),
                m2(area.added_m2),
                String::new(),
                share(area.added_m2 / area.area_m2),
                String::new(),
            ]);
        }
        // Writing to a Vec cannot fail, and every row has the header's length.
        writer
            .write_record(COLUMNS)
            .expect("writing CSV to memory cannot fail");
        for row in rows {
            writer
                .write_record(row.iter().map(String::as_str).chain(layers))
                .expect("writing CSV to memory cannot fail");
        }
        writer
            .into_inner()
            .expect("flushing CSV to memory cannot fail")
    }
}
