//! Writes a data folder for the layer store's benchmark (`scripts/bench-store`): the default
//! layers and one layer of N synthetic areas — a jittered grid of quadrilaterals over
//! Copenhagen from a fixed seed, kind `admin_unit`, status `synthetic`, describing no real
//! place. Usage: `synthetic-areas DIR N [SEED]`.

use std::process::ExitCode;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use kvarter_core::{Area, Layer, LayerKind, LayerMeta, Properties};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The extent of the grid (lon/lat): Copenhagen.
const WEST: f64 = 12.45;
const EAST: f64 = 12.65;
const SOUTH: f64 = 55.61;
const NORTH: f64 = 55.73;

/// The layer of `count` synthetic areas.
fn grid(count: usize, seed: u64) -> Result<Layer, Box<dyn std::error::Error>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a grid side of a few hundred cells"
    )]
    let side = (count as f64).sqrt().ceil() as usize;
    #[expect(
        clippy::cast_precision_loss,
        reason = "a grid side of a few hundred cells"
    )]
    let (width, height) = ((EAST - WEST) / side as f64, (NORTH - SOUTH) / side as f64);
    let mut areas = Vec::with_capacity(count);
    for i in 0..count {
        #[expect(clippy::cast_precision_loss, reason = "cell indices below a thousand")]
        let (x, y) = ((i % side) as f64, (i / side) as f64);
        let mut corner = |dx: f64, dy: f64| Coord {
            x: WEST + (x + dx) * width + rng.gen_range(-0.1..0.1) * width * 0.5,
            y: SOUTH + (y + dy) * height + rng.gen_range(-0.1..0.1) * height * 0.5,
        };
        let mut outline = vec![
            corner(0.1, 0.1),
            corner(0.9, 0.1),
            corner(0.9, 0.9),
            corner(0.1, 0.9),
        ];
        outline.push(outline[0]);
        let shape = MultiPolygon::new(vec![Polygon::new(LineString::new(outline), vec![])]);
        let mut properties = Properties::new();
        properties.insert("synthetic".into(), true.into());
        areas.push(Area {
            id: format!("{}", i + 1),
            name: Some(format!("Syntetisk område {}", i + 1)),
            parent: None,
            area_m2: kvarter_crs::area_m2(&shape).ok().map(f64::round),
            properties,
            geometry: shape.into(),
        });
    }
    Ok(Layer {
        meta: LayerMeta {
            method: Some(format!(
                "A jittered grid of {count} quadrilaterals from seed {seed}, for benchmarks; describes no real place."
            )),
            ..LayerMeta::synthetic("synthetic-areas".parse()?, LayerKind::AdminUnit)
        },
        areas,
    })
}

fn write(dir: &std::path::Path, count: usize, seed: u64) -> Result<(), Box<dyn std::error::Error>> {
    let mut layers = kvarter_e2e::synthetic::default_layers()?;
    layers.push(("synthetic-areas.fgb".into(), grid(count, seed)?));
    kvarter_data::build::write_data_folder(dir, &layers, &[])?;
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(Ok(count))) = (args.get(1), args.get(2).map(|n| n.parse::<usize>()))
    else {
        eprintln!("usage: synthetic-areas DIR N [SEED]");
        return ExitCode::from(2);
    };
    let seed = args
        .get(3)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_205);
    match write(std::path::Path::new(dir), count, seed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cannot write the synthetic areas: {error}");
            ExitCode::FAILURE
        }
    }
}
