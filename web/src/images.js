// The finished map image of the view on screen: `GET /api/static/{view}.{png|pdf}` with the
// permalink's settings translated to the image's parameters. Used by the download links, the
// image link of the embed tools and the print page.
//
//   swipe, side → side (from, to)     overlay → changes (from, to)     one year only → single
//
// The units, the toggled state lists and the indicator choropleth (with the period the map
// resolved) go along, so the image shows what the map does.

/** The image endpoint's smallest and largest side, in CSS pixels. */
export const MIN_SIDE = 200;
export const MAX_SIDE = 4096;

/** Degrees rounded to 5 decimals (about a metre): short links that still match the map. */
const degrees = (value) => Number(value.toFixed(5));

const clamp = (value) => Math.min(Math.max(Math.round(value), MIN_SIDE), MAX_SIDE);

/**
 * The image view and its designations for `state`: `{ view, params }` with `params` as
 * [name, value] pairs. `has` says which of `from` and `to` have a designation; a view with only
 * one is a single map of it, one with none has no image (null).
 */
export function imageView(state, has = { from: true, to: true }) {
  if (has.from && has.to) {
    return { view: state.mode === 'overlay' ? 'changes' : 'side', params: [['from', state.from], ['to', state.to]] };
  }
  const year = has.from ? state.from : has.to ? state.to : null;
  return year === null ? null : { view: 'single', params: [['year', year]] };
}

/**
 * The URL (path and query) of the image of `state` in `format` (`png`, `svg` or `pdf`), or null
 * when the view has no designation to show.
 *
 * - `bounds`: `{ west, south, east, north }` of one map panel; omitted, the image fits the
 *   designations.
 * - `size`: `{ width, height }` of the map area on screen, clamped to 200–4096; or
 * - `paper`: `a4-landscape` etc. instead of a size.
 * - `scale`: the PNG's pixel ratio.
 * - `units`: the unit layers shown (ids).
 * - `choropleth`: `{ indicator, period }` (ids) of the indicator the map colours by, if any.
 */
export function imageUrl(state, format, { has, bounds, size, paper, scale, units = [], choropleth = null } = {}) {
  const chosen = imageView(state, has);
  if (!chosen) return null;
  const query = new URLSearchParams();
  for (const [name, value] of chosen.params) query.set(name, String(value));
  if (bounds) {
    query.set('bbox', [bounds.west, bounds.south, bounds.east, bounds.north].map(degrees).join(','));
  }
  if (paper) {
    query.set('paper', paper);
  } else if (size) {
    query.set('width', String(clamp(size.width)));
    query.set('height', String(clamp(size.height)));
  }
  if (scale && format === 'png') query.set('scale', String(scale));
  if (units.length) query.set('units', units.join(','));
  if (state.state.length) query.set('state', state.state.join(','));
  if (choropleth) {
    query.set('indicator', choropleth.indicator);
    if (choropleth.period) query.set('period', choropleth.period);
  }
  query.set('lang', state.lang);
  return `/api/static/${chosen.view}.${format}?${query.toString().replaceAll('%2C', ',')}`;
}
