//! Zipped Shapefiles: the archive read by the `zip` crate, its one `.shp` and the companions
//! beside it unpacked into a temporary folder, then read as a Shapefile ([`super::shp`]).
//!
//! Archives are untrusted, so before anything is unpacked the reader refuses
//! ([`ReadError::Unsafe`]) an entry with an absolute or `..` path, more than
//! [`MAX_ENTRIES`] entries, an entry declaring more than [`MAX_ENTRY_BYTES`] or all together
//! more than [`MAX_TOTAL_BYTES`], and anything but exactly one `.shp` (in any folder). While
//! unpacking it stops at the first byte past what an entry declared, since zip bombs lie about
//! their sizes. macOS metadata (`__MACOSX/`, `._*`) is ignored.

use std::fs::File;
use std::io::{BufReader, Read, Seek, Write};
use std::path::{Component, Path, PathBuf};

use zip::ZipArchive;

use super::read::{Format, RawFile, ReadError, ReadOptions};
use super::shp;

/// The most entries an archive may hold.
const MAX_ENTRIES: usize = 64;
/// The most bytes one entry may unpack to (2 GiB, the `.shp`/`.dbf` format limit).
const MAX_ENTRY_BYTES: u64 = 2 << 30;
/// The most bytes all entries together may unpack to (4 GiB).
const MAX_TOTAL_BYTES: u64 = 4 << 30;
/// The extensions unpacked with the `.shp`.
const COMPANIONS: [&str; 5] = ["shp", "shx", "dbf", "prj", "cpg"];

/// Reads the one Shapefile inside the zip archive at `path`.
pub(crate) fn read(path: &Path, _options: &ReadOptions) -> Result<RawFile, ReadError> {
    let origin = path.display().to_string();
    let file = File::open(path).map_err(|source| io(path, source))?;
    let mut archive = ZipArchive::new(BufReader::new(file))
        .map_err(|e| ReadError::format(&origin, Format::ShapefileZip, e))?;
    let files = survey(&archive, &origin)?;
    let shp_path = the_shp(&files, &origin)?;
    let dir = tempfile::TempDir::new().map_err(|source| io(&std::env::temp_dir(), source))?;
    let companions: Vec<&(usize, PathBuf)> = files
        .iter()
        .filter(|(_, member)| {
            member.parent() == shp_path.parent()
                && member.file_stem() == shp_path.file_stem()
                && COMPANIONS.iter().any(|ext| has_ext(member, ext))
        })
        .collect();
    unpack_all(&mut archive, &companions, dir.path(), &origin)?;
    let shp_file = dir.path().join(shp_path.file_name().unwrap_or_default());
    let inner_origin = format!("{origin}!{}", slashed(&shp_path));
    shp::read_as(&shp_file, &inner_origin, Format::ShapefileZip)
}

fn refuse(origin: &str, reason: String) -> ReadError {
    ReadError::Unsafe {
        origin: origin.to_owned(),
        reason,
    }
}

/// The archive's files (index, safe relative path), once every entry's name and declared size
/// passed; directories and macOS metadata are left out.
fn survey<R: Read + Seek>(
    archive: &ZipArchive<R>,
    origin: &str,
) -> Result<Vec<(usize, PathBuf)>, ReadError> {
    if archive.len() > MAX_ENTRIES {
        return Err(refuse(
            origin,
            format!(
                "it holds {} entries; Kvarter unpacks at most {MAX_ENTRIES}",
                archive.len()
            ),
        ));
    }
    let invalid = |e: zip::result::ZipError| ReadError::format(origin, Format::ShapefileZip, e);
    let mut files = Vec::new();
    let mut declared_total = 0_u64;
    for index in 0..archive.len() {
        let entry = archive.by_index_data(index).map_err(invalid)?;
        let name = entry.name().map_err(invalid)?.into_owned();
        let enclosed = entry
            .enclosed_name()
            .filter(|p| !p.components().any(|c| c == Component::ParentDir))
            .filter(|_| !escapes(&name))
            .ok_or_else(|| {
                refuse(
                    origin,
                    format!(
                        "entry {name:?} has an absolute or '..' path; Kvarter does not unpack it"
                    ),
                )
            })?;
        let size = entry.size();
        declared_total = declared_total.saturating_add(size);
        if size > MAX_ENTRY_BYTES {
            return Err(refuse(
                origin,
                format!(
                    "entry {name:?} unpacks to {size} bytes, more than the {MAX_ENTRY_BYTES} Kvarter allows"
                ),
            ));
        }
        if declared_total > MAX_TOTAL_BYTES {
            return Err(refuse(
                origin,
                format!(
                    "its entries unpack to more than the {MAX_TOTAL_BYTES} bytes Kvarter allows"
                ),
            ));
        }
        let mac_metadata = enclosed.components().any(|c| c.as_os_str() == "__MACOSX")
            || enclosed
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("._"));
        if !entry.is_dir() && !mac_metadata {
            files.push((index, enclosed));
        }
    }
    Ok(files)
}

/// The path of the one `.shp` among `files`.
fn the_shp(files: &[(usize, PathBuf)], origin: &str) -> Result<PathBuf, ReadError> {
    let shps: Vec<&PathBuf> = files
        .iter()
        .map(|(_, p)| p)
        .filter(|p| has_ext(p, "shp"))
        .collect();
    match shps.as_slice() {
        [only] => Ok((*only).clone()),
        [] => Err(refuse(
            origin,
            "it holds no .shp; Kvarter reads one Shapefile per zip".into(),
        )),
        many => Err(refuse(
            origin,
            format!(
                "it holds {} .shp files ({}); Kvarter reads exactly one Shapefile per zip",
                many.len(),
                many.iter()
                    .map(|p| slashed(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// Unpacks `members` into `dir` under their file names, within the size limits.
fn unpack_all<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    members: &[&(usize, PathBuf)],
    dir: &Path,
    origin: &str,
) -> Result<(), ReadError> {
    let invalid = |reason: String| ReadError::format(origin, Format::ShapefileZip, reason);
    let mut unpacked_total = 0_u64;
    for (index, member) in members {
        let Some(file_name) = member.file_name() else {
            continue;
        };
        let target = dir.join(file_name);
        let mut entry = archive
            .by_index(*index)
            .map_err(|e| invalid(format!("{}: {e}", slashed(member))))?;
        let declared = entry.size();
        let limit = declared
            .min(MAX_ENTRY_BYTES)
            .min(MAX_TOTAL_BYTES.saturating_sub(unpacked_total));
        let lied = || {
            refuse(
                origin,
                format!(
                    "entry {:?} unpacks to more than the {declared} bytes it declares",
                    slashed(member)
                ),
            )
        };
        unpacked_total += unpack(&mut entry, &target, limit).map_err(|failure| match failure {
            // `zip` itself stops an entry at its declared size, with this error.
            Unpack::Read(e)
                if e.kind() == std::io::ErrorKind::InvalidData
                    && e.to_string().contains("declared") =>
            {
                lied()
            }
            Unpack::Read(e) => invalid(format!("{}: {e}", slashed(member))),
            Unpack::Write(e) => io(&target, e),
            Unpack::TooLong => lied(),
        })?;
    }
    Ok(())
}

/// Why unpacking an entry stopped.
enum Unpack {
    Read(std::io::Error),
    Write(std::io::Error),
    /// The entry held more than `limit` bytes.
    TooLong,
}

/// Copies `entry` to `target`, failing as soon as it yields more than `limit` bytes.
fn unpack(entry: &mut impl Read, target: &Path, limit: u64) -> Result<u64, Unpack> {
    let mut out = File::create(target).map_err(Unpack::Write)?;
    let mut buffer = vec![0_u8; 64 * 1024];
    let mut written = 0_u64;
    loop {
        let n = match entry.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Unpack::Read(e)),
        };
        written += n as u64;
        if written > limit {
            return Err(Unpack::TooLong);
        }
        out.write_all(&buffer[..n]).map_err(Unpack::Write)?;
    }
    out.flush().map_err(Unpack::Write)?;
    Ok(written)
}

/// Whether an entry's name is absolute (`/…`, `\\…`, `C:…`) or has a `..` part. `zip`'s
/// `enclosed_name` alone would unpack `/etc/x` as `etc/x`; Kvarter refuses such archives.
fn escapes(name: &str) -> bool {
    let drive = name.as_bytes().get(1) == Some(&b':');
    name.starts_with(['/', '\\']) || drive || name.split(['/', '\\']).any(|part| part == "..")
}

fn has_ext(path: &Path, ext: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// A path inside the archive as the archive writes it, with `/`.
fn slashed(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn io(path: &Path, source: std::io::Error) -> ReadError {
    ReadError::Io {
        path: path.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::super::fixtures;
    use super::super::read::Declared;
    use super::*;
    use kvarter_crs::Crs;
    use zip::write::SimpleFileOptions;
    use zip::{CompressionMethod, ZipWriter};

    /// A zip at `path` with `entries` (name, bytes), deflated.
    fn zip_of(path: &Path, entries: &[(&str, Vec<u8>)], method: CompressionMethod) {
        let mut writer = ZipWriter::new(File::create(path).unwrap());
        let options = SimpleFileOptions::default().compression_method(method);
        for (name, bytes) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap();
    }

    /// The udsatte Shapefile's files as (extension, bytes); `None` without ogr2ogr.
    fn shapefile_parts(dir: &Path) -> Option<Vec<(&'static str, Vec<u8>)>> {
        let shp = dir.join("udsatte.shp");
        fixtures::ogr2ogr(&[
            "-f",
            "ESRI Shapefile",
            "-t_srs",
            "EPSG:25832",
            "-lco",
            "ENCODING=CP1252",
            shp.to_str()?,
            fixtures::UDSATTE_FGB,
        ])?;
        Some(
            ["shp", "shx", "dbf", "prj", "cpg"]
                .into_iter()
                .map(|ext| (ext, std::fs::read(shp.with_extension(ext)).unwrap()))
                .collect(),
        )
    }

    fn read_zip(path: &Path) -> Result<RawFile, ReadError> {
        read(path, &ReadOptions::default())
    }

    #[test]
    fn a_zipped_shapefile_in_a_folder_reads_and_names_its_inner_path() {
        let dir = tempfile::tempdir().unwrap();
        let Some(parts) = shapefile_parts(dir.path()) else {
            return;
        };
        let mut entries: Vec<(String, Vec<u8>)> = parts
            .iter()
            .map(|(ext, bytes)| (format!("data/udsatte.{ext}"), bytes.clone()))
            .collect();
        entries.push(("README.txt".into(), b"not a shapefile".to_vec()));
        entries.push(("__MACOSX/data/._udsatte.shp".into(), vec![0; 10]));
        let entries: Vec<(&str, Vec<u8>)> = entries
            .iter()
            .map(|(n, b)| (n.as_str(), b.clone()))
            .collect();
        let zip = dir.path().join("udsatte.zip");
        zip_of(&zip, &entries, CompressionMethod::Deflated);

        let file = read_zip(&zip).unwrap();
        assert_eq!(file.format, Format::ShapefileZip);
        assert_eq!(file.origin, format!("{}!data/udsatte.shp", zip.display()));
        assert_eq!(file.crs, Declared::Crs(Crs::Utm32));
        assert_eq!(file.features.len(), 17);
        assert!(
            file.features
                .iter()
                .any(|f| f.properties["name"] == "Indre Nørrebro")
        );

        // Without its .dbf the error names the archive and the missing file.
        let without_dbf: Vec<(&str, Vec<u8>)> = entries
            .iter()
            .filter(|(n, _)| !has_ext(Path::new(n), "dbf"))
            .cloned()
            .collect();
        zip_of(&zip, &without_dbf, CompressionMethod::Deflated);
        match read_zip(&zip) {
            Err(ReadError::Missing { origin, missing }) => {
                assert!(origin.ends_with("udsatte.zip!data/udsatte.shp"), "{origin}");
                assert_eq!(missing, "udsatte.dbf");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_parent_or_absolute_path_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("evil.zip");
        for name in ["../evil.shp", "a/../../evil.shp", "/etc/evil.shp"] {
            zip_of(&zip, &[(name, vec![1, 2, 3])], CompressionMethod::Stored);
            let result = read_zip(&zip);
            assert!(
                matches!(&result, Err(ReadError::Unsafe { reason, .. }) if reason.contains("path")),
                "{name}: {result:?}"
            );
        }
        assert!(!dir.path().parent().unwrap().join("evil.shp").exists());
    }

    #[test]
    fn two_shapefiles_or_none_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("two.zip");
        zip_of(
            &zip,
            &[("a.shp", vec![0]), ("b/b.SHP", vec![0])],
            CompressionMethod::Stored,
        );
        let error = read_zip(&zip).unwrap_err();
        assert!(
            matches!(&error, ReadError::Unsafe { reason, .. } if reason.contains("2 .shp")),
            "{error:?}"
        );
        zip_of(&zip, &[("a.txt", vec![0])], CompressionMethod::Stored);
        assert!(matches!(read_zip(&zip), Err(ReadError::Unsafe { .. })));
    }

    #[test]
    fn too_many_entries_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("many.zip");
        let names: Vec<String> = (0..65).map(|i| format!("f{i}.txt")).collect();
        let entries: Vec<(&str, Vec<u8>)> = names.iter().map(|n| (n.as_str(), vec![])).collect();
        zip_of(&zip, &entries, CompressionMethod::Stored);
        assert!(matches!(
            read_zip(&zip),
            Err(ReadError::Unsafe { reason, .. }) if reason.contains("65 entries")
        ));
    }

    /// Rewrites every uncompressed size the archive records (local headers and the central
    /// directory) to `size`.
    fn lie_about_sizes(bytes: &mut [u8], size: u32) {
        let mut at = 0;
        while at + 30 <= bytes.len() {
            if bytes[at..].starts_with(b"PK\x03\x04") {
                bytes[at + 22..at + 26].copy_from_slice(&size.to_le_bytes());
            } else if bytes[at..].starts_with(b"PK\x01\x02") {
                bytes[at + 24..at + 28].copy_from_slice(&size.to_le_bytes());
            }
            at += 1;
        }
    }

    #[test]
    fn an_entry_that_unpacks_to_more_than_it_declares_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("bomb.zip");
        for method in [CompressionMethod::Stored, CompressionMethod::Deflated] {
            zip_of(
                &zip,
                &[("bomb.shp", vec![0; 100_000]), ("bomb.shx", vec![0; 10])],
                method,
            );
            let mut bytes = std::fs::read(&zip).unwrap();
            lie_about_sizes(&mut bytes, 1_000);
            std::fs::write(&zip, &bytes).unwrap();
            let result = read_zip(&zip);
            assert!(
                matches!(&result, Err(ReadError::Unsafe { reason, .. }) if reason.contains("declares")),
                "{method:?}: {result:?}"
            );
        }
    }

    #[test]
    fn an_entry_declaring_more_than_two_gib_is_refused_before_unpacking() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("huge.zip");
        zip_of(
            &zip,
            &[("huge.shp", vec![0; 10])],
            CompressionMethod::Stored,
        );
        let mut bytes = std::fs::read(&zip).unwrap();
        lie_about_sizes(&mut bytes, u32::MAX - 1);
        std::fs::write(&zip, &bytes).unwrap();
        let result = read_zip(&zip);
        assert!(
            matches!(&result, Err(ReadError::Unsafe { reason, .. }) if reason.contains("more than")),
            "{result:?}"
        );
    }

    #[test]
    fn garbage_is_a_format_error() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("garbage.zip");
        std::fs::write(&zip, b"PK\x03\x04 but nothing else of a zip").unwrap();
        assert!(matches!(read_zip(&zip), Err(ReadError::Format { .. })));
    }
}
