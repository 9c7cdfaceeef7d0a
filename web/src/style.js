// The MapLibre style of one map: a base map drawn from Kvarter's own vector tiles (water, parks,
// city blocks, streets, the municipality and its bydele), then the optional choropleth, one
// designation layer (or, in overlay mode, the change layer between two), state lists and unit
// outlines. Glyphs come from the service too (/fonts), so nothing is fetched from a third party.
//
// Every colour, hatch, width, dash, opacity and zoom level comes from style.json, the one
// definition the server's map images (crate kvarter-render) are drawn from as well.

import STYLE from './style.json' with { type: 'json' };
import { t } from './i18n.js';

export { STYLE };
export const FONT = [STYLE.fonts.regular];
export const FONT_BOLD = [STYLE.fonts.bold];

const { colours: C, lines: L, fills: F, zooms: Z } = STYLE;

/** Colours, chosen for contrast on the light base map and for colour-blind readers. */
export const COLOURS = {
  land: C.land,
  water: C.water,
  parks: C.parks,
  blocks: C.blocks,
  street: C.street,
  streetCasing: C.street_casing,
  district: C.district,
  municipality: C.municipality,
  label: C.label,
  designation: C.designation,
  state: C.state,
  change: C.change,
  unit: C.unit,
  noData: C.no_data,
  ramp: C.ramp,
};

/** Hatch patterns drawn on first use ('styleimagemissing'), one per colour. */
export const PATTERNS = {
  'hatch-reconstructed': C.designation.reconstructed,
  'hatch-state': C.state,
  'hatch-removed': C.change.removed,
  'hatch-nodata': C.no_data_hatch,
};

/** A line's `line-dasharray`, when it has one. */
const dashed = (line) => (line.dash?.length ? { 'line-dasharray': line.dash } : {});

/**
 * Draws a diagonal hatch in `colour` as MapLibre image data at pixel ratio 2: a tile of two
 * periods, where pixels with (x + y) mod period < stripe are the stripe (style.json's `hatch`).
 */
export function hatchImage(colour) {
  const ratio = 2;
  const period = STYLE.hatch.period * ratio;
  const stripe = STYLE.hatch.stripe * ratio;
  const size = period * 2;
  const [on, off] = [STYLE.hatch.stripe_opacity, STYLE.hatch.ground_opacity].map((a) => Math.round(a * 255));
  const data = new Uint8Array(size * size * 4);
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const offset = (y * size + x) * 4;
      data[offset] = r;
      data[offset + 1] = g;
      data[offset + 2] = b;
      data[offset + 3] = (x + y) % period < stripe ? on : off;
    }
  }
  return { width: size, height: size, data };
}

const tiles = (origin, layers, query = '') => ({
  type: 'vector',
  url: `${origin}/tiles/${layers.join(',')}.json${query}`,
});

function baseSources(catalogue, origin) {
  const base = catalogue.baseLayers();
  const ids = [...Object.values(base).map((layer) => layer.id)];
  const municipality = catalogue.municipality();
  const districts = catalogue.districts();
  if (municipality) ids.push(municipality.id);
  if (districts) ids.push(districts.id);
  return { base: tiles(origin, ids) };
}

function baseLayers(catalogue) {
  const base = catalogue.baseLayers();
  const layers = [{ id: 'background', type: 'background', paint: { 'background-color': COLOURS.land } }];
  if (base.water) {
    layers.push({ id: 'base-water', type: 'fill', source: 'base', 'source-layer': base.water.id, paint: { 'fill-color': COLOURS.water } });
  }
  if (base.parks) {
    layers.push({ id: 'base-parks', type: 'fill', source: 'base', 'source-layer': base.parks.id, paint: { 'fill-color': COLOURS.parks } });
  }
  if (base.blocks) {
    layers.push({
      id: 'base-blocks', type: 'fill', source: 'base', 'source-layer': base.blocks.id, minzoom: Z.blocks_min,
      paint: { 'fill-color': COLOURS.blocks, 'fill-opacity': ['interpolate', ['linear'], ['zoom'], Z.blocks_min, 0, Z.blocks_min + 1, 1] },
    });
  }
  if (base.streets) {
    const { stops, base: exponent, casing_extra: casing } = STYLE.streets;
    const width = (extra) => ['interpolate', ['exponential', exponent], ['zoom'], ...stops.flatMap(([zoom, w]) => [zoom, w + extra])];
    layers.push(
      { id: 'base-streets-casing', type: 'line', source: 'base', 'source-layer': base.streets.id, minzoom: Z.street_casing_min,
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': COLOURS.streetCasing, 'line-width': width(casing) } },
      { id: 'base-streets', type: 'line', source: 'base', 'source-layer': base.streets.id,
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': COLOURS.street, 'line-width': width(0) } },
    );
  }
  return layers;
}

function baseOutlines(catalogue) {
  const layers = [];
  const districts = catalogue.districts();
  const municipality = catalogue.municipality();
  if (districts) {
    layers.push({ id: 'base-districts', type: 'line', source: 'base', 'source-layer': districts.id,
      paint: { 'line-color': COLOURS.district, 'line-width': L.district.width, 'line-opacity': L.district.opacity, ...dashed(L.district) } });
  }
  if (municipality) {
    layers.push({ id: 'base-municipality', type: 'line', source: 'base', 'source-layer': municipality.id,
      paint: { 'line-color': COLOURS.municipality, 'line-width': L.municipality.width, 'line-opacity': L.municipality.opacity, ...dashed(L.municipality) } });
  }
  return layers;
}

function baseLabels(catalogue) {
  const layers = [];
  const base = catalogue.baseLayers();
  const districts = catalogue.districts();
  if (base.streets) {
    layers.push({ id: 'base-street-labels', type: 'symbol', source: 'base', 'source-layer': base.streets.id, minzoom: Z.blocks_min,
      layout: { 'symbol-placement': 'line', 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 11 },
      paint: { 'text-color': C.street_label, 'text-halo-color': C.halo, 'text-halo-width': 1.5 } });
  }
  if (districts) {
    layers.push({ id: 'base-district-labels', type: 'symbol', source: 'base', 'source-layer': `${districts.id}_labels`, maxzoom: Z.district_labels_max,
      layout: { 'text-field': ['get', 'name'], 'text-font': FONT_BOLD, 'text-size': ['interpolate', ['linear'], ['zoom'], 10, 11, 13, 15],
        'text-transform': 'uppercase', 'text-letter-spacing': 0.08, 'text-max-width': 8 },
      paint: { 'text-color': COLOURS.label, 'text-opacity': 0.75, 'text-halo-color': C.halo, 'text-halo-width': 1.5 } });
  }
  return layers;
}

/** Fill and outline of one designation layer, styled by its status (hatched and dashed when reconstructed). */
function designationLayers(layer) {
  const colour = COLOURS.designation[layer.status] ?? COLOURS.designation.official;
  const reconstructed = layer.status === 'reconstructed';
  const fill = reconstructed
    ? { 'fill-pattern': 'hatch-reconstructed', 'fill-opacity': F.designation_hatch }
    : { 'fill-color': colour, 'fill-opacity': F.designation };
  return [
    { id: 'designation-fill', type: 'fill', source: 'designation', 'source-layer': layer.id, paint: fill },
    { id: 'designation-line', type: 'line', source: 'designation', 'source-layer': layer.id,
      paint: { 'line-color': colour, 'line-width': L.designation.width, ...(reconstructed ? dashed(L.designation) : {}) } },
  ];
}

function designationLabels(layer) {
  return [{ id: 'designation-labels', type: 'symbol', source: 'designation', 'source-layer': `${layer.id}_labels`, minzoom: Z.designation_labels_min,
    layout: { 'text-field': ['get', 'name'], 'text-font': FONT_BOLD, 'text-size': 12, 'text-max-width': 10 },
    paint: { 'text-color': C.designation_label, 'text-halo-color': C.halo, 'text-halo-width': 1.8 } }];
}

/** The change pieces between two designation layers: kept, added (solid) and removed (hatched). */
function changeLayers(from, to) {
  const sourceLayer = `compare-${from.id}--${to.id}`;
  return [
    { id: 'change-fill', type: 'fill', source: 'change', 'source-layer': sourceLayer, filter: ['!=', ['get', 'change'], 'removed'],
      paint: { 'fill-color': ['match', ['get', 'change'], 'kept', COLOURS.change.kept, 'added', COLOURS.change.added, '#999999'], 'fill-opacity': F.change } },
    { id: 'change-removed', type: 'fill', source: 'change', 'source-layer': sourceLayer, filter: ['==', ['get', 'change'], 'removed'],
      paint: { 'fill-pattern': 'hatch-removed' } },
    { id: 'change-line', type: 'line', source: 'change', 'source-layer': sourceLayer,
      paint: { 'line-color': ['match', ['get', 'change'], 'kept', COLOURS.change.kept, 'added', COLOURS.change.added, COLOURS.change.removed], 'line-width': L.change.width } },
  ];
}

function stateLayers(lists) {
  return lists.flatMap((layer) => [
    { id: `state-${layer.id}-fill`, type: 'fill', source: 'state', 'source-layer': layer.id, paint: { 'fill-pattern': 'hatch-state' } },
    { id: `state-${layer.id}-line`, type: 'line', source: 'state', 'source-layer': layer.id,
      paint: { 'line-color': COLOURS.state, 'line-width': L.state.width, ...(layer.status === 'official' ? {} : dashed(L.state)) } },
  ]);
}

function unitLayers(units) {
  return units.flatMap((layer, index) => [
    // Transparent fill, so a click inside a unit finds it.
    { id: `unit-${layer.id}-fill`, type: 'fill', source: 'units', 'source-layer': layer.id, paint: { 'fill-color': '#000000', 'fill-opacity': 0 } },
    { id: `unit-${layer.id}-line`, type: 'line', source: 'units', 'source-layer': layer.id,
      paint: { 'line-color': COLOURS.unit, 'line-width': Math.max(L.unit_min_width, L.unit.width - index * L.unit_step),
        ...(layer.status === 'reconstructed' ? dashed(L.unit) : {}) } },
  ]);
}

function unitLabels(units) {
  return units.map((layer) => ({ id: `unit-${layer.id}-labels`, type: 'symbol', source: 'units', 'source-layer': `${layer.id}_labels`,
    minzoom: layer.feature_count > 50 ? 14 : 12,
    layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 11, 'text-max-width': 8 },
    paint: { 'text-color': COLOURS.unit, 'text-halo-color': C.halo, 'text-halo-width': 1.5 } }));
}

/** The choropleth of one indicator on one unit layer, in classes from `breaks`; no value is hatched grey. */
function choroplethLayers(choropleth) {
  const { layer, indicator, breaks } = choropleth;
  const value = ['get', indicator.id];
  const steps = [COLOURS.ramp[0]];
  breaks.forEach((limit, index) => steps.push(limit, COLOURS.ramp[index + 1]));
  return [
    { id: 'choropleth-fill', type: 'fill', source: 'choropleth', 'source-layer': layer.id, filter: ['has', indicator.id],
      paint: { 'fill-color': ['step', value, ...steps], 'fill-opacity': F.choropleth } },
    { id: 'choropleth-nodata', type: 'fill', source: 'choropleth', 'source-layer': layer.id, filter: ['!', ['has', indicator.id]],
      paint: { 'fill-pattern': 'hatch-nodata' } },
  ];
}

/**
 * The whole style of one map. `view` is what the map shows: `{designation}` (a layer) for a
 * compare side, or `{change: {from, to}}` for overlay mode.
 */
export function buildStyle({ catalogue, origin, view, units, stateLists, choropleth }) {
  const sources = baseSources(catalogue, origin);
  const layers = baseLayers(catalogue);
  if (choropleth) {
    const query = `?indicators=${encodeURIComponent(choropleth.indicator.id)}` +
      (choropleth.period ? `&period=${encodeURIComponent(choropleth.period)}` : '');
    sources.choropleth = tiles(origin, [choropleth.layer.id], query);
    layers.push(...choroplethLayers(choropleth));
  }
  layers.push(...baseOutlines(catalogue));
  if (view.designation) {
    sources.designation = tiles(origin, [view.designation.id]);
    layers.push(...designationLayers(view.designation));
  }
  if (view.change) {
    sources.change = { type: 'vector', url: `${origin}/tiles/compare/${view.change.from.id}/${view.change.to.id}.json` };
    layers.push(...changeLayers(view.change.from, view.change.to));
  }
  if (stateLists.length) {
    sources.state = tiles(origin, stateLists.map((layer) => layer.id));
    layers.push(...stateLayers(stateLists));
  }
  if (units.length) {
    sources.units = tiles(origin, units.map((layer) => layer.id));
    layers.push(...unitLayers(units));
  }
  layers.push(...baseLabels(catalogue));
  if (units.length) layers.push(...unitLabels(units));
  if (view.designation) layers.push(...designationLabels(view.designation));
  return {
    version: 8,
    name: `Kvarter – ${t('appShort')}`,
    glyphs: `${origin}/fonts/{fontstack}/{range}.pbf`,
    sources,
    layers,
  };
}

/** Which layers a click looks in, most specific first: designations and changes, state lists, units, the choropleth. */
const CLICK_PRIORITY = [
  (id) => id === 'designation-fill' || id === 'change-fill' || id === 'change-removed',
  (id) => id.startsWith('state-') && id.endsWith('-fill'),
  (id) => id.startsWith('unit-') && id.endsWith('-fill'),
  (id) => id === 'choropleth-fill' || id === 'choropleth-nodata',
];

/** The clickable layers of `map`'s style, most specific first. */
export function clickableLayers(map) {
  const ids = map.getStyle().layers.map((layer) => layer.id);
  return CLICK_PRIORITY.flatMap((matches) => ids.filter(matches));
}
