// The legend: one entry per layer on screen, each with its status badge, source, vintage and
// licence, plus the change classes in overlay mode and the choropleth classes.

import { badge, fill, h } from './dom.js';
import { number, pick, statusWord, t, yearLabel } from './i18n.js';
import { COLOURS, PATTERNS } from './style.js';

function swatch(kind, colour) {
  return h('span', { class: `swatch ${kind}`, style: `--swatch: ${colour}`, 'aria-hidden': 'true' });
}

function layerEntry(layer, symbol, label, partOf = null) {
  const source = layer.source ?? {};
  return h('li', { 'data-layer': layer.id, ...(partOf ? { 'data-part-of': partOf.id } : {}) },
    h('div', { class: 'legend-row' }, symbol, h('span', { class: 'legend-title' }, label ?? pick(layer.title)),
      badge(layer.status, statusWord(layer.status))),
    partOf ? h('div', { class: 'legend-part-of' }, t('partOf')(pick(partOf.title))) : null,
    h('div', { class: 'legend-source' },
      [source.publisher, source.vintage].filter(Boolean).join(' · '),
      layer.licence ? h('br') : null, layer.licence ? `${t('licence')}: ${layer.licence}` : null));
}

function designationSymbol(layer) {
  const colour = COLOURS.designation[layer.status] ?? COLOURS.designation.official;
  return swatch(layer.status === 'reconstructed' ? 'hatched dashed' : 'solid', colour);
}

/**
 * Fills `element` for the current view. `sides` are the year choices shown (one per map, or the
 * two of an overlay), `units`/`stateLists` layers, `choropleth` `{layer, indicator, breaks}`.
 */
export function renderLegend(element, { sides, overlay, units, stateLists, choropleth, catalogue }) {
  const items = [];
  if (overlay) {
    for (const change of ['kept', 'added', 'removed']) {
      items.push(h('li', { 'data-change': change }, h('div', { class: 'legend-row' },
        swatch(change === 'removed' ? 'hatched' : 'solid', COLOURS.change[change]), h('span', { class: 'legend-title' }, t('change')[change]))));
    }
  }
  const seen = new Set();
  for (const side of sides) {
    if (!side || seen.has(side.layer.id)) continue;
    seen.add(side.layer.id);
    items.push(layerEntry(side.layer, designationSymbol(side.layer), yearLabel(side)));
    // Since 2025 the state lists are part of the municipal designation: shown with it, hatched,
    // as the 2025 policy's own map shows them, each with its own status and source.
    for (const list of catalogue.partsOf(side.layer)) {
      if (seen.has(list.id)) continue;
      seen.add(list.id);
      items.push(layerEntry(list, swatch('hatched', COLOURS.state), pick(list.title), side.layer));
    }
  }
  for (const layer of stateLists) {
    if (seen.has(layer.id)) continue;
    seen.add(layer.id);
    items.push(layerEntry(layer, swatch('hatched', COLOURS.state)));
  }
  for (const layer of units) items.push(layerEntry(layer, swatch('outline', COLOURS.unit)));
  if (choropleth) {
    const { indicator, breaks, layer } = choropleth;
    const edges = [null, ...breaks, null];
    const digits = breaks.some((value) => Math.abs(value) < 100) ? 1 : 0;
    const classes = COLOURS.ramp.slice(0, breaks.length + 1).map((colour, index) => {
      const low = edges[index];
      const high = edges[index + 1];
      const text = low == null ? `< ${number(high, digits)}` : high == null ? `≥ ${number(low, digits)}` : `${number(low, digits)} – ${number(high, digits)}`;
      return h('li', { class: 'legend-row' }, swatch('solid', colour), text);
    });
    classes.push(h('li', { class: 'legend-row', 'data-nodata': 'true' }, swatch('hatched', PATTERNS['hatch-nodata']), t('noData')));
    items.push(h('li', { class: 'choropleth-legend', 'data-indicator': indicator.id },
      h('div', { class: 'legend-title' }, `${pick(indicator.title)} (${pick(indicator.unit)}), ${choropleth.period ?? ''}`),
      h('div', { class: 'legend-source' }, `${t('indicatorOn')}: ${pick(layer.title)}`),
      h('ul', { class: 'classes' }, classes)));
  }
  const base = Object.values(catalogue.baseLayers());
  if (base.length) {
    const publishers = [...new Set(base.map((layer) => layer.source?.publisher).filter(Boolean))];
    items.push(h('li', { class: 'legend-base' }, h('div', { class: 'legend-row' }, swatch('solid', COLOURS.water),
      h('span', { class: 'legend-title' }, t('baseMap')), badge('official', statusWord('official'))),
    h('div', { class: 'legend-source' }, `${publishers.join(', ')} · ${base.map((layer) => layer.source?.vintage).filter(Boolean)[0] ?? ''}`)));
  }
  const reconstructed = sides.some((side) => side?.layer.status === 'reconstructed');
  fill(element,
    h('h2', {}, t('legendHeading')),
    h('ul', { class: 'legend-items' }, items),
    reconstructed ? h('p', { class: 'legend-note' }, t('reconstructedNote')) : null);
}
