//! The default dataset, embedded in the binary at compile time from `geodata/` (layers, manifest,
//! the gazetteer, and the indicator catalogue and tables of `geodata/indicators/`), read through
//! the same checks as a data folder.

use kvarter_data::store::Embedded;

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The embedded dataset as a data source.
pub fn source() -> Embedded {
    Embedded::new(FILES)
}

#[cfg(test)]
mod tests {
    use kvarter_data::store::DataSource as _;

    use super::*;

    #[test]
    fn the_embedded_gazetteer_is_the_one_the_embedded_manifest_lists() {
        let snapshot = source().load().unwrap();
        let bytes = source().file("gazetteer.csv");
        assert_eq!(bytes.is_some(), snapshot.manifest.gazetteer.is_some());
        if let Some(bytes) = bytes {
            assert!(bytes.starts_with(b"kind,id,text,street,house_number,postcode,"));
            assert!(!snapshot.addresses.is_empty());
        }
    }

    #[test]
    fn the_embedded_indicator_files_are_the_ones_the_embedded_manifest_lists() {
        let snapshot = source().load().unwrap();
        let files = &snapshot.indicators;
        let manifest = &snapshot.manifest;
        assert_eq!(files.catalogue.is_some(), manifest.catalogue.is_some());
        assert_eq!(files.tables.len(), manifest.tables.len());
        for (entry, bytes) in &files.tables {
            let text = std::str::from_utf8(bytes).unwrap();
            assert!(
                text.starts_with("indicator,unit,period,value\n"),
                "{}",
                entry.file
            );
            assert_eq!(text.lines().count(), entry.rows + 1, "{}", entry.file);
        }
    }
}
