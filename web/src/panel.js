// The side panels: an area's details (name, layer, status, area, indicators with their
// provenance, and membership in each year's designation), and an address's designations.

import { getJson } from './catalogue.js';
import { badge, fill, h } from './dom.js';
import { number, pick, statusWord, t } from './i18n.js';

function provenance(source) {
  return [
    source.publisher || source.source ? h('div', {}, `${t('source')}: `, source.publisher ?? source.source) : null,
    source.vintage ? h('div', {}, `${t('vintage')}: `, source.vintage) : null,
    source.licence ? h('div', {}, `${t('licence')}: `, source.licence) : null,
  ];
}

function areaText(m2) {
  return `${number(m2, 0)} m² (${number(m2 / 10000, 1)} ${t('ha')})`;
}

function indicatorItem(indicator, catalogue) {
  const latest = indicator.latest;
  const unit = pick(indicator.unit);
  const dataset = catalogue.dataset(latest.dataset) ?? indicator.datasets?.find((d) => d.id === latest.dataset) ?? {};
  const estimated = latest.method === 'area_weighted';
  const weightIndicator = latest.weighting && latest.weighting !== 'area' ? catalogue.indicator(latest.weighting) : null;
  const weighting = weightIndicator
    ? `${t('weightedBy')} ${pick(weightIndicator.title).toLowerCase()}`
    : latest.weighting ? t('weightingArea') : '';
  return h('li', { class: 'indicator', 'data-indicator': indicator.id },
    h('div', { class: 'indicator-head' },
      h('span', { class: 'indicator-title' }, pick(indicator.title)),
      h('span', { class: 'indicator-value' }, `${estimated ? '≈ ' : ''}${number(latest.value, latest.value < 100 ? 1 : 0)} ${unit}`)),
    h('div', { class: 'indicator-meta' },
      `${t('period')} ${latest.period} · `, dataset.status ? badge(dataset.status, statusWord(dataset.status)) : null),
    h('div', { class: 'indicator-method' },
      estimated
        ? `${t('methodArea')} ${indicator.estimated_from ?? ''}${weighting ? ` (${weighting})` : ''}`
        : t('methodKey')),
    h('div', { class: 'indicator-source' }, `${t('source')}: ${dataset.publisher ?? ''}`),
    h('details', {}, h('summary', {}, `${t('vintage')} · ${t('licence')}`),
      h('div', {}, pick(dataset.title)), ...provenance({ vintage: dataset.vintage, licence: dataset.licence }),
      dataset.caveat ? h('div', { class: 'caveat' }, dataset.caveat) : null),
  );
}

function membership(designations) {
  return h('ul', { class: 'membership' }, designations.map((entry) => {
    const layer = entry.layer;
    const names = entry.areas.map((area) => area.name).join(', ');
    return h('li', { 'data-layer': layer.id, 'data-designated': entry.in_designation ? 'true' : 'false' },
      h('strong', {}, pick(layer.title)), ' ', badge(layer.status, statusWord(layer.status)), h('br'),
      entry.in_designation
        ? `${t('inDesignation')}: ${names} (${number(entry.share_of_area_designated * 100, 0)} % ${t('shareOfArea')})`
        : t('notDesignated'));
  }));
}

/** For an estate on a state list that is part of a municipal designation: which list made it designated. */
function designatedBy(layer, catalogue) {
  const wholes = catalogue.wholesOf(layer);
  if (!wholes.length) return null;
  return h('p', { class: 'designated-by', id: 'panel-designated-by', 'data-layer': layer.id },
    t('designatedByList')(pick(layer.title), statusWord(layer.status), wholes.map((whole) => pick(whole.title)).join(', ')));
}

/** Opens the area panel for feature `fid` of `layerId` and fills it from /api/areas. */
export async function showArea(panel, catalogue, layerId, fid, change) {
  const layer = catalogue.layer(layerId);
  panel.hidden = false;
  const body = panel.querySelector('.panel-body');
  fill(panel.querySelector('#panel-name'), t('loading'));
  fill(body);
  let answer;
  try {
    answer = await getJson(`/api/areas/${encodeURIComponent(layerId)}/${encodeURIComponent(fid)}`);
  } catch (error) {
    fill(panel.querySelector('#panel-name'), t('failed'));
    fill(body, h('p', { class: 'error' }, error.message));
    return;
  }
  const area = answer.area;
  fill(panel.querySelector('#panel-name'), area.name ?? area.id);
  const status = layer?.status ?? answer.layer?.status ?? 'official';
  const withData = answer.indicators.filter((indicator) => indicator.has_data && indicator.latest);
  const without = answer.indicators.filter((indicator) => !indicator.has_data || !indicator.latest);
  fill(body,
    change ? h('p', { class: `change-note change-${change}` }, `${t('changeHeading')}: ${t('change')[change]}`) : null,
    h('dl', { class: 'facts' },
      h('dt', {}, t('layer')), h('dd', { id: 'panel-layer', 'data-layer': layerId }, pick(layer?.title) || layerId),
      h('dt', {}, 'Status'), h('dd', {}, h('span', { id: 'panel-status', class: `badge ${status}`, 'data-status': status }, statusWord(status))),
      area.parent ? [h('dt', {}, t('parent')), h('dd', {}, area.parent)] : null,
      h('dt', {}, t('area')), h('dd', {}, areaText(area.area_m2)),
    ),
    layer?.confidence ? h('p', { class: 'caveat' }, layer.confidence) : null,
    designatedBy(layer, catalogue),
    h('details', { class: 'layer-source' }, h('summary', {}, `${t('source')} · ${t('licence')}`),
      ...provenance({ ...layer?.source, licence: layer?.licence })),
    h('h3', {}, t('membership')),
    membership(answer.designations),
    h('h3', {}, t('indicators')),
    withData.length ? h('ul', { class: 'indicators' }, withData.map((indicator) => indicatorItem(indicator, catalogue))) : h('p', {}, t('noData')),
    without.length
      ? h('details', { class: 'without' }, h('summary', {}, `${t('indicatorsWithout')} (${without.length})`),
        h('ul', {}, without.map((indicator) => h('li', {}, h('strong', {}, pick(indicator.title)), ': ', pick(indicator.no_data) || t('noData')))))
      : null,
  );
}

/**
 * Fills the address panel: for each year picker, whether the point is in that year's
 * designation, from a lookup answer (`areas` of a search result or /api/lookup).
 */
export function showAddress(panel, catalogue, years, result, answer) {
  panel.hidden = false;
  const rows = years.map((year) => {
    const choice = catalogue.designationFor(year);
    const label = choice?.inForceOn ? t('onDate')(year) : t('inYear')(year);
    let text = t('noLayerForYear')(year);
    let designated = false;
    if (choice) {
      const group = answer.designations
        .find((candidate) => candidate.layers.some((member) => member.layer.id === choice.layer.id));
      const entry = group?.layers.find((candidate) => candidate.layer.id === choice.layer.id);
      // The state lists answered as part of this designation (the 2025 policy) count too.
      const lists = (group?.layers ?? []).filter((member) => member.part_of === choice.layer.id && member.designated);
      designated = Boolean(entry?.designated) || lists.length > 0;
      text = designated
        ? [...(entry?.areas ?? []).map((area) => area.name),
          ...lists.flatMap((list) => list.areas.map((area) =>
            `${area.name ?? area.id} (${t('onList')(pick(list.layer.title))}, ${statusWord(list.layer.status)})`))].join(', ')
        : t('notDesignated');
    }
    return h('li', { 'data-year': year, 'data-designated': designated ? 'true' : 'false' },
      h('span', { class: 'year' }, `${label}: `), h('strong', {}, text),
      choice ? [' ', badge(choice.layer.status, statusWord(choice.layer.status))] : null);
  });
  fill(panel,
    h('div', { class: 'panel-head' },
      h('h2', {}, result.text),
      h('button', { type: 'button', class: 'close', 'aria-label': t('close'), onclick: () => { panel.hidden = true; } }, '×')),
    h('ul', { class: 'address-years' }, rows));
}
