//! Importing a layer into a data folder (`kvarter layers import`): read a source in any of the
//! formats planners have ([`read`]), convert and repair it into a layer, and write it atomically.

mod csv_wkt;
mod dbf;
mod gpkg;
pub mod read;
mod shp;
mod shp_zip;
mod wkb;

#[cfg(test)]
mod fixtures;

use std::path::Path;

use read::{Format, RawFile, ReadError, ReadOptions};

/// Reads a file-based source of `format` with the readers in this module: a Shapefile, a zipped
/// Shapefile, a GeoPackage or a CSV with WKT. `None` for the formats read elsewhere (GeoJSON,
/// FlatGeobuf, WFS).
pub fn read_by_format(
    format: Format,
    path: &Path,
    options: &ReadOptions,
) -> Option<Result<RawFile, ReadError>> {
    match format {
        Format::Shapefile => Some(shp::read(path, options)),
        Format::ShapefileZip => Some(shp_zip::read(path, options)),
        Format::GeoPackage => Some(gpkg::read(path, options)),
        Format::CsvWkt => Some(csv_wkt::read(path, options)),
        Format::GeoJson | Format::FlatGeobuf | Format::Wfs => None,
    }
}
