//! What an image shows, worked out from a request and the service's data: the designation of
//! each panel (a year resolved as the web map's year picker resolves it, with the state lists
//! that count as part of it), the comparison of a changes map, the unit and base-map layers,
//! and the extent to fit.

use std::collections::HashMap;
use std::sync::Arc;

use geo::BoundingRect;
use kvarter_core::designation::{designation_of_year, municipal_designations};
use kvarter_core::{Bounds, Date, Layer, LayerKind, Status};
use kvarter_indicators::{DatasetInfo, Indicator};
use kvarter_service::Service;
use kvarter_service::comparisons::Compared;

use crate::error::RenderError;
use crate::request::{Designation, Extent, RenderRequest, View};
use crate::style::{Role, Style};

/// A designation as shown: its layer, the year it was asked for, and its state lists.
pub(crate) struct Shown<'a> {
    pub layer: &'a Layer,
    /// The year asked for; `None` when asked by layer id.
    pub year: Option<i32>,
    /// Whether the layer is shown as the one in force on 1 January of `year` (no edition of
    /// that year).
    pub in_force: bool,
    /// The state lists that count as part of it (the 2025 rule, decided by the service).
    pub lists: Vec<&'a Layer>,
}

impl Shown<'_> {
    /// The year, or the layer's title, for titles.
    pub(crate) fn short(&self, lang: crate::Lang) -> String {
        self.year.map_or_else(
            || lang.pick(&self.layer.meta.title).to_owned(),
            |y| y.to_string(),
        )
    }

    /// The year label, as the web map's legend says it.
    pub(crate) fn label(&self, lang: crate::Lang) -> String {
        lang.year_label(self.year, self.in_force, lang.pick(&self.layer.meta.title))
    }

    /// Whether this or one of its lists is a reconstruction.
    pub(crate) fn reconstructed(&self) -> bool {
        std::iter::once(self.layer)
            .chain(self.lists.iter().copied())
            .any(|layer| layer.meta.status == Status::Reconstructed)
    }
}

/// What one panel shows.
pub(crate) enum Content<'a> {
    /// One designation.
    Designation(Shown<'a>),
    /// The pieces of a comparison between two designations.
    Changes {
        compared: Arc<Compared>,
        from: Shown<'a>,
        to: Shown<'a>,
    },
}

/// An indicator coloured onto a unit layer, in classes.
pub(crate) struct Choropleth<'a> {
    /// The unit layer coloured.
    pub layer: &'a Layer,
    pub indicator: &'a Indicator,
    /// The period shown.
    pub period: String,
    /// The value of each area that has one, by area id.
    pub values: HashMap<&'a str, f64>,
    /// The class limits, ascending: class `i` holds values from `breaks[i - 1]` (inclusive) up
    /// to `breaks[i]`.
    pub breaks: Vec<f64>,
    /// The datasets the values come from.
    pub datasets: Vec<&'a DatasetInfo>,
}

impl Choropleth<'_> {
    /// The class of `value`: the number of limits at or below it (MapLibre's `step`).
    pub(crate) fn class(&self, value: f64) -> usize {
        self.breaks.iter().filter(|limit| value >= **limit).count()
    }
}

/// Everything an image shows, resolved.
pub(crate) struct Plan<'a> {
    pub panels: Vec<Content<'a>>,
    pub units: Vec<&'a Layer>,
    /// State lists drawn on every map besides the designations' own.
    pub state_lists: Vec<&'a Layer>,
    /// The indicator coloured under the designations, if asked for.
    pub choropleth: Option<Choropleth<'a>>,
    /// Base-map layers with their roles, in drawing order.
    pub base: Vec<(Role, &'a Layer)>,
    /// The district layer (outlined and labelled), if any.
    pub districts: Option<&'a Layer>,
    /// The municipality (outlined), if any.
    pub municipality: Option<&'a Layer>,
    /// The lon/lat box to fit, or a centre and zoom.
    pub extent: Extent,
    pub data_version: &'a str,
    /// The day the data last changed, when its source records it.
    pub data_changed: Option<Date>,
}

impl<'a> Plan<'a> {
    pub(crate) fn new(
        service: &'a Service,
        request: &RenderRequest,
        style: &Style,
    ) -> Result<Plan<'a>, RenderError> {
        request.check()?;
        let panels = match &request.view {
            View::Single(choice) => vec![Content::Designation(shown(service, "year", choice)?)],
            View::Side { from, to } => vec![
                Content::Designation(shown(service, "from", from)?),
                Content::Designation(shown(service, "to", to)?),
            ],
            View::Changes { from, to } => {
                let from = shown(service, "from", from)?;
                let to = shown(service, "to", to)?;
                let compared =
                    service.compare(from.layer.meta.id.as_str(), to.layer.meta.id.as_str())?;
                vec![Content::Changes { compared, from, to }]
            }
        };
        let layers = service.layers();
        let units = of_kind(
            layers,
            &request.units,
            "units",
            "unit",
            LayerKind::AdminUnit,
        )?;
        let state_lists = of_kind(
            layers,
            &request.state_lists,
            "state",
            "state list",
            LayerKind::StateDesignation,
        )?;
        let mut base: Vec<(Role, &Layer)> = layers
            .iter()
            .filter(|layer| layer.meta.kind == LayerKind::BaseMap)
            .filter_map(|layer| Some((style.role_of(layer.meta.id.as_str())?, layer)))
            .collect();
        base.sort_by_key(|(role, _)| style.base_roles.iter().position(|r| r.role == *role));
        let admin = |wanted: fn(&Layer) -> bool| {
            layers
                .iter()
                .find(|layer| layer.meta.kind == LayerKind::AdminUnit && wanted(layer))
        };
        let districts = admin(|layer| layer.meta.id.as_str().starts_with("bydele-"));
        let municipality = admin(|layer| layer.areas.len() == 1);
        let choropleth = choropleth(service, request, units.first().copied().or(districts))?;
        let extent = match request.extent {
            Extent::Fit => Extent::Bbox(fit_bounds(&panels).ok_or_else(|| {
                RenderError::invalid(
                    "bbox",
                    "the designations shown hold no areas to fit; give bbox or center and zoom",
                )
            })?),
            other => other,
        };
        Ok(Plan {
            panels,
            units,
            state_lists,
            choropleth,
            base,
            districts,
            municipality,
            extent,
            data_version: service.data_version(),
            data_changed: service.data_changed(),
        })
    }

    /// Every layer drawn, for the sources: designations and their lists, units, base map.
    pub(crate) fn drawn_layers(&self) -> Vec<&'a Layer> {
        let mut layers: Vec<&Layer> = Vec::new();
        let mut add = |layer: &'a Layer| {
            if !layers.iter().any(|seen| seen.meta.id == layer.meta.id) {
                layers.push(layer);
            }
        };
        for panel in &self.panels {
            for shown in panel.shown() {
                add(shown.layer);
                shown.lists.iter().for_each(|list| add(list));
            }
        }
        self.state_lists.iter().for_each(|layer| add(layer));
        self.units.iter().for_each(|layer| add(layer));
        self.choropleth.iter().for_each(|c| add(c.layer));
        self.districts.into_iter().for_each(&mut add);
        self.municipality.into_iter().for_each(&mut add);
        self.base.iter().for_each(|(_, layer)| add(layer));
        layers
    }
}

impl<'a> Content<'a> {
    /// The designations the panel shows.
    pub(crate) fn shown(&self) -> Vec<&Shown<'a>> {
        match self {
            Content::Designation(shown) => vec![shown],
            Content::Changes { from, to, .. } => vec![from, to],
        }
    }
}

/// The ids of the layers whose kind passes `wanted`.
/// The layers named by `wanted` (the request's `field`), each of `kind`, or which ids of that
/// kind there are.
fn of_kind<'a>(
    layers: &'a [Layer],
    wanted: &[String],
    field: &'static str,
    kind_name: &'static str,
    kind: LayerKind,
) -> Result<Vec<&'a Layer>, RenderError> {
    wanted
        .iter()
        .map(|id| {
            layers
                .iter()
                .find(|layer| layer.meta.kind == kind && layer.meta.id.as_str() == id)
                .ok_or_else(|| RenderError::UnknownLayer {
                    field,
                    kind: kind_name,
                    id: id.clone(),
                    known: ids(layers, |other| other == kind),
                })
        })
        .collect()
}

/// The choropleth `request` asks for, on `layer` (the first unit layer, else the districts).
fn choropleth<'a>(
    service: &'a Service,
    request: &RenderRequest,
    layer: Option<&'a Layer>,
) -> Result<Option<Choropleth<'a>>, RenderError> {
    let Some(id) = request.indicator.as_deref() else {
        return Ok(None);
    };
    let joins = service
        .indicators()
        .ok_or_else(|| RenderError::invalid("indicator", "the data holds no indicators"))?;
    let layer = layer.ok_or_else(|| {
        RenderError::invalid(
            "indicator",
            "give units= to colour one of them by the indicator",
        )
    })?;
    let catalogue = joins.indicators().catalogue();
    let indicator = catalogue.indicator(id).ok_or_else(|| {
        let known: Vec<&str> = catalogue.indicators.iter().map(|i| i.id.as_str()).collect();
        RenderError::invalid(
            "indicator",
            format!("there is no indicator {id:?}; known: {}", known.join(", ")),
        )
    })?;
    let position = joins.layer_index(&layer.meta.id).ok_or_else(|| {
        RenderError::invalid(
            "units",
            format!("{} has no indicator values", layer.meta.id),
        )
    })?;
    let table = joins
        .table(position, &[id], request.period.as_deref())
        .map_err(|error| {
            let field = if request.period.is_some() && error.to_string().contains("period") {
                "period"
            } else {
                "indicator"
            };
            RenderError::invalid(field, error.to_string())
        })?;
    let period = table.rows.first().map_or_else(
        || request.period.clone().unwrap_or_default(),
        |row| row.period.to_owned(),
    );
    let values: HashMap<&str, f64> = table
        .rows
        .iter()
        .filter_map(|row| Some((row.area_id, row.joined?.value)))
        .filter(|(_, value)| value.is_finite())
        .collect();
    let mut sorted: Vec<f64> = values.values().copied().collect();
    sorted.sort_by(f64::total_cmp);
    let datasets = indicator
        .datasets
        .iter()
        .filter_map(|id| catalogue.dataset(id))
        .collect();
    Ok(Some(Choropleth {
        layer,
        indicator,
        period,
        values,
        breaks: quantile_breaks(&sorted),
        datasets,
    }))
}

/// Quintile class limits of `sorted` values, as the web map's `quantileBreaks`
/// (`web/src/classes.js`): the values at 1/5 … 4/5 of the way, without repeats, above the least.
fn quantile_breaks(sorted: &[f64]) -> Vec<f64> {
    if sorted.len() < 2 {
        return Vec::new();
    }
    let mut breaks: Vec<f64> = Vec::new();
    for i in 1..=4 {
        let limit = sorted[i * sorted.len() / 5];
        if limit > sorted[0] && !breaks.contains(&limit) {
            breaks.push(limit);
        }
    }
    breaks
}

fn ids(layers: &[Layer], wanted: impl Fn(LayerKind) -> bool) -> Vec<String> {
    layers
        .iter()
        .filter(|layer| wanted(layer.meta.kind))
        .map(|layer| layer.meta.id.to_string())
        .collect()
}

/// The designation `choice` names, with its state lists; `field` names it in errors.
fn shown<'a>(
    service: &'a Service,
    field: &'static str,
    choice: &Designation,
) -> Result<Shown<'a>, RenderError> {
    let layers = service.layers();
    let (layer, year, in_force) = match choice {
        Designation::Layer(id) => {
            let layer = layers
                .iter()
                .find(|layer| layer.meta.kind.is_designation() && layer.meta.id.as_str() == id)
                .ok_or_else(|| RenderError::UnknownLayer {
                    field,
                    kind: "designation",
                    id: id.clone(),
                    known: ids(layers, LayerKind::is_designation),
                })?;
            (layer, None, false)
        }
        Designation::Year(year) => {
            let (layer, in_force) = designation_of_year(layers, *year).ok_or_else(|| {
                let mut known: Vec<String> = municipal_designations(layers)
                    .into_iter()
                    .filter_map(|layer| layer.meta.valid_from)
                    .map(|from| from.year().to_string())
                    .collect();
                known.dedup();
                RenderError::NoDesignation {
                    field,
                    year: *year,
                    known,
                }
            })?;
            (layer, Some(*year), in_force)
        }
    };
    let position = service.layer(layer.meta.id.as_str())?.position;
    let lists = service
        .state_lists()
        .lists_of(position)
        .iter()
        .map(|&p| &layers[p])
        .collect();
    Ok(Shown {
        layer,
        year,
        in_force,
        lists,
    })
}

/// The box around every designation shown, with a margin of 4 % a side.
fn fit_bounds(panels: &[Content<'_>]) -> Option<Bounds> {
    let mut boxes: Vec<Bounds> = Vec::new();
    for panel in panels {
        match panel {
            Content::Designation(shown) => {
                boxes.extend(shown.layer.bounds());
                boxes.extend(shown.lists.iter().filter_map(|list| list.bounds()));
            }
            Content::Changes { compared, .. } => boxes.extend(
                compared
                    .comparison
                    .pieces
                    .iter()
                    .filter_map(|piece| piece.geometry.bounding_rect())
                    .map(Bounds::from),
            ),
        }
    }
    let all = boxes.into_iter().reduce(|a, b| Bounds {
        west: a.west.min(b.west),
        south: a.south.min(b.south),
        east: a.east.max(b.east),
        north: a.north.max(b.north),
    })?;
    let dx = (all.east - all.west) * 0.04;
    let dy = (all.north - all.south) * 0.04;
    Some(Bounds {
        west: all.west - dx,
        south: all.south - dy,
        east: all.east + dx,
        north: all.north + dy,
    })
}
