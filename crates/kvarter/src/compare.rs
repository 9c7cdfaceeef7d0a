//! `kvarter compare --from LAYER --to LAYER --format csv|json|geojson`: the designation diff
//! between two layers on standard output (the service's comparison, as `/api/compare` answers
//! it; JSON indented).

use std::io::Write as _;

use clap::{Args, ValueEnum};
use kvarter_core::LayerId;
use kvarter_service::Service;
use kvarter_service::comparisons::Format as Encoding;

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

/// Compares the two layers of `service` and writes the result to standard output.
pub fn run(service: &Service, args: &CompareArgs) -> anyhow::Result<()> {
    let compared = service.compare(args.from.as_str(), args.to.as_str())?;
    let bytes = match args.format {
        Format::Csv => compared.body(Encoding::Csv).to_vec(),
        Format::Json => serde_json::to_vec_pretty(&compared.comparison)?,
        Format::Geojson => compared.body(Encoding::GeoJson).to_vec(),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(&bytes)?;
    if args.format == Format::Json {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
