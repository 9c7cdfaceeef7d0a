//! Map images for reports: a designation view — one year, two years side by side, or the
//! changes between two — as a finished map with its title, year labels, legend (each layer's
//! status, source and licence), scale bar, north arrow, sources, data version and date.
//!
//! One scene, three outputs: the map is built once as an SVG document ([`scene`]), which is
//! the SVG answer; resvg (tiny-skia) rasterises it to PNG and krilla (with krilla-svg) writes it
//! as a vector PDF with text as text. Text is set in DejaVu Sans from `web/fonts`, carried in the
//! binary and the only fonts the renderer knows (no system fonts), and nothing is read from a
//! clock (the footer's date is the day the data last changed), so the same request on the same
//! data version gives the same bytes.
//!
//! The colours, hatches and line styles are one [`Style`] value, the web map's, serialisable
//! to JSON for the web map to read.
//!
//! A face only fills a [`RenderRequest`] (the `FromStr` impls and [`View::from_parts`] read
//! the API's parameters) and calls [`Renderer::render`]; refusals are one [`RenderError`].
//!
//! ```
//! use kvarter_render::{Designation, Format, RenderRequest, Renderer, View};
//! use kvarter_service::{Service, ServiceConfig};
//!
//! let service = Service::new(kvarter_testkit::husum::dataset(), ServiceConfig::default());
//! let request = RenderRequest::new(View::Side {
//!     from: Designation::Year(2011),
//!     to: Designation::Year(2017),
//! });
//! let png = Renderer::new().render(&service, &request, Format::Png).unwrap();
//! assert!(png.starts_with(b"\x89PNG"));
//! ```

pub mod error;
pub mod images;
mod plan;
mod project;
pub mod request;
pub mod scene;
pub mod style;
mod text;
mod words;

use std::sync::Arc;

use krilla_svg::SurfaceExt as _;
use kvarter_service::Service;

pub use error::RenderError;
pub use images::{ImageKey, Images};
pub use request::{Designation, Extent, Format, Lang, LegendPlacement, Paper, RenderRequest, View};
pub use style::Style;

use crate::plan::Plan;
use crate::project::Frame;
use crate::scene::{Drawing, Scene};
use crate::text::Metrics;

/// One map panel of an image: where it is, and where a place is drawn in it.
#[derive(Debug, Clone, Copy)]
pub struct MapPanel {
    frame: Frame,
}

impl MapPanel {
    /// The panel as `[x, y, width, height]` in CSS pixels.
    pub fn area(&self) -> [f64; 4] {
        let p = self.frame.panel;
        [p.x, p.y, p.width, p.height]
    }

    /// Where the place at `lon`, `lat` is drawn, in CSS pixels (it may lie outside the panel).
    pub fn point(&self, lon: f64, lat: f64) -> (f64, f64) {
        self.frame.point(lon, lat)
    }

    /// The web map zoom level the panel is drawn at.
    pub fn zoom(&self) -> f64 {
        self.frame.zoom()
    }
}

/// Makes map images. Build one (it parses the fonts) and share it; rendering takes `&self`.
pub struct Renderer {
    style: Style,
    metrics: Metrics,
    options: usvg::Options<'static>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer").finish_non_exhaustive()
    }
}

impl Default for Renderer {
    fn default() -> Self {
        Renderer::new()
    }
}

impl Renderer {
    /// A renderer with Kvarter's style.
    pub fn new() -> Renderer {
        Renderer::with_style(Style::kvarter())
    }

    /// A renderer with `style`.
    pub fn with_style(style: Style) -> Renderer {
        let mut fonts = usvg::fontdb::Database::new();
        fonts.load_font_data(text::REGULAR.to_vec());
        fonts.load_font_data(text::BOLD.to_vec());
        let options = usvg::Options {
            font_family: "DejaVu Sans".to_owned(),
            fontdb: Arc::new(fonts),
            ..usvg::Options::default()
        };
        Renderer {
            style,
            metrics: Metrics::new(),
            options,
        }
    }

    /// The style the images are drawn in.
    pub fn style(&self) -> &Style {
        &self.style
    }

    /// The image `request` asks for, from `service`'s data, as SVG text.
    pub fn svg(&self, service: &Service, request: &RenderRequest) -> Result<String, RenderError> {
        Ok(self.draw(service, request)?.svg)
    }

    /// Where the map panels of the image `request` asks for are, left to right, and what they
    /// show (to find a place on the image: a face's image map, a test's pixel).
    pub fn panels(
        &self,
        service: &Service,
        request: &RenderRequest,
    ) -> Result<Vec<MapPanel>, RenderError> {
        Ok(self
            .draw(service, request)?
            .frames
            .into_iter()
            .map(|frame| MapPanel { frame })
            .collect())
    }

    fn draw(&self, service: &Service, request: &RenderRequest) -> Result<Drawing, RenderError> {
        let plan = Plan::new(service, request, &self.style)?;
        let scene = Scene {
            style: &self.style,
            metrics: &self.metrics,
        };
        Ok(scene.document(&plan, request))
    }

    /// The image `request` asks for, from `service`'s data, encoded as `format`.
    pub fn render(
        &self,
        service: &Service,
        request: &RenderRequest,
        format: Format,
    ) -> Result<Vec<u8>, RenderError> {
        let drawing = self.draw(service, request)?;
        match format {
            Format::Svg => Ok(drawing.svg.into_bytes()),
            Format::Png => self.png(&drawing.svg, request.scale),
            Format::Pdf => self.pdf(&drawing, request),
        }
    }

    fn tree(&self, svg: &str, format: &'static str) -> Result<usvg::Tree, RenderError> {
        usvg::Tree::from_str(svg, &self.options).map_err(|error| RenderError::Output {
            format,
            reason: error.to_string(),
        })
    }

    /// The scene rasterised at `scale` pixels per CSS pixel, on white.
    fn png(&self, svg: &str, scale: u32) -> Result<Vec<u8>, RenderError> {
        let failed = |reason: String| RenderError::Output {
            format: "png",
            reason,
        };
        let tree = self.tree(svg, "png")?;
        let size = tree
            .size()
            .to_int_size()
            .scale_by(scale as f32)
            .ok_or_else(|| failed("empty image".to_owned()))?;
        let mut pixmap =
            resvg::tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| {
                failed(format!(
                    "cannot make a {}×{} image",
                    size.width(),
                    size.height()
                ))
            })?;
        pixmap.fill(resvg::tiny_skia::Color::WHITE);
        let ratio = scale as f32;
        resvg::render(
            &tree,
            resvg::tiny_skia::Transform::from_scale(ratio, ratio),
            &mut pixmap.as_mut(),
        );
        encode_png(&pixmap).map_err(|error| failed(error.to_string()))
    }

    /// The scene as a one-page vector PDF, text as text: a page of the request's paper, or of
    /// the image's size at 1 CSS pixel to the point. No creation date and no random document
    /// id, so the same scene gives the same bytes.
    fn pdf(&self, drawing: &Drawing, request: &RenderRequest) -> Result<Vec<u8>, RenderError> {
        let failed = |reason: String| RenderError::Output {
            format: "pdf",
            reason,
        };
        let tree = self.tree(&drawing.svg, "pdf")?;
        let (width, height) = request
            .paper
            .map_or((tree.size().width(), tree.size().height()), Paper::points);
        let page = krilla::geom::Size::from_wh(width, height)
            .ok_or_else(|| failed(format!("a {width} × {height} page")))?;
        let mut document = krilla::Document::new();
        let mut sheet = document.start_page_with(krilla::page::PageSettings::new(page));
        let mut surface = sheet.surface();
        let drawn = surface.draw_svg(&tree, page, krilla_svg::SvgSettings::default());
        surface.finish();
        sheet.finish();
        drawn.ok_or_else(|| failed("the scene could not be drawn".to_owned()))?;
        document.set_metadata(
            krilla::metadata::Metadata::new()
                .title(drawing.title.clone())
                .creator("Kvarter".to_owned())
                .language(request.lang.tag().to_owned()),
        );
        document
            .finish()
            .map_err(|error| failed(format!("{error:?}")))
    }
}

/// `pixmap` as an 8-bit RGB PNG. The image is drawn on white, so every pixel is opaque and the
/// alpha channel (and tiny-skia's premultiplication) can be dropped. Encoded with fdeflate's fast
/// mode (`png`'s `Compression::Fast`) rather than tiny-skia's `encode_png`: a few times faster
/// for about 10 % more bytes, and as deterministic.
fn encode_png(pixmap: &resvg::tiny_skia::Pixmap) -> Result<Vec<u8>, png::EncodingError> {
    let rgb: Vec<u8> = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|pixel| [pixel[0], pixel[1], pixel[2]])
        .collect();
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, pixmap.width(), pixmap.height());
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgb)?;
    writer.finish()?;
    Ok(bytes)
}
