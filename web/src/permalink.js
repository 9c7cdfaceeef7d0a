// The view in the URL: every setting a planner can change is a query parameter, so a link or
// a reload brings back the same map. The same parameters drive /embed.
//
//   mode=swipe|side|overlay  from=2011  to=2025  units=bydele-2023,roder-2023
//   indicator=population  period=2019  map=zoom/lat/lon  lang=da|en

export const MODES = ['swipe', 'side', 'overlay'];
export const YEARS = [2011, 2017, 2025];

/** Copenhagen's city hall square at a zoom that shows the whole municipality. */
export const DEFAULT_VIEW = { zoom: 11, lat: 55.676, lon: 12.5683 };

/** The state held by a query string, with defaults for what is missing or malformed. */
export function parse(search) {
  const query = new URLSearchParams(search);
  const year = (name, fallback) => {
    const value = Number(query.get(name));
    return YEARS.includes(value) ? value : fallback;
  };
  const list = (name) =>
    (query.get(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => /^[a-z0-9-]+$/.test(item));
  const mode = query.get('mode');
  return {
    mode: MODES.includes(mode) ? mode : 'swipe',
    from: year('from', 2011),
    to: year('to', 2025),
    units: [...new Set(list('units'))],
    state: [...new Set(list('state'))],
    indicator: /^[a-z0-9_]+$/.test(query.get('indicator') ?? '') ? query.get('indicator') : null,
    period: /^[0-9A-Za-z-]+$/.test(query.get('period') ?? '') ? query.get('period') : null,
    map: parseView(query.get('map')),
    lang: query.get('lang') === 'en' ? 'en' : 'da',
    version: query.get('v'),
  };
}

function parseView(text) {
  const [zoom, lat, lon] = (text ?? '').split('/').map(Number);
  const valid =
    Number.isFinite(zoom) && zoom >= 0 && zoom <= 22 &&
    Number.isFinite(lat) && Math.abs(lat) <= 85 &&
    Number.isFinite(lon) && Math.abs(lon) <= 180;
  return valid ? { zoom, lat, lon } : { ...DEFAULT_VIEW };
}

/** The query string for `state` (without the '?'); defaults are written too, so links are explicit. */
export function serialise(state, extra = {}) {
  const query = new URLSearchParams();
  query.set('mode', state.mode);
  query.set('from', String(state.from));
  query.set('to', String(state.to));
  if (state.units.length) query.set('units', state.units.join(','));
  if (state.state.length) query.set('state', state.state.join(','));
  if (state.indicator) query.set('indicator', state.indicator);
  if (state.indicator && state.period) query.set('period', state.period);
  const { zoom, lat, lon } = state.map;
  query.set('map', `${zoom.toFixed(2)}/${lat.toFixed(5)}/${lon.toFixed(5)}`);
  query.set('lang', state.lang);
  for (const [key, value] of Object.entries(extra)) query.set(key, value);
  return query.toString().replaceAll('%2C', ',').replaceAll('%2F', '/');
}
