//! The Shapefile reader. The input is the three files in one: two little-endian u32 lengths,
//! then the .shp, the .shx and the .dbf (what scripts/fuzz writes when it seeds the corpus);
//! a .prj of EPSG:25832 is written beside them.
#![no_main]

const PRJ: &str = r#"PROJCS["ETRS_1989_UTM_Zone_32N",GEOGCS["GCS_ETRS_1989",DATUM["D_ETRS_1989",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",9.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let length = |at: usize| -> Option<usize> {
        let bytes: [u8; 4] = data.get(at..at + 4)?.try_into().ok()?;
        usize::try_from(u32::from_le_bytes(bytes)).ok()
    };
    let (Some(shp_len), Some(shx_len)) = (length(0), length(4)) else {
        return;
    };
    let rest = &data[8..];
    let Some(shp) = rest.get(..shp_len) else { return };
    let Some(shx) = rest.get(shp_len..shp_len.saturating_add(shx_len)) else {
        return;
    };
    let dbf = &rest[shp_len + shx_len..];
    let dir = kvarter_fuzz::scratch();
    let stem = dir.join("in");
    let written = [("shp", shp), ("shx", shx), ("dbf", dbf), ("prj", PRJ.as_bytes())]
        .into_iter()
        .all(|(ext, bytes)| std::fs::write(stem.with_extension(ext), bytes).is_ok());
    if written {
        kvarter_fuzz::read_and_prepare(stem.with_extension("shp"), None);
    }
});
