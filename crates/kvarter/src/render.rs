//! `kvarter render {single|side|changes} … --out kort.png`: a map image for a report, the same
//! as `GET /api/static/{view}.{format}` answers from the same data (see `kvarter_render`). The
//! format is the output file's extension; the file is written whole or not at all.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use kvarter_render::{
    Designation, Extent, Format, Lang, LegendPlacement, Paper, RenderRequest, Renderer, View,
};
use kvarter_service::Service;

/// What `kvarter render` takes.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// What the map shows: one designation, two side by side, or the changes between two.
    view: ViewName,
    /// single: the year (or designation layer id) to show.
    #[arg(long, required_if_eq("view", "single"))]
    year: Option<String>,
    /// side, changes: the earlier designation, a year (2011) or a layer id.
    #[arg(long, required_if_eq_any([("view", "side"), ("view", "changes")]))]
    from: Option<String>,
    /// side, changes: the later designation, a year (2025) or a layer id.
    #[arg(long, required_if_eq_any([("view", "side"), ("view", "changes")]))]
    to: Option<String>,
    /// The part of the city: west,south,east,north in degrees (default: fit the designations).
    #[arg(long, conflicts_with = "center")]
    bbox: Option<String>,
    /// The map's centre, lon,lat in degrees (with --zoom).
    #[arg(long, requires = "zoom")]
    center: Option<String>,
    /// The web map zoom level at the centre.
    #[arg(long, requires = "center")]
    zoom: Option<String>,
    /// Width in CSS pixels (PDF points), 200–4096.
    #[arg(long, conflicts_with = "paper")]
    width: Option<u32>,
    /// Height in CSS pixels (PDF points), 200–4096.
    #[arg(long, conflicts_with = "paper")]
    height: Option<u32>,
    /// PNG pixels per CSS pixel, 1–4.
    #[arg(long, default_value_t = 1)]
    scale: u32,
    /// A sheet to lay the map out on: a4-landscape, a4-portrait, a3-landscape, a3-portrait.
    #[arg(long)]
    paper: Option<String>,
    /// Unit layers whose outlines are drawn, comma-separated (e.g. bydele-2023).
    #[arg(long, value_delimiter = ',')]
    units: Vec<String>,
    /// State lists drawn besides those part of the designation shown, comma-separated.
    #[arg(long = "state", value_delimiter = ',')]
    state_lists: Vec<String>,
    /// An indicator to colour the first unit layer by (the districts without --units).
    #[arg(long)]
    indicator: Option<String>,
    /// The indicator's period (default: its latest).
    #[arg(long, requires = "indicator")]
    period: Option<String>,
    /// The language of the words on the image: da or en.
    #[arg(long, default_value = "da")]
    lang: String,
    /// The title (default: the view's own).
    #[arg(long)]
    title: Option<String>,
    /// Where the legend goes: right, bottom or none.
    #[arg(long, default_value = "right")]
    legend: String,
    /// The file to write; its extension (.png, .svg, .pdf) is the format.
    #[arg(long)]
    out: PathBuf,
}

/// The views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ViewName {
    /// One designation.
    Single,
    /// Two designations side by side.
    Side,
    /// What was kept, added and removed from one to the other.
    Changes,
}

impl RenderArgs {
    /// The request the arguments describe.
    fn request(&self) -> anyhow::Result<RenderRequest> {
        let designation = |text: &Option<String>| -> anyhow::Result<Designation> {
            Ok(text
                .as_deref()
                .context("missing designation")?
                .parse::<Designation>()?)
        };
        let view = match self.view {
            ViewName::Single => View::Single(designation(&self.year)?),
            ViewName::Side => View::Side {
                from: designation(&self.from)?,
                to: designation(&self.to)?,
            },
            ViewName::Changes => View::Changes {
                from: designation(&self.from)?,
                to: designation(&self.to)?,
            },
        };
        let mut request = RenderRequest::new(view);
        request.extent = match (&self.bbox, &self.center, &self.zoom) {
            (Some(bbox), _, _) => Extent::parse_bbox(bbox)?,
            (None, Some(centre), Some(zoom)) => Extent::parse_centre(centre, zoom)?,
            _ => Extent::Fit,
        };
        if let Some(paper) = &self.paper {
            request = request.on_paper(paper.parse::<Paper>()?);
        }
        request.width = self.width.unwrap_or(request.width);
        request.height = self.height.unwrap_or(request.height);
        request.scale = self.scale;
        request.units.clone_from(&self.units);
        request.state_lists.clone_from(&self.state_lists);
        request.indicator.clone_from(&self.indicator);
        request.period.clone_from(&self.period);
        request.lang = self.lang.parse::<Lang>()?;
        request.legend = self.legend.parse::<LegendPlacement>()?;
        request.title.clone_from(&self.title);
        request.check()?;
        Ok(request)
    }
}

/// The format `path`'s extension names.
fn format_of(path: &Path) -> anyhow::Result<Format> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .with_context(|| {
            format!(
                "{}: give the file an extension, .png, .svg or .pdf, to say the format",
                path.display()
            )
        })?;
    Ok(extension.parse::<Format>()?)
}

/// Renders the image the arguments ask for from `service` and writes it to `--out`.
pub fn run(service: &Service, args: &RenderArgs) -> anyhow::Result<()> {
    let format = format_of(&args.out)?;
    let request = args.request()?;
    let bytes = Renderer::new().render(service, &request, format)?;
    let dir = match args.out.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    // Readable by others, as a file written directly would be (a temporary file is private).
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut file = builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot write into {}", dir.display()))?;
    file.write_all(&bytes)?;
    file.persist(&args.out)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    eprintln!(
        "wrote {} ({} bytes, data version {})",
        args.out.display(),
        bytes.len(),
        service.data_version()
    );
    Ok(())
}
