//! `kvarter compare --from LAYER --to LAYER --format csv|json|geojson`: the designation diff
//! between two layers on standard output (see the `kvarter-compare` crate).

use std::io::Write as _;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use kvarter_core::{Dataset, LayerId};

/// What `kvarter compare` takes.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The earlier layer, e.g. udsatte-byomraader-2011.
    #[arg(long)]
    from: LayerId,
    /// The later layer, e.g. udsatte-byomraader-2017.
    #[arg(long)]
    to: LayerId,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One row per pair and per removed or added part.
    Csv,
    /// The full report: provenance, summary, pairs, areas.
    Json,
    /// The pieces as a `GeoJSON` `FeatureCollection`.
    Geojson,
}

/// Compares the two layers of `dataset` and writes the result to standard output.
pub fn run(dataset: &Dataset, args: &CompareArgs) -> anyhow::Result<()> {
    let known = || {
        dataset
            .layers
            .iter()
            .map(|l| l.meta.id.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let from = dataset
        .layer(&args.from)
        .with_context(|| format!("unknown layer {}; layers: {}", args.from, known()))?;
    let to = dataset
        .layer(&args.to)
        .with_context(|| format!("unknown layer {}; layers: {}", args.to, known()))?;
    let comparison = kvarter_compare::compare(from, to)?;
    let bytes = match args.format {
        Format::Csv => comparison.to_csv(),
        Format::Json => serde_json::to_vec_pretty(&comparison)?,
        Format::Geojson => comparison.to_geojson(),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(&bytes)?;
    if args.format == Format::Json {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
