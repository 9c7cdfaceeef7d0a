//! The scene: one SVG document of the whole image — title, map panels with their year labels,
//! scale bars and north arrows, the legend, and the sources with the data version and the date.
//! PNG and PDF are made from this document, so there is one drawing path.
//!
//! Coordinates are CSS pixels with one decimal (a tenth of a pixel is below what a 4× PNG
//! shows), points closer than a third of a pixel to the one before are left out, and shapes
//! outside a panel are not written: the document stays small for a city-wide map. Attributes
//! are written in name order by the `svg` crate, so the same plan gives the same bytes.

use std::fmt::Write as _;

use geo::{BoundingRect, Geometry, InteriorPoint, LineString, Polygon};
use kvarter_compare::Change;
use kvarter_core::{Bounds, Layer, Status};
use svg::Document;
use svg::node::element::{
    ClipPath, Definitions, Group, Path, Pattern, Rectangle as SvgRect, Text, Title,
};

use crate::plan::{Choropleth, Content, Plan, Shown};
use crate::project::{Frame, Rect};
use crate::request::{Extent, Lang, LegendPlacement, RenderRequest, View};
use crate::style::{Line, Role, Style};
use crate::text::Metrics;

const MARGIN: f64 = 16.0;
const GAP: f64 = 12.0;
const TITLE_SIZE: f64 = 20.0;
const PANEL_LABEL_SIZE: f64 = 12.0;
const PANEL_LABEL_HEIGHT: f64 = 20.0;
/// A unit layer with more areas than this is labelled from the zoom city blocks appear at, as
/// the web map does (`unitLabels` in `web/src/style.js`).
const MANY_UNITS: usize = 50;
/// The distance between the baselines of a wrapped panel label, in multiples of its size.
const LINE_SPACING: f64 = 1.25;
const FOOTER_SIZE: f64 = 9.0;
const LEGEND_TITLE_SIZE: f64 = 11.0;
const LEGEND_DETAIL_SIZE: f64 = 9.0;
const SWATCH_W: f64 = 20.0;
const SWATCH_H: f64 = 13.0;
/// The north arrow's letter (the same in Danish and English).
const NORTH: &str = "N";
const INK: &str = "#1b1b1b";
const MUTED: &str = "#4b4b4b";
const FRAME_LINE: &str = "#8c8c8c";

/// A number with at most one decimal, without a trailing `.0`.
fn num(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded == 0.0 {
        "0".to_owned()
    } else if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

/// A panel's group while its labels are placed, with the boxes already taken.
struct Labels<'l> {
    group: Group,
    taken: &'l mut Vec<Rect>,
    frame: &'l Frame,
}

/// A drawn image: the SVG document, its title (also the PDF's) and its map panels' frames.
pub(crate) struct Drawing {
    pub svg: String,
    pub title: String,
    pub frames: Vec<Frame>,
}

/// Builds the SVG document of `plan` as `request` asks.
pub(crate) struct Scene<'s> {
    pub style: &'s Style,
    pub metrics: &'s Metrics,
}

/// A legend symbol.
enum Symbol {
    /// A filled swatch with a border of its colour.
    Solid(String),
    /// A hatched swatch, its border dashed or not.
    Hatched { colour: String, dashed: bool },
    /// An outline only.
    Outline { colour: String, dashed: bool },
}

/// One legend entry.
struct Entry {
    symbol: Option<Symbol>,
    title: String,
    badge: Option<Status>,
    details: Vec<String>,
}

/// A legend entry set out in a column: its lines and height.
struct SetEntry<'e> {
    entry: &'e Entry,
    title: Vec<String>,
    badge_below: bool,
    details: Vec<String>,
    height: f64,
}

impl Scene<'_> {
    /// The SVG document, its title and the frame of each map panel.
    #[expect(
        clippy::too_many_lines,
        reason = "one part of the image, read top to bottom"
    )]
    pub(crate) fn document(&self, plan: &Plan<'_>, request: &RenderRequest) -> Drawing {
        let width = f64::from(request.width);
        let height = f64::from(request.height);
        let lang = request.lang;
        let mut defs = Definitions::new();
        for (id, colour) in self.patterns() {
            defs = defs.add(self.hatch(&id, &colour));
        }
        let mut root = Group::new()
            .set("font-family", self.style.fonts.regular.as_str())
            .add(
                SvgRect::new()
                    .set("width", num(width))
                    .set("height", num(height))
                    .set("fill", "#ffffff"),
            );

        // Title.
        let title = request
            .title
            .clone()
            .unwrap_or_else(|| default_title(plan, request));
        let title_lines: Vec<String> = self
            .metrics
            .wrap(&title, TITLE_SIZE, true, width - 2.0 * MARGIN)
            .into_iter()
            .take(2)
            .collect();
        let mut y = MARGIN;
        for line in &title_lines {
            y += TITLE_SIZE * 1.2;
            root = root.add(text(MARGIN, y - 5.0, line, TITLE_SIZE, true, INK, "start"));
        }
        let top = y + 8.0;

        // Sources, data version and date at the foot.
        let footer = self.footer(plan, request, width - 2.0 * MARGIN);
        let footer_height = footer.len() as f64 * FOOTER_SIZE * 1.35;
        let footer_top = height - MARGIN - footer_height;
        for (i, line) in footer.iter().enumerate() {
            let baseline = footer_top + (i as f64 + 1.0) * FOOTER_SIZE * 1.35 - 2.0;
            root = root.add(text(
                MARGIN,
                baseline,
                line,
                FOOTER_SIZE,
                false,
                MUTED,
                "start",
            ));
        }
        let bottom = footer_top - 8.0;

        // The legend, and the map area left for the panels.
        let entries = self.entries(plan, lang);
        let mut map_area = Rect {
            x: MARGIN,
            y: top,
            width: width - 2.0 * MARGIN,
            height: (bottom - top).max(40.0),
        };
        match request.legend {
            LegendPlacement::None => {}
            LegendPlacement::Right => {
                let column = (width * 0.26).clamp(200.0, 320.0);
                let area = Rect {
                    x: width - MARGIN - column,
                    y: top,
                    width: column,
                    height: map_area.height,
                };
                let set = self.set_out(&entries, column);
                root = root.add(self.legend(lang, &set, area, 1, &mut defs));
                map_area.width -= column + GAP;
            }
            LegendPlacement::Bottom => {
                let mut columns = 1usize;
                while (columns + 1) as f64 * 240.0 + columns as f64 * GAP <= map_area.width {
                    columns += 1;
                }
                let column = (map_area.width - (columns as f64 - 1.0) * GAP) / columns as f64;
                let set = self.set_out(&entries, column);
                let band = legend_band_height(&set, columns).min(map_area.height * 0.5);
                let area = Rect {
                    x: MARGIN,
                    y: bottom - band,
                    width: map_area.width,
                    height: band,
                };
                root = root.add(self.legend(lang, &set, area, columns, &mut defs));
                map_area.height -= band + GAP;
            }
        }

        // The panels, each under its label (wrapped to two lines at most, the same height
        // for all panels so their maps line up).
        let count = plan.panels.len() as f64;
        let panel_width = (map_area.width - (count - 1.0) * GAP) / count;
        let labels: Vec<Vec<String>> = plan
            .panels
            .iter()
            .map(|content| {
                let mut lines = self.metrics.wrap(
                    &panel_label(content, lang),
                    PANEL_LABEL_SIZE,
                    true,
                    panel_width,
                );
                if lines.len() > 2 {
                    let rest = lines.split_off(1).join(" ");
                    lines.push(self.metrics.fit(&rest, PANEL_LABEL_SIZE, true, panel_width));
                }
                lines
            })
            .collect();
        let label_lines = labels.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let label_height =
            PANEL_LABEL_HEIGHT + (label_lines - 1) as f64 * PANEL_LABEL_SIZE * LINE_SPACING;
        let panel = |i: usize| Rect {
            x: map_area.x + i as f64 * (panel_width + GAP),
            y: map_area.y + label_height,
            width: panel_width,
            height: (map_area.height - label_height).max(20.0),
        };
        let first = match plan.extent {
            Extent::Centre { lon, lat, zoom } => Frame::centred(lon, lat, zoom, panel(0)),
            Extent::Bbox(bounds) => Frame::fit(bounds, panel(0)),
            Extent::Fit => unreachable!("the plan resolves a fit to a box"),
        };
        let mut frames = Vec::new();
        for (i, (content, lines)) in plan.panels.iter().zip(&labels).enumerate() {
            let frame = first.moved_to(panel(i));
            frames.push(frame);
            for (k, line) in lines.iter().enumerate() {
                root = root.add(text(
                    frame.panel.x,
                    map_area.y + PANEL_LABEL_HEIGHT - 6.0
                        + k as f64 * PANEL_LABEL_SIZE * LINE_SPACING,
                    line,
                    PANEL_LABEL_SIZE,
                    true,
                    INK,
                    "start",
                ));
            }
            let clip_id = format!("panel-{i}");
            defs = defs.add(
                ClipPath::new()
                    .set("id", clip_id.as_str())
                    .add(rect_element(frame.panel)),
            );
            root = root.add(
                self.panel(plan, content, &frame)
                    .set("clip-path", format!("url(#{clip_id})")),
            );
            root = root.add(
                rect_element(frame.panel)
                    .set("fill", "none")
                    .set("stroke", FRAME_LINE)
                    .set("stroke-width", "1"),
            );
            root = root.add(self.scale_bar(&frame));
            root = root.add(north_arrow(&frame));
        }

        let document = Document::new()
            .set("xmlns", "http://www.w3.org/2000/svg")
            .set("width", num(width))
            .set("height", num(height))
            .set("viewBox", format!("0 0 {} {}", num(width), num(height)))
            .add(Title::new(title.as_str()))
            .add(defs)
            .add(root)
            .to_string();
        Drawing {
            svg: document,
            title,
            frames,
        }
    }

    /// The hatch patterns: id and colour.
    fn patterns(&self) -> Vec<(String, String)> {
        let colours = &self.style.colours;
        vec![
            (
                "hatch-reconstructed".to_owned(),
                colours.designation.reconstructed.clone(),
            ),
            ("hatch-state".to_owned(), colours.state.clone()),
            ("hatch-removed".to_owned(), colours.change.removed.clone()),
            ("hatch-nodata".to_owned(), colours.no_data_hatch.clone()),
        ]
    }

    /// A hatch pattern as the web map's `hatchImage` draws it: the pixels with
    /// `(x + y) mod period < stripe` in the colour, the rest a faint wash of it.
    fn hatch(&self, id: &str, colour: &str) -> Pattern {
        let hatch = &self.style.hatch;
        let (p, s) = (hatch.period, hatch.stripe);
        let stripes = format!(
            "M0 0L{s} 0L0 {s}ZM{p} 0L{p} {s}L{s} {p}L0 {p}Z",
            p = num(p),
            s = num(s)
        );
        Pattern::new()
            .set("id", id)
            .set("patternUnits", "userSpaceOnUse")
            .set("width", num(p))
            .set("height", num(p))
            .add(
                SvgRect::new()
                    .set("width", num(p))
                    .set("height", num(p))
                    .set("fill", colour)
                    .set("fill-opacity", opacity(hatch.ground_opacity)),
            )
            .add(
                Path::new()
                    .set("d", stripes)
                    .set("fill", colour)
                    .set("fill-opacity", opacity(hatch.stripe_opacity)),
            )
    }

    /// One map panel, in the web map's drawing order.
    #[expect(
        clippy::too_many_lines,
        reason = "one part of the image, read top to bottom"
    )]
    fn panel(&self, plan: &Plan<'_>, content: &Content<'_>, frame: &Frame) -> Group {
        let colours = &self.style.colours;
        let lines = &self.style.lines;
        let zoom = frame.zoom();
        let visible = frame.visible();
        let mut group =
            Group::new().add(rect_element(frame.panel).set("fill", colours.land.as_str()));

        // Base map: water, parks, blocks, then streets over them.
        for (role, layer) in &plan.base {
            let colour = match role {
                Role::Water => &colours.water,
                Role::Parks => &colours.parks,
                Role::Blocks if zoom >= self.style.zooms.blocks_min => &colours.blocks,
                Role::Blocks | Role::Streets => continue,
            };
            if let Some(d) = polygon_path(layer.areas.iter().map(|a| &a.geometry), frame, &visible)
            {
                group = group.add(
                    Path::new()
                        .set("d", d)
                        .set("fill", colour.as_str())
                        .set("fill-rule", "evenodd"),
                );
            }
        }
        let street_lines: Vec<&Geometry<f64>> = plan
            .base
            .iter()
            .flat_map(|(_, layer)| layer.areas.iter().map(|a| &a.geometry))
            .collect();
        if let Some(d) = line_path(street_lines.into_iter(), frame, &visible) {
            if zoom >= self.style.zooms.street_casing_min {
                let width = self
                    .style
                    .streets
                    .width(zoom, self.style.streets.casing_extra);
                group = group.add(
                    stroke(&d, &colours.street_casing, width, &[], 1.0)
                        .set("stroke-linecap", "round")
                        .set("stroke-linejoin", "round"),
                );
            }
            let width = self.style.streets.width(zoom, 0.0);
            group = group.add(
                stroke(&d, &colours.street, width, &[], 1.0)
                    .set("stroke-linecap", "round")
                    .set("stroke-linejoin", "round"),
            );
        }
        if let Some(choropleth) = &plan.choropleth {
            group = group.add(self.choropleth(choropleth, frame, &visible));
        }
        if let Some(layer) = plan.districts {
            group = group.add(outline(
                layer,
                frame,
                &visible,
                &colours.district,
                &lines.district,
                false,
            ));
        }
        if let Some(layer) = plan.municipality {
            group = group.add(outline(
                layer,
                frame,
                &visible,
                &colours.municipality,
                &lines.municipality,
                true,
            ));
        }

        // The designation, or the changes.
        let mut label_layers: Vec<&Layer> = Vec::new();
        match content {
            Content::Designation(shown) => {
                group = group
                    .add(self.designation(shown, frame, &visible))
                    .add(self.state_lists(shown, &plan.state_lists, frame, &visible));
                label_layers.push(shown.layer);
            }
            Content::Changes { compared, to, .. } => {
                for change in [Change::Kept, Change::Added, Change::Removed] {
                    let pieces = compared
                        .comparison
                        .pieces
                        .iter()
                        .filter(|p| p.change == change);
                    let geometries: Vec<Geometry<f64>> = pieces
                        .map(|p| Geometry::MultiPolygon(p.geometry.clone()))
                        .collect();
                    let Some(d) = polygon_path(geometries.iter(), frame, &visible) else {
                        continue;
                    };
                    let colour = self.change_colour(change);
                    let fill = if change == Change::Removed {
                        Path::new()
                            .set("d", d.as_str())
                            .set("fill", "url(#hatch-removed)")
                    } else {
                        Path::new()
                            .set("d", d.as_str())
                            .set("fill", colour)
                            .set("fill-opacity", opacity(self.style.fills.change))
                    };
                    group = group.add(fill.set("fill-rule", "evenodd")).add(stroke(
                        &d,
                        colour,
                        lines.change.width,
                        &[],
                        lines.change.opacity,
                    ));
                }
                group = group.add(self.state_lists(to, &plan.state_lists, frame, &visible));
                label_layers.push(to.layer);
            }
        }
        // Unit outlines, thickest first.
        for (index, layer) in plan.units.iter().enumerate() {
            let line = Line {
                width: (lines.unit.width - index as f64 * lines.unit_step)
                    .max(lines.unit_min_width),
                ..lines.unit.clone()
            };
            let dashed = layer.meta.status == Status::Reconstructed;
            group = group.add(outline(
                layer,
                frame,
                &visible,
                &colours.unit,
                &line,
                dashed,
            ));
        }

        // Labels: districts while zoomed out, designation areas when zoomed in, then unit names
        // where the web map shows them (layers of many units from a closer zoom); none overlaps
        // another or the panel's furniture.
        let mut taken = furniture_boxes(frame);
        let mut labels = Labels {
            group,
            taken: &mut taken,
            frame,
        };
        if zoom < self.style.zooms.district_labels_max
            && let Some(layer) = plan.districts
        {
            let size = (11.0 + (zoom - 10.0) * 4.0 / 3.0).clamp(11.0, 15.0);
            self.label_areas(&mut labels, layer, size, &colours.label, true);
        }
        if zoom >= self.style.zooms.designation_labels_min {
            for layer in label_layers {
                self.label_areas(&mut labels, layer, 12.0, &colours.designation_label, false);
            }
        }
        for layer in &plan.units {
            let min_zoom = if layer.areas.len() > MANY_UNITS {
                self.style.zooms.blocks_min
            } else {
                self.style.zooms.designation_labels_min
            };
            if zoom >= min_zoom {
                self.label_areas(&mut labels, layer, 11.0, &colours.unit, false);
            }
        }
        labels.group
    }

    /// The indicator's classes on its unit layer, as the web map colours them: each class one
    /// path, areas without a value hatched grey.
    fn choropleth(&self, choropleth: &Choropleth<'_>, frame: &Frame, visible: &Bounds) -> Group {
        let ramp = &self.style.colours.ramp;
        let mut classes: Vec<Vec<&Geometry<f64>>> = vec![Vec::new(); ramp.len()];
        let mut missing: Vec<&Geometry<f64>> = Vec::new();
        for area in &choropleth.layer.areas {
            match choropleth.values.get(area.id.as_str()) {
                Some(value) => {
                    let class = choropleth.class(*value).min(ramp.len() - 1);
                    classes[class].push(&area.geometry);
                }
                None => missing.push(&area.geometry),
            }
        }
        let mut group = Group::new();
        for (colour, geometries) in ramp.iter().zip(classes) {
            if let Some(d) = polygon_path(geometries.into_iter(), frame, visible) {
                group = group.add(
                    Path::new()
                        .set("d", d)
                        .set("fill", colour.as_str())
                        .set("fill-opacity", opacity(self.style.fills.choropleth))
                        .set("fill-rule", "evenodd"),
                );
            }
        }
        if let Some(d) = polygon_path(missing.into_iter(), frame, visible) {
            group = group.add(
                Path::new()
                    .set("d", d)
                    .set("fill", "url(#hatch-nodata)")
                    .set("fill-rule", "evenodd"),
            );
        }
        group
    }

    fn change_colour(&self, change: Change) -> &str {
        let colours = &self.style.colours.change;
        match change {
            Change::Kept => &colours.kept,
            Change::Added => &colours.added,
            Change::Removed => &colours.removed,
        }
    }

    /// A designation's fill and outline (hatched and dashed when reconstructed), and its lists.
    fn designation(&self, shown: &Shown<'_>, frame: &Frame, visible: &Bounds) -> Group {
        let layer = shown.layer;
        let colour = self.style.colours.designation.of(layer.meta.status);
        let reconstructed = layer.meta.status == Status::Reconstructed;
        let mut group = Group::new();
        if let Some(d) = polygon_path(layer.areas.iter().map(|a| &a.geometry), frame, visible) {
            let fill = if reconstructed {
                Path::new()
                    .set("d", d.as_str())
                    .set("fill", "url(#hatch-reconstructed)")
                    .set("fill-opacity", opacity(self.style.fills.designation_hatch))
            } else {
                Path::new()
                    .set("d", d.as_str())
                    .set("fill", colour)
                    .set("fill-opacity", opacity(self.style.fills.designation))
            };
            let line = &self.style.lines.designation;
            let dash: &[f64] = if reconstructed { &line.dash } else { &[] };
            group = group.add(fill.set("fill-rule", "evenodd")).add(stroke(
                &d,
                colour,
                line.width,
                dash,
                line.opacity,
            ));
        }
        group
    }

    /// The state lists of a designation and those toggled on (`toggled`): hatched, outlined
    /// (dashed unless official).
    fn state_lists(
        &self,
        shown: &Shown<'_>,
        toggled: &[&Layer],
        frame: &Frame,
        visible: &Bounds,
    ) -> Group {
        let mut group = Group::new();
        let extra = toggled
            .iter()
            .filter(|list| !shown.lists.iter().any(|own| own.meta.id == list.meta.id));
        for list in shown.lists.iter().chain(extra) {
            if let Some(d) = polygon_path(list.areas.iter().map(|a| &a.geometry), frame, visible) {
                let line = &self.style.lines.state;
                let dash: &[f64] = if list.meta.status == Status::Official {
                    &[]
                } else {
                    &line.dash
                };
                group = group
                    .add(
                        Path::new()
                            .set("d", d.as_str())
                            .set("fill", "url(#hatch-state)")
                            .set("fill-rule", "evenodd"),
                    )
                    .add(stroke(
                        &d,
                        &self.style.colours.state,
                        line.width,
                        dash,
                        line.opacity,
                    ));
            }
        }
        group
    }

    /// Labels every named area of `layer` (upper-cased with `upper`) that has room.
    fn label_areas(
        &self,
        labels: &mut Labels<'_>,
        layer: &Layer,
        size: f64,
        colour: &str,
        upper: bool,
    ) {
        for area in &layer.areas {
            let Some(name) = &area.name else { continue };
            let name = if upper {
                name.to_uppercase()
            } else {
                name.clone()
            };
            self.label(labels, &area.geometry, &name, size, colour);
        }
    }

    /// A haloed label at the area's interior point, if it fits and meets no other.
    fn label(
        &self,
        labels: &mut Labels<'_>,
        geometry: &Geometry<f64>,
        name: &str,
        size: f64,
        colour: &str,
    ) {
        let Labels {
            group,
            taken,
            frame,
        } = labels;
        let Some(point) = geometry.interior_point() else {
            return;
        };
        let (x, y) = frame.point(point.x(), point.y());
        let lines = self.metrics.wrap(name, size, true, size * 9.0);
        let line_height = size * 1.2;
        let width = lines
            .iter()
            .map(|l| self.metrics.width(l, size, true))
            .fold(0.0, f64::max);
        let height = lines.len() as f64 * line_height;
        let bounds = Rect {
            x: x - width / 2.0 - 3.0,
            y: y - height / 2.0 - 3.0,
            width: width + 6.0,
            height: height + 6.0,
        };
        if !frame.panel.contains(&bounds) || taken.iter().any(|other| other.overlaps(&bounds)) {
            return;
        }
        taken.push(bounds);
        for (i, line) in lines.iter().enumerate() {
            let baseline = y - height / 2.0 + (i as f64 + 1.0) * line_height - size * 0.25;
            *group = std::mem::take(group)
                .add(
                    text(
                        x,
                        baseline,
                        line,
                        size,
                        true,
                        &self.style.colours.halo,
                        "middle",
                    )
                    .set("stroke", self.style.colours.halo.as_str())
                    .set("stroke-width", "3")
                    .set("stroke-linejoin", "round"),
                )
                .add(text(x, baseline, line, size, true, colour, "middle"));
        }
    }

    /// A scale bar in ground metres at the panel's centre latitude, bottom left.
    fn scale_bar(&self, frame: &Frame) -> Group {
        let metres_per_px = frame.ground_metres_per_px();
        let target = frame.panel.width * 0.22 * metres_per_px;
        let magnitude = 10f64.powf(target.log10().floor());
        let metres = [5.0, 2.0, 1.0]
            .into_iter()
            .map(|step| step * magnitude)
            .find(|&m| m <= target)
            .unwrap_or(magnitude);
        let length = metres / metres_per_px;
        let label = if metres >= 1000.0 {
            format!("{} km", num(metres / 1000.0))
        } else {
            format!("{} m", num(metres))
        };
        let (x, y) = (frame.panel.x + 10.0, frame.panel.bottom() - 12.0);
        let label_width = self.metrics.width(&label, 10.0, false);
        let boxed = Rect {
            x: x - 6.0,
            y: y - 20.0,
            width: length.max(label_width) + 12.0,
            height: 28.0,
        };
        Group::new()
            .add(
                rect_element(boxed)
                    .set("fill", "#ffffff")
                    .set("fill-opacity", "0.85")
                    .set("rx", "3"),
            )
            .add(
                Path::new()
                    .set(
                        "d",
                        format!(
                            "M{x} {a}L{x} {y}L{e} {y}L{e} {a}",
                            x = num(x),
                            a = num(y - 5.0),
                            y = num(y),
                            e = num(x + length)
                        ),
                    )
                    .set("fill", "none")
                    .set("stroke", INK)
                    .set("stroke-width", "1.5"),
            )
            .add(text(x, y - 8.0, &label, 10.0, false, INK, "start"))
    }

    /// The legend entries, as the web map's legend lists them.
    #[expect(
        clippy::too_many_lines,
        reason = "one part of the image, read top to bottom"
    )]
    fn entries(&self, plan: &Plan<'_>, lang: Lang) -> Vec<Entry> {
        let colours = &self.style.colours;
        let mut entries = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        let mut reconstructed = false;
        for content in &plan.panels {
            if let Content::Changes { compared, .. } = content {
                for change in [Change::Kept, Change::Added, Change::Removed] {
                    let colour = self.change_colour(change).to_owned();
                    let symbol = if change == Change::Removed {
                        Symbol::Hatched {
                            colour,
                            dashed: false,
                        }
                    } else {
                        Symbol::Solid(colour)
                    };
                    entries.push(Entry {
                        symbol: Some(symbol),
                        title: lang.change(change).to_owned(),
                        badge: None,
                        details: Vec::new(),
                    });
                }
                entries.push(Entry {
                    symbol: None,
                    title: String::new(),
                    badge: None,
                    details: vec![lang.comparison_status(compared.comparison.status)],
                });
            }
            for shown in content.shown() {
                reconstructed |= shown.reconstructed();
                let layer = shown.layer;
                if !seen.contains(&layer.meta.id.as_str()) {
                    seen.push(layer.meta.id.as_str());
                    let colour = colours.designation.of(layer.meta.status).to_owned();
                    let symbol = if layer.meta.status == Status::Reconstructed {
                        Symbol::Hatched {
                            colour,
                            dashed: true,
                        }
                    } else {
                        Symbol::Solid(colour)
                    };
                    entries.push(layer_entry(layer, symbol, shown.label(lang), None, lang));
                }
                for list in &shown.lists {
                    if !seen.contains(&list.meta.id.as_str()) {
                        seen.push(list.meta.id.as_str());
                        let part_of = lang.part_of(lang.pick(&layer.meta.title));
                        entries.push(self.state_list_entry(list, Some(part_of), lang));
                    }
                }
            }
        }
        for list in &plan.state_lists {
            if !seen.contains(&list.meta.id.as_str()) {
                seen.push(list.meta.id.as_str());
                entries.push(self.state_list_entry(list, None, lang));
            }
        }
        for layer in &plan.units {
            let symbol = Symbol::Outline {
                colour: colours.unit.clone(),
                dashed: layer.meta.status == Status::Reconstructed,
            };
            entries.push(layer_entry(
                layer,
                symbol,
                lang.pick(&layer.meta.title).to_owned(),
                None,
                lang,
            ));
        }
        if let Some(choropleth) = &plan.choropleth {
            entries.extend(self.choropleth_entries(choropleth, lang));
        }
        if !plan.base.is_empty() {
            let status = plan
                .base
                .iter()
                .map(|(_, layer)| layer.meta.status)
                .fold(Status::Official, kvarter_compare::weakest);
            let mut publishers: Vec<&str> = Vec::new();
            for (_, layer) in &plan.base {
                if !publishers.contains(&layer.meta.source.publisher.as_str()) {
                    publishers.push(&layer.meta.source.publisher);
                }
            }
            let vintage = &plan.base[0].1.meta.source.vintage;
            entries.push(Entry {
                symbol: Some(Symbol::Solid(colours.water.clone())),
                title: lang.base_map().to_owned(),
                badge: Some(status),
                details: vec![format!("{} · {vintage}", publishers.join(", "))],
            });
        }
        if reconstructed {
            entries.push(Entry {
                symbol: None,
                title: String::new(),
                badge: None,
                details: vec![lang.reconstructed_note().to_owned()],
            });
        }
        entries
    }

    /// A state list's legend entry: hatched, its border dashed unless official; `part_of` the
    /// designation it counts in, when it does.
    fn state_list_entry(&self, list: &Layer, part_of: Option<String>, lang: Lang) -> Entry {
        let symbol = Symbol::Hatched {
            colour: self.style.colours.state.clone(),
            dashed: list.meta.status != Status::Official,
        };
        layer_entry(
            list,
            symbol,
            lang.pick(&list.meta.title).to_owned(),
            part_of,
            lang,
        )
    }

    /// The choropleth's legend: the indicator, its unit, period and datasets (with the weakest
    /// status among them), then one entry per class and one for areas without a value.
    fn choropleth_entries(&self, choropleth: &Choropleth<'_>, lang: Lang) -> Vec<Entry> {
        let indicator = choropleth.indicator;
        let status = choropleth
            .datasets
            .iter()
            .map(|dataset| dataset.status)
            .fold(Status::Official, kvarter_compare::weakest);
        let mut details = vec![format!(
            "{}: {}",
            lang.coloured_on(),
            lang.pick(&choropleth.layer.meta.title)
        )];
        details.extend(choropleth.datasets.iter().map(|dataset| {
            format!(
                "{} · {} · {} {}",
                dataset.publisher,
                dataset.vintage,
                lang.licence(),
                dataset.licence
            )
        }));
        let mut entries = vec![Entry {
            symbol: None,
            title: format!(
                "{} ({}), {}",
                lang.pick(&indicator.title),
                lang.pick(&indicator.unit),
                choropleth.period
            ),
            badge: (!choropleth.datasets.is_empty()).then_some(status),
            details,
        }];
        let breaks = &choropleth.breaks;
        let digits = usize::from(breaks.iter().any(|value| value.abs() < 100.0));
        let number = |value: f64| lang.number(value, digits);
        for (index, colour) in self
            .style
            .colours
            .ramp
            .iter()
            .take(breaks.len() + 1)
            .enumerate()
        {
            let low = index.checked_sub(1).map(|i| breaks[i]);
            let high = breaks.get(index).copied();
            let title = match (low, high) {
                (None, Some(high)) => format!("< {}", number(high)),
                (Some(low), None) => format!("≥ {}", number(low)),
                (Some(low), Some(high)) => format!("{} – {}", number(low), number(high)),
                (None, None) => lang.pick(&indicator.title).to_owned(),
            };
            entries.push(Entry {
                symbol: Some(Symbol::Solid(colour.clone())),
                title,
                badge: None,
                details: Vec::new(),
            });
        }
        entries.push(Entry {
            symbol: Some(Symbol::Hatched {
                colour: self.style.colours.no_data_hatch.clone(),
                dashed: false,
            }),
            title: lang.no_data().to_owned(),
            badge: None,
            details: Vec::new(),
        });
        entries
    }

    /// Wraps each entry's texts to a column `width` wide.
    fn set_out<'e>(&self, entries: &'e [Entry], width: f64) -> Vec<SetEntry<'e>> {
        let text_width = width - SWATCH_W - 8.0;
        entries
            .iter()
            .map(|entry| {
                let inner = if entry.symbol.is_some() {
                    text_width
                } else {
                    width
                };
                let title = self
                    .metrics
                    .wrap(&entry.title, LEGEND_TITLE_SIZE, true, inner);
                let badge_width = entry.badge.map_or(0.0, |status| {
                    self.badge_width(status, Lang::Da)
                        .max(self.badge_width(status, Lang::En))
                });
                let last = title
                    .last()
                    .map_or(0.0, |l| self.metrics.width(l, LEGEND_TITLE_SIZE, true));
                let badge_below = entry.badge.is_some() && last + 6.0 + badge_width > inner;
                let details: Vec<String> = entry
                    .details
                    .iter()
                    .flat_map(|d| self.metrics.wrap(d, LEGEND_DETAIL_SIZE, false, inner))
                    .collect();
                let title_height = title.len() as f64 * LEGEND_TITLE_SIZE * 1.3
                    + if badge_below { 16.0 } else { 0.0 };
                let height = title_height.max(if entry.symbol.is_some() {
                    SWATCH_H + 2.0
                } else {
                    0.0
                }) + details.len() as f64 * LEGEND_DETAIL_SIZE * 1.35
                    + 8.0;
                SetEntry {
                    entry,
                    title,
                    badge_below,
                    details,
                    height,
                }
            })
            .collect()
    }

    fn badge_width(&self, status: Status, lang: Lang) -> f64 {
        self.metrics.width(lang.status(status), 9.0, true) + 12.0
    }

    /// The legend in `area`, its entries in `columns` columns.
    fn legend(
        &self,
        lang: Lang,
        set: &[SetEntry<'_>],
        area: Rect,
        columns: usize,
        defs: &mut Definitions,
    ) -> Group {
        *defs =
            std::mem::take(defs).add(ClipPath::new().set("id", "legend").add(rect_element(area)));
        let mut group = Group::new().set("clip-path", "url(#legend)").add(text(
            area.x,
            area.y + 13.0,
            lang.legend(),
            13.0,
            true,
            INK,
            "start",
        ));
        let column_width = (area.width - (columns as f64 - 1.0) * GAP) / columns as f64;
        let total: f64 = set.iter().map(|s| s.height).sum();
        let per_column = total / columns as f64;
        let (mut column, mut y) = (0usize, area.y + 24.0);
        let mut used = 0.0;
        for entry in set {
            if columns > 1
                && used > 0.0
                && used + entry.height / 2.0 > per_column
                && column + 1 < columns
            {
                column += 1;
                y = area.y + 24.0;
                used = 0.0;
            }
            let x = area.x + column as f64 * (column_width + GAP);
            group = group.add(self.legend_entry(lang, entry, x, y));
            y += entry.height;
            used += entry.height;
        }
        group
    }

    fn legend_entry(&self, lang: Lang, set: &SetEntry<'_>, x: f64, y: f64) -> Group {
        let mut group = Group::new();
        let text_x = if set.entry.symbol.is_some() {
            x + SWATCH_W + 8.0
        } else {
            x
        };
        if let Some(symbol) = &set.entry.symbol {
            group = group.add(self.swatch(symbol, x, y));
        }
        let mut baseline = y;
        for line in &set.title {
            baseline += LEGEND_TITLE_SIZE * 1.3;
            group = group.add(text(
                text_x,
                baseline - 3.0,
                line,
                LEGEND_TITLE_SIZE,
                true,
                INK,
                "start",
            ));
        }
        if let Some(status) = set.entry.badge {
            let (bx, by) = if set.badge_below {
                baseline += 16.0;
                (text_x, baseline - 13.0)
            } else {
                let last = set
                    .title
                    .last()
                    .map_or(0.0, |l| self.metrics.width(l, LEGEND_TITLE_SIZE, true));
                (text_x + last + 6.0, baseline - 13.0)
            };
            group = group.add(self.badge(status, lang, bx, by));
        }
        if set.title.is_empty() {
            baseline = y;
        }
        if set.entry.symbol.is_some() {
            baseline = baseline.max(y + SWATCH_H + 2.0);
        }
        for line in &set.details {
            baseline += LEGEND_DETAIL_SIZE * 1.35;
            group = group.add(text(
                text_x,
                baseline - 2.0,
                line,
                LEGEND_DETAIL_SIZE,
                false,
                MUTED,
                "start",
            ));
        }
        group
    }

    /// A status badge: the status word on its colours (dashed border for reconstructed).
    fn badge(&self, status: Status, lang: Lang, x: f64, y: f64) -> Group {
        let badge = self.style.badges.of(status);
        let word = lang.status(status);
        let width = self.badge_width(status, lang);
        let mut back = rect_element(Rect {
            x,
            y,
            width,
            height: 14.0,
        })
        .set("rx", "7")
        .set("fill", badge.background.as_str());
        if let Some(border) = &badge.dashed_border {
            back = back
                .set("stroke", border.as_str())
                .set("stroke-width", "1")
                .set("stroke-dasharray", "2 1.5");
        }
        Group::new().add(back).add(text(
            x + width / 2.0,
            y + 10.5,
            word,
            9.0,
            true,
            &badge.text,
            "middle",
        ))
    }

    fn swatch(&self, symbol: &Symbol, x: f64, y: f64) -> SvgRect {
        let rect = Rect {
            x: x + 1.0,
            y: y + 2.0,
            width: SWATCH_W - 2.0,
            height: SWATCH_H - 2.0,
        };
        let (fill, colour, dashed, fill_opacity) = match symbol {
            Symbol::Solid(colour) => (colour.clone(), colour, false, "0.4"),
            Symbol::Hatched { colour, dashed } => (
                format!("url(#{})", self.pattern_of(colour)),
                colour,
                *dashed,
                "1",
            ),
            Symbol::Outline { colour, dashed } => ("none".to_owned(), colour, *dashed, "1"),
        };
        let element = rect_element(rect)
            .set("rx", "2")
            .set("fill", fill)
            .set("fill-opacity", fill_opacity)
            .set("stroke", colour.as_str())
            .set("stroke-width", "2");
        if dashed {
            element.set("stroke-dasharray", "3 2")
        } else {
            element
        }
    }

    /// The hatch pattern of `colour` (the state lists' for anything not otherwise hatched).
    fn pattern_of(&self, colour: &str) -> String {
        self.patterns()
            .into_iter()
            .find(|(_, c)| c == colour)
            .map_or_else(|| "hatch-state".to_owned(), |(id, _)| id)
    }

    /// The footer lines: every source and licence of the layers drawn, the data version and
    /// the day the data last changed (when known).
    fn footer(&self, plan: &Plan<'_>, request: &RenderRequest, width: f64) -> Vec<String> {
        let lang = request.lang;
        let mut sources: Vec<String> = Vec::new();
        let datasets = plan.choropleth.iter().flat_map(|c| c.datasets.iter());
        for (publisher, licence) in plan
            .drawn_layers()
            .into_iter()
            .map(|layer| (&layer.meta.source.publisher, &layer.meta.licence))
            .chain(datasets.map(|dataset| (&dataset.publisher, &dataset.licence)))
        {
            let source = format!("{publisher} ({licence})");
            if !sources.contains(&source) {
                sources.push(source);
            }
        }
        let changed = plan
            .data_changed
            .map(|date| format!(" ({} {date})", lang.changed()))
            .unwrap_or_default();
        let text = format!(
            "{}: {}. {} {}{changed}.",
            lang.sources(),
            sources.join("; "),
            lang.data_version(),
            plan.data_version,
        );
        self.metrics.wrap(&text, FOOTER_SIZE, false, width)
    }
}

/// The label over a panel: its designation's year label with the status (said once: many
/// titles already carry it), or the comparison's years and status.
fn panel_label(content: &Content<'_>, lang: Lang) -> String {
    match content {
        Content::Designation(shown) => {
            let label = shown.label(lang);
            let status = lang.status(shown.layer.meta.status);
            if label.to_lowercase().contains(status) {
                label
            } else {
                format!("{label} ({status})")
            }
        }
        Content::Changes { compared, from, to } => format!(
            "{} → {} ({})",
            from.short(lang),
            to.short(lang),
            lang.status(compared.comparison.status)
        ),
    }
}

/// A legend entry for a layer: its title, status badge, source, vintage and licence.
fn layer_entry(
    layer: &Layer,
    symbol: Symbol,
    title: String,
    part_of: Option<String>,
    lang: Lang,
) -> Entry {
    let source = &layer.meta.source;
    let mut details: Vec<String> = part_of.into_iter().collect();
    details.push(format!("{} · {}", source.publisher, source.vintage));
    details.push(format!("{}: {}", lang.licence(), layer.meta.licence));
    Entry {
        symbol: Some(symbol),
        title,
        badge: Some(layer.meta.status),
        details,
    }
}

/// The view's own title.
fn default_title(plan: &Plan<'_>, request: &RenderRequest) -> String {
    let lang = request.lang;
    match (&request.view, plan.panels.as_slice()) {
        (View::Side { .. }, [Content::Designation(from), Content::Designation(to)]) => {
            lang.side_title(&from.short(lang), &to.short(lang))
        }
        (_, [Content::Changes { from, to, .. }]) => {
            lang.changes_title(&from.short(lang), &to.short(lang))
        }
        (_, [Content::Designation(shown)]) => shown.label(lang),
        _ => String::new(),
    }
}

/// The height of a legend band set out in `columns` columns.
fn legend_band_height(set: &[SetEntry<'_>], columns: usize) -> f64 {
    let total: f64 = set.iter().map(|s| s.height).sum();
    let per_column = total / columns as f64;
    let (mut tallest, mut used, mut column) = (0.0f64, 0.0, 0);
    for entry in set {
        if columns > 1
            && used > 0.0
            && used + entry.height / 2.0 > per_column
            && column + 1 < columns
        {
            column += 1;
            used = 0.0;
        }
        used += entry.height;
        tallest = tallest.max(used);
    }
    tallest + 24.0
}

/// The boxes the scale bar and the north arrow take in a panel, so labels keep off them.
fn furniture_boxes(frame: &Frame) -> Vec<Rect> {
    let panel = frame.panel;
    vec![
        Rect {
            x: panel.x,
            y: panel.bottom() - 40.0,
            width: panel.width * 0.3 + 30.0,
            height: 40.0,
        },
        Rect {
            x: panel.right() - 40.0,
            y: panel.y,
            width: 40.0,
            height: 50.0,
        },
    ]
}

/// A north arrow in the panel's top right corner (Web Mercator's north is up everywhere).
fn north_arrow(frame: &Frame) -> Group {
    let (x, y) = (frame.panel.right() - 20.0, frame.panel.y + 12.0);
    let arrow = format!(
        "M{x} {top}L{r} {b}L{x} {m}L{l} {b}Z",
        x = num(x),
        top = num(y),
        r = num(x + 7.0),
        b = num(y + 20.0),
        m = num(y + 15.0),
        l = num(x - 7.0)
    );
    Group::new()
        .add(
            Path::new()
                .set("d", arrow)
                .set("fill", INK)
                .set("stroke", "#ffffff")
                .set("stroke-width", "1"),
        )
        .add(
            text(x, y + 33.0, NORTH, 11.0, true, "#ffffff", "middle")
                .set("stroke", "#ffffff")
                .set("stroke-width", "3"),
        )
        .add(text(x, y + 33.0, NORTH, 11.0, true, INK, "middle"))
}

fn opacity(value: f64) -> String {
    format!("{value:.3}")
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_owned()
}

fn rect_element(rect: Rect) -> SvgRect {
    SvgRect::new()
        .set("x", num(rect.x))
        .set("y", num(rect.y))
        .set("width", num(rect.width))
        .set("height", num(rect.height))
}

fn text(x: f64, y: f64, content: &str, size: f64, bold: bool, colour: &str, anchor: &str) -> Text {
    let mut element = Text::new(content)
        .set("x", num(x))
        .set("y", num(y))
        .set("font-size", num(size))
        .set("fill", colour)
        .set("text-anchor", anchor);
    if bold {
        element = element.set("font-weight", "bold");
    }
    element
}

/// A stroked path; `dash` in multiples of the width, as MapLibre's `line-dasharray`.
fn stroke(d: &str, colour: &str, width: f64, dash: &[f64], line_opacity: f64) -> Path {
    let mut path = Path::new()
        .set("d", d)
        .set("fill", "none")
        .set("stroke", colour)
        .set("stroke-width", format!("{width:.2}"));
    if !dash.is_empty() {
        let dashes: Vec<String> = dash.iter().map(|d| num(d * width)).collect();
        path = path.set("stroke-dasharray", dashes.join(" "));
    }
    if line_opacity < 1.0 {
        path = path.set("stroke-opacity", opacity(line_opacity));
    }
    path
}

/// A layer's outlines.
fn outline(
    layer: &Layer,
    frame: &Frame,
    visible: &Bounds,
    colour: &str,
    line: &Line,
    dashed: bool,
) -> Group {
    let dash: &[f64] = if dashed { &line.dash } else { &[] };
    let mut group = Group::new();
    if let Some(d) = polygon_path(layer.areas.iter().map(|a| &a.geometry), frame, visible) {
        group = group.add(stroke(&d, colour, line.width, dash, line.opacity));
    }
    group
}

/// Whether a geometry's box meets `visible`.
fn meets(geometry: &Geometry<f64>, visible: &Bounds) -> bool {
    geometry.bounding_rect().is_some_and(|r| {
        r.min().x <= visible.east
            && r.max().x >= visible.west
            && r.min().y <= visible.north
            && r.max().y >= visible.south
    })
}

fn polygons(geometry: &Geometry<f64>) -> Vec<&Polygon<f64>> {
    match geometry {
        Geometry::Polygon(polygon) => vec![polygon],
        Geometry::MultiPolygon(multi) => multi.0.iter().collect(),
        Geometry::GeometryCollection(collection) => {
            collection.0.iter().flat_map(polygons).collect()
        }
        _ => Vec::new(),
    }
}

fn line_strings(geometry: &Geometry<f64>) -> Vec<&LineString<f64>> {
    match geometry {
        Geometry::LineString(line) => vec![line],
        Geometry::MultiLineString(multi) => multi.0.iter().collect(),
        Geometry::GeometryCollection(collection) => {
            collection.0.iter().flat_map(line_strings).collect()
        }
        _ => Vec::new(),
    }
}

/// Appends `line` to the path `d` (closed when `close`), leaving out points closer than a
/// third of a pixel to the last one written; `false` when fewer than two points remain.
fn append(d: &mut String, line: &LineString<f64>, frame: &Frame, close: bool) -> bool {
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(line.0.len());
    let count = line.0.len();
    for (i, coord) in line.0.iter().enumerate() {
        let p = frame.point(coord.x, coord.y);
        if let Some(last) = points.last()
            && i + 1 < count
            && (p.0 - last.0).hypot(p.1 - last.1) < 0.33
        {
            continue;
        }
        points.push(p);
    }
    if points.len() < if close { 3 } else { 2 } {
        return false;
    }
    for (i, (x, y)) in points.iter().enumerate() {
        let _ = write!(
            d,
            "{}{} {}",
            if i == 0 { 'M' } else { 'L' },
            num(*x),
            num(*y)
        );
    }
    if close {
        d.push('Z');
    }
    true
}

/// One path of every polygon of `geometries` that meets `visible`.
fn polygon_path<'g>(
    geometries: impl Iterator<Item = &'g Geometry<f64>>,
    frame: &Frame,
    visible: &Bounds,
) -> Option<String> {
    let mut d = String::new();
    for geometry in geometries.filter(|g| meets(g, visible)) {
        for polygon in polygons(geometry) {
            append(&mut d, polygon.exterior(), frame, true);
            for hole in polygon.interiors() {
                append(&mut d, hole, frame, true);
            }
        }
    }
    (!d.is_empty()).then_some(d)
}

/// One path of every line of `geometries` that meets `visible`.
fn line_path<'g>(
    geometries: impl Iterator<Item = &'g Geometry<f64>>,
    frame: &Frame,
    visible: &Bounds,
) -> Option<String> {
    let mut d = String::new();
    for geometry in geometries.filter(|g| meets(g, visible)) {
        for line in line_strings(geometry) {
            append(&mut d, line, frame, false);
        }
    }
    (!d.is_empty()).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_with_one_decimal_at_most() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.04), "12");
        assert_eq!(num(12.25), "12.3");
        assert_eq!(num(-0.01), "0");
        assert_eq!(opacity(200.0 / 255.0), "0.784");
        assert_eq!(opacity(0.5), "0.5");
    }
}
