//! The service built from a data source — a real data folder written to disk — and reloaded
//! from it: one consistent version per service, an address reload that swaps only the address
//! index, and failures that leave the service that was serving untouched.

#![allow(clippy::unwrap_used, reason = "a test should fail loudly")]

use std::path::Path;

use geo::Point;
use kvarter_data::store::{DataDir, DataSource, IMPORTED_ADDRESSES};
use kvarter_geocode::file::{Record, write_csv};
use kvarter_geocode::{Entry, HouseNumber, Kind, SearchOptions};
use kvarter_service::{Live, Service, ServiceConfig, ServiceError};
use kvarter_testkit::husum::{BASE, IN_2011_ONLY, Y2011, dataset};

/// The Husum dataset's area layers written as a data folder, without a gazetteer (its base map
/// mixes lakes and streets, which one FlatGeobuf file cannot hold).
fn data_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let layers: Vec<(String, kvarter_core::Layer)> = dataset()
        .layers
        .into_iter()
        .filter(|layer| layer.meta.id.as_str() != BASE)
        .map(|layer| (format!("{}.fgb", layer.meta.id), layer))
        .collect();
    kvarter_data::build::write_data_folder(dir.path(), &layers, &[]).unwrap();
    dir
}

/// Writes an imported address register of one address into `dir`.
fn import_address(dir: &Path) {
    let record = Record {
        entry: Entry {
            kind: Kind::Address,
            id: "imported-1".into(),
            text: "Ruten 7, 2700 Brønshøj".into(),
            street: Some("Ruten".into()),
            house_number: Some(HouseNumber::new(7)),
            postcode: Some(2700),
            district: Some("Brønshøj".into()),
            point: Point::new(IN_2011_ONLY.0, IN_2011_ONLY.1),
        },
        source: "test".into(),
    };
    std::fs::write(dir.join(IMPORTED_ADDRESSES), write_csv(&[record])).unwrap();
}

fn found(service: &Service, text: &str) -> usize {
    service
        .search(text, &SearchOptions::default())
        .unwrap()
        .results
        .len()
}

#[test]
fn a_service_loaded_from_a_data_folder_serves_its_layers_at_its_data_version() {
    let dir = data_folder();
    let source = DataDir::new(dir.path());
    let service = Service::load(&source, ServiceConfig::default()).unwrap();
    let (loaded, manifest) = kvarter_data::dataset::load_dir(dir.path()).unwrap();
    assert_eq!(service.data_version(), loaded.version);
    assert_eq!(service.manifest(), Some(&manifest));
    assert_eq!(service.layers().len(), 3);
    assert!(service.layer(Y2011).is_ok());
    assert!(service.addresses().is_none(), "the folder has no gazetteer");
    assert!(
        source
            .describe()
            .contains(&dir.path().display().to_string())
    );
}

#[test]
fn an_address_reload_swaps_the_address_index_and_keeps_the_rest() {
    let dir = data_folder();
    let source = DataDir::new(dir.path());
    let live = Live::new(Service::load(&source, ServiceConfig::default()).unwrap());
    let before = live.current();
    assert_eq!(found(&before, "Ruten 7"), 0);

    import_address(dir.path());
    live.replace(before.reload_addresses(&source).unwrap());
    let after = live.current();
    assert_eq!(found(&after, "Ruten 7"), 1);
    assert_eq!(after.data_version(), before.data_version());
    assert_eq!(
        found(&before, "Ruten 7"),
        0,
        "a request that took the old one keeps it"
    );
}

#[test]
fn a_damaged_file_fails_the_load_by_name_and_the_serving_service_stays() {
    let dir = data_folder();
    let source = DataDir::new(dir.path());
    let serving = Service::load(&source, ServiceConfig::default()).unwrap();

    std::fs::write(dir.path().join(IMPORTED_ADDRESSES), "not,a,gazetteer\n").unwrap();
    let error = serving.reload_addresses(&source).unwrap_err();
    assert!(matches!(error, ServiceError::Data { .. }));
    assert!(
        chain(&error).contains(IMPORTED_ADDRESSES),
        "{}",
        chain(&error)
    );

    let file = dir.path().join(format!("{Y2011}.fgb"));
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&file, bytes).unwrap();
    let error = Service::load(&source, ServiceConfig::default()).unwrap_err();
    assert!(
        chain(&error).contains(&format!("{Y2011}.fgb")),
        "{}",
        chain(&error)
    );
    assert_eq!(serving.layers().len(), 3);
}

#[test]
fn a_service_built_in_memory_has_no_source_to_reload_addresses_from() {
    let dir = data_folder();
    let service = Service::new(dataset(), ServiceConfig::default());
    let error = service
        .reload_addresses(&DataDir::new(dir.path()))
        .unwrap_err();
    assert!(error.is_internal());
}

#[test]
fn the_work_counters_survive_a_reload_to_a_new_data_version() {
    use kvarter_service::reload::{Outcome, Reloader, Trigger};
    let dir = data_folder();
    let source = std::sync::Arc::new(DataDir::new(dir.path()));
    let live = Live::new(Service::load(&*source, ServiceConfig::default()).unwrap());
    let (lon, lat) = IN_2011_ONLY;
    let request = kvarter_service::lookup::LookupRequest {
        at: kvarter_service::lookup::Located::lon_lat(lon, lat),
        query: kvarter_index::LookupQuery::default(),
    };
    let _ = live.current().lookup(&request);
    assert_eq!(live.current().counters().now().lookups, 1);

    kvarter_data::import::remove(dir.path(), Y2011, &mut |_| {}).unwrap();
    let reloader = Reloader::new(source, ServiceConfig::default());
    let attempt = reloader.reload(&live, Trigger::Admin);
    assert!(
        matches!(attempt.outcome, Outcome::Reloaded { .. }),
        "{attempt:?}"
    );
    assert_eq!(live.current().layers().len(), 2);
    let _ = live.current().lookup(&request);
    assert_eq!(live.current().counters().now().lookups, 2);
}

#[test]
fn the_data_changed_on_the_day_of_the_folders_last_recorded_change() {
    let dir = data_folder();
    let source = DataDir::new(dir.path());
    let built = Service::load(&source, ServiceConfig::default()).unwrap();
    assert_eq!(
        built.data_changed(),
        None,
        "a built folder records no change"
    );

    kvarter_data::import::remove(dir.path(), Y2011, &mut |_| {}).unwrap();
    let changed = Service::load(&source, ServiceConfig::default()).unwrap();
    let (_, manifest) = source.load_layers().unwrap();
    let day = &manifest.history.last().unwrap().at[..10];
    assert_eq!(changed.data_changed().unwrap().to_string(), day);
    assert_eq!(
        Service::new(dataset(), ServiceConfig::default()).data_changed(),
        None
    );
}

/// An error and its causes, as a log line shows them.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}
