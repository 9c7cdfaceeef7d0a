// Kvarter's map: compare the designations of udsatte byområder between years (swipe, side by
// side, or the change layer), with unit outlines, an indicator choropleth, address search, an
// area panel, a permalink in the URL and a locked embed view (/embed, same parameters).
//
// Everything comes from the service it is served by: tiles, glyphs, layers, indicators,
// search. `window.kvarter` exposes the maps and an `idle()` promise for the browser tests.

import maplibregl from 'maplibre-gl';
import Compare from '@maplibre/maplibre-gl-compare';
import syncMove from '@mapbox/mapbox-gl-sync-move';
import './app.css';

import { getJson, loadCatalogue } from './catalogue.js';
import { quantileBreaks } from './classes.js';
import { badge, fill, h } from './dom.js';
import { LANGUAGES, language, pick, setLanguage, statusWord, t, translateDocument, yearLabel } from './i18n.js';
import { imageUrl } from './images.js';
import { renderLegend } from './legend.js';
import { showAddress, showArea } from './panel.js';
import { MODES, YEARS, parse, serialise } from './permalink.js';
import { attachSearch } from './search.js';
import { PATTERNS, buildStyle, clickableLayers, hatchImage } from './style.js';

const embed = document.body.dataset.page === 'embed';
const origin = window.location.origin;
const state = parse(window.location.search);
setLanguage(state.lang);

let catalogue = null;
let maps = [];
let compare = null;
let unsync = null;
let markers = [];
let lastArea = null;
let lastAddress = null;
/** The choropleth the maps show (indicator, period, layer), for the image links; null without one. */
let shownChoropleth = null;
const breaks = new Map();

let resolveStarted;
const started = new Promise((resolve) => { resolveStarted = resolve; });
let rendering = Promise.resolve();

const $ = (selector) => document.querySelector(selector);

window.kvarter = {
  get maps() { return maps; },
  get compare() { return compare; },
  state: () => JSON.parse(JSON.stringify(state)),
  idle,
};

/** Resolves when the app has started, finished its last change, and every map is idle. */
async function idle() {
  await started;
  await rendering;
  await new Promise((resolve) => requestAnimationFrame(resolve));
  await Promise.all(maps.map((map) => new Promise((resolve) => {
    if (map.loaded() && !map.isMoving()) resolve();
    else map.once('idle', resolve);
  })));
}

/** Re-renders after a change; changes run one after another. */
function update(options = {}) {
  rendering = rendering.then(() => render(options)).catch((error) => showError(error));
  return rendering;
}

function showError(error) {
  console.error(error);
  const note = $('#app-error');
  if (note) {
    note.hidden = false;
    note.textContent = `${t('failed')}: ${error.message}`;
  }
}

// ---- what the state means --------------------------------------------------------------

function units() {
  return state.units.map((id) => catalogue.layer(id)).filter((layer) => layer?.kind === 'admin_unit');
}

function stateLists() {
  return state.state.map((id) => catalogue.layer(id)).filter((layer) => layer?.kind === 'state_designation');
}

async function choropleth() {
  if (!state.indicator) return null;
  const indicator = catalogue.indicator(state.indicator);
  if (!indicator?.has_data) return null;
  const layer = units()[0] ?? catalogue.districts();
  if (!layer) return null;
  const periods = indicator.periods ?? [];
  const period = periods.includes(state.period) ? state.period : periods.at(-1);
  const key = `${layer.id}|${indicator.id}|${period}`;
  if (!breaks.has(key)) {
    const query = `indicators=${encodeURIComponent(indicator.id)}&period=${encodeURIComponent(period)}`;
    breaks.set(key, getJson(`/api/layers/${encodeURIComponent(layer.id)}/indicators?${query}`)
      .then((table) => quantileBreaks(table.rows.map((row) => row.value)))
      .catch((error) => {
        breaks.delete(key); // a failed request is asked again next time
        throw error;
      }));
  }
  return { layer, indicator, period, breaks: await breaks.get(key) };
}

function sides() {
  const from = catalogue.designationFor(state.from);
  const to = catalogue.designationFor(state.to);
  return { from, to };
}

// ---- the maps ------------------------------------------------------------------------

/** The state lists a map draws: those toggled on, and those that are part of the designation it shows. */
function listsFor(view, shared) {
  const shown = view.designation ? [view.designation] : view.change ? [view.change.from, view.change.to] : [];
  const all = [...shared.stateLists, ...shown.flatMap((layer) => catalogue.partsOf(layer))];
  return all.filter((layer, index) => all.findIndex((other) => other.id === layer.id) === index);
}

function styleFor(view, shared) {
  return buildStyle({ catalogue, origin, view, ...shared, stateLists: listsFor(view, shared) });
}

function createMap(container, style, label, attribution) {
  const map = new maplibregl.Map({
    container,
    style,
    center: [state.map.lon, state.map.lat],
    zoom: state.map.zoom,
    minZoom: 9,
    maxZoom: 19,
    interactive: !embed,
    attributionControl: attribution === false ? false : { compact: true, customAttribution: attribution },
    canvasContextAttributes: { preserveDrawingBuffer: true },
    locale: { 'NavigationControl.ZoomIn': language() === 'da' ? 'Zoom ind' : 'Zoom in',
      'NavigationControl.ZoomOut': language() === 'da' ? 'Zoom ud' : 'Zoom out',
      'NavigationControl.ResetBearing': language() === 'da' ? 'Nulstil retning' : 'Reset bearing' },
  });
  // Start with the (long) attribution folded; the (i) button opens it.
  map.once('load', () => {
    const control = container.querySelector('.maplibregl-ctrl-attrib');
    control?.classList.remove('maplibregl-compact-show');
    control?.removeAttribute('open');
  });
  container.setAttribute('role', 'region');
  container.setAttribute('aria-label', label);
  map.on('styleimagemissing', (event) => {
    if (PATTERNS[event.id] && !map.hasImage(event.id)) {
      map.addImage(event.id, hatchImage(PATTERNS[event.id]), { pixelRatio: 2 });
    }
  });
  if (!embed) {
    map.on('click', (event) => onClick(map, event));
    for (const layer of ['designation-fill', 'change-fill', 'change-removed']) {
      map.on('mouseenter', layer, () => { map.getCanvas().style.cursor = 'pointer'; });
      map.on('mouseleave', layer, () => { map.getCanvas().style.cursor = ''; });
    }
    map.on('moveend', () => {
      const center = map.getCenter();
      state.map = { zoom: map.getZoom(), lat: center.lat, lon: center.lng };
      writeUrl();
    });
  }
  return map;
}

function removeMaps() {
  compare?.remove();
  compare = null;
  unsync?.();
  unsync = null;
  markers.forEach((marker) => marker.remove());
  markers = [];
  maps.forEach((map) => map.remove());
  maps = [];
}

function buildMaps(views, shared) {
  removeMaps();
  const container = $('#maps');
  container.className = `maps mode-${state.mode}`;
  container.replaceChildren();
  const labels = state.mode === 'overlay' ? [t('mapOverlay')] : [t('mapA'), t('mapB')];
  // In swipe mode the maps lie on top of each other: one attribution, on the right map,
  // names the left map's designation layer too.
  const left = views[0].designation;
  const attributions = state.mode === 'swipe'
    ? [false, left ? `${pick(left.title)}: ${left.source?.publisher ?? ''}, ${left.licence ?? ''}` : undefined]
    : [];
  maps = views.map((view, index) => {
    const element = h('div', { class: 'map', id: `map-${index}` });
    container.append(element);
    return createMap(element, styleFor(view, shared), labels[index], attributions[index]);
  });
  if (!embed) maps.at(-1).addControl(new maplibregl.NavigationControl({ showCompass: false }), 'bottom-right');
  maps[0].addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  if (state.mode === 'swipe') {
    compare = new Compare(maps[0], maps[1], container, {});
    const handle = container.querySelector('.compare-swiper-vertical');
    const describe = () => {
      handle?.setAttribute('aria-valuenow', String(Math.round(compare.currentPosition)));
      handle?.setAttribute('aria-valuemax', String(container.clientWidth));
    };
    handle?.setAttribute('role', 'slider');
    handle?.setAttribute('aria-label', t('modeSwipe'));
    handle?.setAttribute('aria-valuemin', '0');
    handle?.setAttribute('tabindex', '0');
    describe();
    compare.on('slideend', describe);
    handle?.addEventListener('keydown', (event) => {
      const step = event.key === 'ArrowLeft' ? -40 : event.key === 'ArrowRight' ? 40 : 0;
      if (step && compare) {
        event.preventDefault();
        compare.setSlider(Math.min(Math.max(compare.currentPosition + step, 0), container.clientWidth));
        describe();
      }
    });
  } else if (state.mode === 'side') {
    unsync = syncMove(maps[0], maps[1]);
  }
  for (const [index, view] of views.entries()) {
    container.append(h('div', { class: `year-label year-label-${index}`, 'data-year': view.year ?? '' }, view.label));
  }
}

function viewsFor(from, to) {
  if (state.mode === 'overlay') {
    if (!from || !to) return [{ label: yearLabel(from ?? to, state.from), designation: (from ?? to)?.layer }];
    return [{ label: `${yearLabel(from, state.from)} → ${yearLabel(to, state.to)}`, change: { from: from.layer, to: to.layer } }];
  }
  return [
    { year: state.from, label: yearLabel(from, state.from), designation: from?.layer },
    { year: state.to, label: yearLabel(to, state.to), designation: to?.layer },
  ];
}

async function render({ rebuild = false } = {}) {
  const { from, to } = sides();
  const shared = { units: units(), stateLists: stateLists(), choropleth: await choropleth() };
  shownChoropleth = shared.choropleth;
  const views = viewsFor(from, to);
  if (rebuild || maps.length !== views.length) {
    buildMaps(views, shared);
  } else {
    views.forEach((view, index) => maps[index].setStyle(styleFor(view, shared), { diff: true }));
    const container = $('#maps');
    container.querySelectorAll('.year-label').forEach((element, index) => {
      element.textContent = views[index]?.label ?? '';
      element.dataset.year = views[index]?.year ?? '';
    });
  }
  renderLegend($('#legend'), {
    sides: [from, to], overlay: state.mode === 'overlay', units: shared.units, stateLists: shared.stateLists,
    choropleth: shared.choropleth, catalogue,
  });
  yearNote(from, to);
  printHeader(from, to, shared);
  if (!embed) {
    syncControls(shared.choropleth);
    writeUrl();
  }
}

function yearNote(from, to) {
  const note = $('#year-note');
  const inForce = [from, to].find((choice) => choice?.inForceOn);
  note.hidden = !inForce;
  note.textContent = inForce ? t('yearNote')(inForce.year, pick(inForce.layer.title)) : '';
}

/** A layer's title with its status, unless the title already says it ("… (rekonstrueret)"). */
function withStatus(layer) {
  const title = pick(layer.title);
  const status = statusWord(layer.status);
  return title.includes(status) ? title : `${title} (${status})`;
}

/** The print page's header (title, years, date, data version) and footer (every source shown). */
function printHeader(from, to, shared) {
  const header = $('#print-header');
  if (!header) return;
  const joined = [from?.layer, to?.layer].flatMap((layer) => catalogue.partsOf(layer));
  const shown = [from?.layer, to?.layer, ...joined, ...shared.units, ...shared.stateLists, ...Object.values(catalogue.baseLayers())]
    .filter((layer, index, all) => layer && all.indexOf(layer) === index);
  const datasets = shared.choropleth
    ? (shared.choropleth.indicator.datasets ?? []).map((id) => catalogue.dataset(id)).filter(Boolean)
    : [];
  fill($('#print-footer'),
    h('p', {}, h('strong', {}, `${t('source')}: `),
      [...shown.map((layer) => `${withStatus(layer)}: ${layer.source?.publisher ?? ''}, ${layer.source?.vintage ?? ''}, ${layer.licence ?? ''}`),
        ...datasets.map((dataset) => `${pick(dataset.title)}: ${dataset.publisher ?? ''}, ${dataset.licence ?? ''}`)].join(' · ')),
    h('p', {}, `Kvarter · MapLibre GL JS · ${origin}`));
  fill(header,
    h('h1', {}, t('appTitle')),
    h('p', {}, `${yearLabel(from, state.from)} · ${yearLabel(to, state.to)}`),
    h('p', {}, `${t('printed')} ${new Date().toLocaleDateString(language() === 'da' ? 'da-DK' : 'en-GB')} · ${t('dataVersion')} ${catalogue.dataVersion}`));
}

function writeUrl() {
  const query = serialise(state);
  if (window.location.search !== `?${query}`) {
    window.history.replaceState(null, '', `${window.location.pathname}?${query}`);
  }
  const code = $('#embed-code');
  if (code) code.value = embedCode();
  writeImageLinks();
}

/**
 * The URL (path and query) of the server-rendered image of the view on screen (images.js): the
 * mode's view, the years, the units, the language and the visible bounds of one map (in side
 * mode the panels are synced), at the size of the map area unless `options` give a paper.
 */
function viewImage(format, options = {}) {
  const { from, to } = sides();
  const bounds = maps[0]?.getBounds();
  const area = $('#maps');
  return imageUrl(state, format, {
    has: { from: Boolean(from), to: Boolean(to) },
    bounds: bounds && { west: bounds.getWest(), south: bounds.getSouth(), east: bounds.getEast(), north: bounds.getNorth() },
    size: { width: area.clientWidth, height: area.clientHeight },
    units: units().map((layer) => layer.id),
    choropleth: shownChoropleth && { indicator: shownChoropleth.indicator.id, period: shownChoropleth.period },
    ...options,
  });
}

/** The print page's image: the view on an A4 landscape sheet, at twice the resolution. */
const printImageUrl = () => viewImage('png', { paper: 'a4-landscape', scale: 2 });

let printImageTimer = null;

/**
 * Points the download links, the image link and the print image at the view on screen. The
 * print image follows a second after the view settles (a render each time the map stops would
 * be wasted while panning), so it is loaded before anyone prints; the Print button and
 * `beforeprint` bring it up to date at once.
 */
function writeImageLinks() {
  const png = viewImage('png', { scale: 2 });
  const pdf = viewImage('pdf', { paper: 'a4-landscape' });
  for (const [selector, url] of [['#download-png', png], ['#download-pdf', pdf]]) {
    const link = $(selector);
    if (!link) continue;
    if (url) link.href = url;
    else link.removeAttribute('href');
    link.setAttribute('aria-disabled', String(!url));
  }
  const field = $('#image-link');
  if (field) field.value = png ? origin + png : '';
  if (!png) document.body.classList.remove('print-as-image');
  clearTimeout(printImageTimer);
  printImageTimer = setTimeout(setPrintImage, 1000);
}

/** Loads the print image of the view on screen, unless it shows that already. */
function setPrintImage() {
  clearTimeout(printImageTimer);
  const image = $('#print-image');
  const url = maps.length ? printImageUrl() : null;
  if (!image || !url) return;
  image.alt = `${t('appTitle')}: ${[...document.querySelectorAll('#maps .year-label')].map((label) => label.textContent).join(' · ')}`;
  if (image.getAttribute('src') !== url) image.src = url;
}

/** Resolves when the print image shows the view on screen (or could not be loaded). */
async function printImageReady() {
  setPrintImage();
  const image = $('#print-image');
  if (!image?.getAttribute('src')) return;
  await image.decode().then(markPrintImage, () => document.body.classList.remove('print-as-image'));
}

/** The print page shows the image when the loaded one is of the view on screen. */
function markPrintImage() {
  const image = $('#print-image');
  const current = image.complete && image.naturalWidth > 0 && image.getAttribute('src') === printImageUrl();
  document.body.classList.toggle('print-as-image', current);
}

function embedCode() {
  const url = `${origin}/embed?${serialise(state, { v: catalogue.dataVersion })}`;
  const title = t('appTitle').replaceAll('"', '&quot;');
  return `<iframe src="${url.replaceAll('&', '&amp;')}" title="${title}" width="800" height="560" style="border:0" loading="lazy"></iframe>`;
}

// ---- clicks and search -----------------------------------------------------------------

async function onClick(map, event) {
  const layers = clickableLayers(map);
  const features = map.queryRenderedFeatures(event.point, { layers });
  for (const id of layers) {
    const feature = features.find((candidate) => candidate.layer.id === id);
    if (!feature) continue;
    const p = feature.properties;
    if (p.change) {
      const removed = p.change === 'removed';
      lastArea = { layer: removed ? p.from_layer : p.to_layer, id: removed ? p.from_id : p.to_id, change: p.change };
      // A designation compared as a whole names a state list's estate `<list id>/<area id>`.
      const slash = lastArea.id?.indexOf('/') ?? -1;
      if (slash > 0 && catalogue.layer(lastArea.id.slice(0, slash))) {
        lastArea = { ...lastArea, layer: lastArea.id.slice(0, slash), id: lastArea.id.slice(slash + 1) };
      }
    } else {
      lastArea = { layer: p.layer, id: p.id, change: null };
    }
    await showArea($('#panel'), catalogue, lastArea.layer, lastArea.id, lastArea.change);
    return;
  }
  $('#panel').hidden = true;
  lastArea = null;
}

async function chooseAddress(result) {
  const [lon, lat] = result.point;
  markers.forEach((marker) => marker.remove());
  markers = maps.map((map) => new maplibregl.Marker({ color: '#111827' }).setLngLat([lon, lat]).addTo(map));
  markers.forEach((marker) => marker.getElement().setAttribute('aria-label', `${t('marker')}: ${result.text}`));
  const zoom = Math.max(maps[0].getZoom(), result.type === 'address' ? 16 : 14);
  const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  if (still) maps[0].jumpTo({ center: [lon, lat], zoom });
  else maps[0].flyTo({ center: [lon, lat], zoom, duration: 900, essential: true });
  let answer = result.areas;
  if (!answer?.designations) answer = await getJson(`/api/lookup?lon=${lon}&lat=${lat}`);
  lastAddress = { result, answer };
  showAddress($('#address-panel'), catalogue, YEARS, result, answer);
}

// ---- controls --------------------------------------------------------------------------

function applyLanguage() {
  document.title = t('appTitle');
  // The switch names the other language, in that language.
  document.querySelector('#lang')?.setAttribute('lang', LANGUAGES.find((lang) => lang !== language()));
  translateDocument();
}

function buildControls() {
  for (const mode of MODES) {
    $(`#mode-${mode}`).addEventListener('click', () => {
      if (state.mode === mode) return;
      state.mode = mode;
      update({ rebuild: true });
    });
  }
  for (const [id, key] of [['#year-from', 'from'], ['#year-to', 'to']]) {
    const select = $(id);
    fill(select, YEARS.map((year) => h('option', { value: year, disabled: !catalogue.designationFor(year) }, String(year))));
    select.addEventListener('change', () => {
      state[key] = Number(select.value);
      update();
    });
  }
  const toggles = (box, layers, prefix, key) => {
    for (const layer of layers) {
      const id = `${prefix}-toggle-${layer.id}`;
      box.append(h('div', { class: 'toggle' },
        h('input', { type: 'checkbox', id, value: layer.id, onchange: (event) => {
          state[key] = event.target.checked ? [...state[key], layer.id] : state[key].filter((shown) => shown !== layer.id);
          update();
        } }),
        h('label', { for: id }, ...toggleLabel(layer))));
    }
  };
  toggles($('#units'), catalogue.units(), 'unit', 'units');
  $('#state-lists').hidden = catalogue.stateLists().length === 0;
  toggles($('#state-lists'), catalogue.stateLists(), 'state', 'state');
  $('#indicator').addEventListener('change', (event) => {
    state.indicator = event.target.value || null;
    state.period = null;
    update();
  });
  $('#period').addEventListener('change', (event) => {
    state.period = event.target.value || null;
    update();
  });
  $('#lang').addEventListener('click', () => {
    state.lang = LANGUAGES.find((lang) => lang !== state.lang);
    setLanguage(state.lang);
    relabel();
  });
  $('#copy-embed').addEventListener('click', async () => {
    const code = $('#embed-code');
    code.value = embedCode();
    code.hidden = false;
    code.select();
    try {
      await navigator.clipboard.writeText(code.value);
      $('#copy-status').textContent = t('copied');
    } catch {
      $('#copy-status').textContent = t('copyManually');
    }
  });
  $('#print').addEventListener('click', async () => {
    await printImageReady();
    window.print();
  });
  $('#copy-image').addEventListener('click', async () => {
    const field = $('#image-link');
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      $('#copy-status').textContent = t('copied');
    } catch {
      $('#copy-status').textContent = t('copyManually');
    }
  });
  // The print page shows the image once it has loaded, and the live maps when it cannot be.
  $('#print-image').addEventListener('load', markPrintImage);
  $('#print-image').addEventListener('error', () => document.body.classList.remove('print-as-image'));
  $('#panel .close').addEventListener('click', () => { $('#panel').hidden = true; lastArea = null; });
  attachSearch($('#search'), $('#search-results'), $('#search-status'), (result) => chooseAddress(result).catch(showError));
  $('#data-version').textContent = catalogue.dataVersion;
}

/** Puts the controls in line with the state (after a load from the URL, or any change). */
function syncControls(choice) {
  for (const mode of MODES) $(`#mode-${mode}`).setAttribute('aria-pressed', String(state.mode === mode));
  $('#year-from').value = String(state.from);
  $('#year-to').value = String(state.to);
  for (const input of document.querySelectorAll('#units input, #state-lists input')) {
    input.checked = state.units.includes(input.value) || state.state.includes(input.value);
  }
  const indicators = catalogue.indicatorsWithData();
  fill($('#indicator'), h('option', { value: '' }, t('indicatorNone')),
    indicators.map((indicator) => h('option', { value: indicator.id }, pick(indicator.title))));
  $('#indicator').value = state.indicator ?? '';
  const period = $('#period');
  period.hidden = !choice;
  fill(period, (choice?.indicator.periods ?? []).map((value) => h('option', { value }, value)));
  if (choice) period.value = choice.period;
}

/** A layer toggle's label: the layer's title and its status badge. */
function toggleLabel(layer) {
  return [pick(layer.title), ' ', badge(layer.status, statusWord(layer.status))];
}

/** After a language switch: texts, legend, labels and open panels in the new language. */
function relabel() {
  applyLanguage();
  for (const label of document.querySelectorAll('#units label, #state-lists label')) {
    const layer = catalogue.layer(label.htmlFor.replace(/^(unit|state)-toggle-/, ''));
    if (layer) fill(label, ...toggleLabel(layer));
  }
  update();
  if (lastArea) showArea($('#panel'), catalogue, lastArea.layer, lastArea.id, lastArea.change);
  if (lastAddress) showAddress($('#address-panel'), catalogue, YEARS, lastAddress.result, lastAddress.answer);
}

async function start() {
  applyLanguage();
  catalogue = await loadCatalogue();
  if (embed) {
    if (state.version && state.version !== catalogue.dataVersion) {
      const stale = $('#embed-stale');
      stale.hidden = false;
      stale.textContent = t('embedStale');
    }
  } else {
    buildControls();
  }
  await update({ rebuild: true });
  resolveStarted();
}

// A real print shows the server-rendered image of the view (its title, legend and sources
// included); when the image cannot show the view, the live maps with their attribution
// unfolded, and the footer lists every source as well.
window.addEventListener('beforeprint', () => {
  if (!embed) setPrintImage();
  for (const details of document.querySelectorAll('details.maplibregl-ctrl-attrib')) details.open = true;
});

start().catch((error) => {
  showError(error);
  resolveStarted();
});
