// Unit tests of the front end's pure modules (no browser): the permalink, the year-to-layer
// rule and the choropleth classes. Run with `node --test web/tests/` (scripts/test-browser).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Catalogue } from '../src/catalogue.js';
import { quantileBreaks } from '../src/classes.js';
import { imageUrl } from '../src/images.js';
import { DEFAULT_VIEW, parse, serialise } from '../src/permalink.js';

const layer = (id, kind, validFrom, validTo, extra = {}) => ({
  id, kind, valid_from: validFrom, valid_to: validTo, status: 'official', feature_count: 5, title: { da: id, en: id }, ...extra,
});

const LAYERS = [
  layer('udsatte-byomraader-2011', 'municipal_designation', '2011-01-01', '2017-06-22', { status: 'reconstructed' }),
  layer('udsatte-byomraader-2017', 'municipal_designation', '2017-06-22', '2025-07-01'),
  layer('bydele-2023', 'admin_unit', null, null),
  layer('kommune-2023', 'admin_unit', null, null, { feature_count: 1 }),
];

test('a permalink round-trips every setting', () => {
  const state = parse('?mode=side&from=2011&to=2017&units=bydele-2023,roder-2023&indicator=population&period=2019&map=12.50/55.68000/12.55000&lang=en');
  assert.deepEqual(state, {
    mode: 'side', from: 2011, to: 2017, units: ['bydele-2023', 'roder-2023'], state: [], indicator: 'population',
    period: '2019', map: { zoom: 12.5, lat: 55.68, lon: 12.55 }, lang: 'en', version: null,
  });
  assert.deepEqual(parse(`?${serialise(state)}`), state);
});

test('a malformed permalink falls back to the defaults, setting by setting', () => {
  const state = parse('?mode=3d&from=1999&to=abc&units=<script>,bydele-2023&indicator=x;y&map=99/1/2&lang=fr');
  assert.equal(state.mode, 'swipe');
  assert.equal(state.from, 2011);
  assert.equal(state.to, 2025);
  assert.deepEqual(state.units, ['bydele-2023']);
  assert.equal(state.indicator, null);
  assert.deepEqual(state.map, DEFAULT_VIEW);
  assert.equal(state.lang, 'da');
});

test('2025 means the designation in force on 1 January 2025 until a 2025 layer exists', () => {
  const catalogue = new Catalogue({ data_version: 'v', layers: LAYERS }, { indicators: [], datasets: [] });
  assert.equal(catalogue.designationFor(2011).layer.id, 'udsatte-byomraader-2011');
  assert.equal(catalogue.designationFor(2011).inForceOn, null);
  assert.equal(catalogue.designationFor(2017).layer.id, 'udsatte-byomraader-2017');
  const in2025 = catalogue.designationFor(2025);
  assert.equal(in2025.layer.id, 'udsatte-byomraader-2017');
  assert.equal(in2025.inForceOn, '2025-01-01');
  assert.equal(catalogue.designationFor(2005), null);

  const imported = layer('udsatte-byomraader-2025', 'municipal_designation', '2025-07-01', null, { status: 'imported' });
  const withImport = new Catalogue({ data_version: 'v', layers: [...LAYERS, imported] }, { indicators: [], datasets: [] });
  assert.equal(withImport.designationFor(2025).layer.id, 'udsatte-byomraader-2025');
  assert.equal(withImport.designationFor(2025).inForceOn, null);
});

test('units leave out the municipality, which is the base map outline', () => {
  const catalogue = new Catalogue({ data_version: 'v', layers: LAYERS }, { indicators: [], datasets: [] });
  assert.deepEqual(catalogue.units().map((unit) => unit.id), ['bydele-2023']);
  assert.equal(catalogue.municipality().id, 'kommune-2023');
});

test('choropleth classes are ascending quintile limits without repeats', () => {
  assert.deepEqual(quantileBreaks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), [3, 5, 7, 9]);
  assert.deepEqual(quantileBreaks([5, 5, 5, 5, 9]), [9]);
  assert.deepEqual(quantileBreaks([7]), []);
  assert.deepEqual(quantileBreaks([3, null, Number.NaN, 1, 2, 4, 5]), [2, 3, 4, 5]);
});

test('the style draws reconstructed designations hatched and dashed, official ones solid', async () => {
  const { buildStyle } = await import('../src/style.js');
  const catalogue = new Catalogue({ data_version: 'v', layers: LAYERS }, { indicators: [], datasets: [] });
  const style = (designation) =>
    buildStyle({ catalogue, origin: 'http://kvarter.test', view: { designation }, units: [], stateLists: [], choropleth: null });
  const reconstructed = style(LAYERS[0]).layers;
  const fill = reconstructed.find((layer) => layer.id === 'designation-fill');
  const line = reconstructed.find((layer) => layer.id === 'designation-line');
  assert.equal(fill.paint['fill-pattern'], 'hatch-reconstructed');
  assert.deepEqual(line.paint['line-dasharray'], [3, 2]);
  const official = style(LAYERS[1]).layers;
  assert.equal(official.find((layer) => layer.id === 'designation-fill').paint['fill-pattern'], undefined);
  assert.equal(official.find((layer) => layer.id === 'designation-line').paint['line-dasharray'], undefined);
  const sources = style(LAYERS[1]).sources;
  assert.equal(sources.designation.url, 'http://kvarter.test/tiles/udsatte-byomraader-2017.json');
  assert.equal(style(LAYERS[1]).glyphs, 'http://kvarter.test/fonts/{fontstack}/{range}.pbf', 'glyphs from the service itself');
});

test('the map draws from style.json, the style of the server images, and the badges agree with it', async () => {
  const { buildStyle, hatchImage, STYLE } = await import('../src/style.js');
  const { readFileSync } = await import('node:fs');
  const catalogue = new Catalogue({ data_version: 'v', layers: LAYERS }, { indicators: [], datasets: [] });
  const layers = buildStyle({ catalogue, origin: 'http://kvarter.test', view: { designation: LAYERS[1] }, units: [LAYERS[2]], stateLists: [], choropleth: null }).layers;
  const paint = (id) => layers.find((layer) => layer.id === id).paint;
  assert.equal(paint('designation-fill')['fill-color'], STYLE.colours.designation.official);
  assert.equal(paint('designation-fill')['fill-opacity'], STYLE.fills.designation);
  assert.equal(paint('designation-line')['line-width'], STYLE.lines.designation.width);
  assert.equal(paint('unit-bydele-2023-line')['line-width'], STYLE.lines.unit.width);
  assert.equal(paint('background')['background-color'], STYLE.colours.land);
  // The hatch: 16×16 at pixel ratio 2, stripes 2 of every 8 device pixels, alpha 200 on 40.
  const hatch = hatchImage('#112233');
  assert.equal(hatch.width, STYLE.hatch.period * 4);
  assert.deepEqual([...hatch.data.slice(0, 4)], [0x11, 0x22, 0x33, Math.round(STYLE.hatch.stripe_opacity * 255)]);
  assert.equal(hatch.data[2 * 4 + 3], Math.round(STYLE.hatch.ground_opacity * 255));
  // base.css cannot import JSON: its badge colours must be style.json's.
  const css = readFileSync(new URL('../src/base.css', import.meta.url), 'utf8');
  for (const [status, badge] of Object.entries(STYLE.badges)) {
    assert.ok(css.includes(`--${status}-bg: ${badge.background}; --${status}-fg: ${badge.text};`), `${status} badge in base.css`);
    if (badge.dashed_border) assert.ok(css.includes(`border: 1px dashed ${badge.dashed_border}`), `${status} border`);
  }
});

test('a state estate list, when the data has one, is offered as a toggle and drawn hatched', async () => {
  const { buildStyle } = await import('../src/style.js');
  const estates = layer('estates-synthetic', 'state_designation', '2024-12-01', null, { status: 'synthetic' });
  const catalogue = new Catalogue({ data_version: 'v', layers: [...LAYERS, estates] }, { indicators: [], datasets: [] });
  assert.deepEqual(catalogue.stateLists().map((list) => list.id), ['estates-synthetic']);
  const style = buildStyle({
    catalogue, origin: 'http://kvarter.test', view: { designation: LAYERS[1] }, units: [], stateLists: catalogue.stateLists(), choropleth: null,
  });
  assert.equal(style.sources.state.url, 'http://kvarter.test/tiles/estates-synthetic.json');
  const ids = style.layers.map((layer) => layer.id);
  assert.ok(ids.includes('state-estates-synthetic-fill') && ids.includes('state-estates-synthetic-line'), ids.join(' '));
  const without = new Catalogue({ data_version: 'v', layers: LAYERS }, { indicators: [], datasets: [] });
  assert.deepEqual(without.stateLists(), [], 'no toggle without a state list');
});

test('the choropleth colours by class and hatches the areas without a value', async () => {
  const { buildStyle } = await import('../src/style.js');
  const catalogue = new Catalogue({ data_version: 'v', layers: LAYERS }, { indicators: [], datasets: [] });
  const choropleth = { layer: LAYERS[2], indicator: { id: 'population' }, period: '2019', breaks: [10, 20] };
  const style = buildStyle({ catalogue, origin: 'http://kvarter.test', view: { designation: LAYERS[1] }, units: [], stateLists: [], choropleth });
  assert.equal(style.sources.choropleth.url, 'http://kvarter.test/tiles/bydele-2023.json?indicators=population&period=2019');
  const fill = style.layers.find((layer) => layer.id === 'choropleth-fill');
  assert.deepEqual(fill.filter, ['has', 'population']);
  assert.equal(fill.paint['fill-color'][0], 'step');
  assert.equal(fill.paint['fill-color'].length, 2 + 1 + 2 * 2, 'step, input, first colour, two limits with colours');
  const nodata = style.layers.find((layer) => layer.id === 'choropleth-nodata');
  assert.deepEqual(nodata.filter, ['!', ['has', 'population']]);
  assert.equal(nodata.paint['fill-pattern'], 'hatch-nodata');
});

test('a 2025 layer names its state lists, and a list the designation it is part of', () => {
  const catalogue = new Catalogue({ data_version: 'x', layers: [
    ...LAYERS,
    layer('udsatte-byomraader-2025', 'municipal_designation', '2025-07-01', null, { state_lists: ['forebyggelsesomraader-2024'] }),
    layer('forebyggelsesomraader-2024', 'state_designation', '2024-12-01', '2025-12-01', { part_of: ['udsatte-byomraader-2025'] }),
  ] }, { indicators: [] });
  assert.deepEqual(catalogue.partsOf(catalogue.designationFor(2025).layer).map((l) => l.id), ['forebyggelsesomraader-2024']);
  assert.deepEqual(catalogue.partsOf(catalogue.layer('udsatte-byomraader-2017')), []);
  assert.deepEqual(catalogue.wholesOf(catalogue.layer('forebyggelsesomraader-2024')).map((l) => l.id), ['udsatte-byomraader-2025']);
  assert.deepEqual(catalogue.partsOf(null), []);
});

test('the image of a view: swipe and side are side, overlay is changes, one year alone is single', () => {
  const bounds = { west: 12.4512345, south: 55.6, east: 12.6, north: 55.7 };
  const query = (url) => Object.fromEntries(new URL(url, 'http://x').searchParams);
  const side = imageUrl(parse('?mode=swipe&from=2011&to=2025&units=bydele-2023&lang=en'), 'png', {
    bounds, size: { width: 5000, height: 100 }, scale: 2, units: ['bydele-2023'],
  });
  assert.ok(side.startsWith('/api/static/side.png?'), side);
  assert.deepEqual(query(side), {
    from: '2011', to: '2025', bbox: '12.45123,55.6,12.6,55.7', width: '4096', height: '200', scale: '2', units: 'bydele-2023', lang: 'en',
  });
  assert.match(side, /bbox=12\.45123,55\.6,/, 'commas stay commas');
  const changes = imageUrl(parse('?mode=overlay&from=2017&to=2025'), 'pdf', { paper: 'a4-landscape', size: { width: 900, height: 600 }, scale: 2 });
  assert.ok(changes.startsWith('/api/static/changes.pdf?'), changes);
  assert.deepEqual(query(changes), { from: '2017', to: '2025', paper: 'a4-landscape', lang: 'da' }, 'a paper replaces the size; a PDF has no scale');
  const single = imageUrl(parse('?mode=side&from=2011&to=2017'), 'png', { has: { from: false, to: true } });
  assert.ok(single.startsWith('/api/static/single.png?year=2017&'), single);
  assert.equal(imageUrl(parse('?mode=side'), 'png', { has: { from: false, to: false } }), null);
  const coloured = imageUrl(parse('?mode=side&from=2011&to=2025&state=statens-liste-2024&indicator=population'), 'png', {
    units: ['bydele-2023'], choropleth: { indicator: 'population', period: '2019' },
  });
  assert.deepEqual(query(coloured), {
    from: '2011', to: '2025', units: 'bydele-2023', state: 'statens-liste-2024', indicator: 'population', period: '2019', lang: 'da',
  }, 'the toggled state lists and the indicator with the period the map resolved go along');
});
