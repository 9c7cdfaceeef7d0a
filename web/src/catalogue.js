// What the service holds: its layers (with status, source, vintage and licence) and its
// indicators, and which designation layer a year picker means.

/** Fetches JSON from the API; a non-2xx answer throws with the API's error message. */
export async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const message = body?.detail ?? body?.error ?? `${response.status} ${response.statusText}`;
    throw new Error(`${path}: ${message}`);
  }
  return body;
}

/** The layers and indicators, fetched once at start. */
export async function loadCatalogue() {
  const [layers, indicators] = await Promise.all([getJson('/api/layers'), getJson('/api/indicators')]);
  return new Catalogue(layers, indicators);
}

/** Base-map layers by role; the style draws them in this order when the data has them. */
const BASE_ROLES = {
  water: 'vand-',
  parks: 'parker-',
  blocks: 'karreer-',
  streets: 'vejklasser-',
};

export class Catalogue {
  constructor(layers, indicators) {
    this.dataVersion = layers.data_version;
    this.layers = layers.layers;
    this.indicators = indicators.indicators ?? [];
    this.datasets = indicators.datasets ?? [];
  }

  layer(id) {
    return this.layers.find((layer) => layer.id === id) ?? null;
  }

  /** Municipal designation layers, oldest first. */
  designations() {
    return this.layers
      .filter((layer) => layer.kind === 'municipal_designation')
      .sort((a, b) => (a.valid_from ?? '').localeCompare(b.valid_from ?? ''));
  }

  /** State estate lists (shown as toggles when the data has any). */
  stateLists() {
    return this.layers.filter((layer) => layer.kind === 'state_designation');
  }

  /**
   * The state lists that count as part of the municipal designation `layer` (its `state_lists`:
   * the service applies the 2025 policy's rule, so the map never decides it), in catalogue order.
   */
  partsOf(layer) {
    const ids = layer?.state_lists ?? [];
    return this.layers.filter((candidate) => ids.includes(candidate.id));
  }

  /** The municipal designations the state list `layer` counts as part of (its `part_of`). */
  wholesOf(layer) {
    const ids = layer?.part_of ?? [];
    return this.layers.filter((candidate) => ids.includes(candidate.id));
  }

  /** Administrative units a planner can toggle (every unit layer except the municipality). */
  units() {
    return this.layers.filter((layer) => layer.kind === 'admin_unit' && layer.feature_count > 1);
  }

  /** The municipality outline (the admin unit with a single area). */
  municipality() {
    return this.layers.find((layer) => layer.kind === 'admin_unit' && layer.feature_count === 1) ?? null;
  }

  /** The bydele layer, labelled on the base map. */
  districts() {
    return this.layers.find((layer) => layer.kind === 'admin_unit' && layer.id.startsWith('bydele-')) ?? null;
  }

  /** The base-map layers by role (water, parks, blocks, streets); missing roles are left out. */
  baseLayers() {
    const roles = {};
    for (const [role, prefix] of Object.entries(BASE_ROLES)) {
      const layer = this.layers.find((candidate) => candidate.kind === 'base_map' && candidate.id.startsWith(prefix));
      if (layer) roles[role] = layer;
    }
    return roles;
  }

  /**
   * The designation a year picker means: the layer of that year's policy when there is one
   * (its `valid_from` falls in that year), otherwise the layer in force on 1 January of that
   * year, with `inForceOn` set so the map can say so. Null when neither exists.
   */
  designationFor(year) {
    const layers = this.designations();
    const edition = layers.find((layer) => Number((layer.valid_from ?? '').slice(0, 4)) === year);
    if (edition) return { year, layer: edition, inForceOn: null };
    const day = `${year}-01-01`;
    const inForce = layers.find(
      (layer) => layer.valid_from && layer.valid_from <= day && (!layer.valid_to || day < layer.valid_to),
    );
    return inForce ? { year, layer: inForce, inForceOn: day } : null;
  }

  /** Indicators the service has values for. */
  indicatorsWithData() {
    return this.indicators.filter((indicator) => indicator.has_data);
  }

  indicator(id) {
    return this.indicators.find((indicator) => indicator.id === id) ?? null;
  }

  dataset(id) {
    return this.datasets.find((dataset) => dataset.id === id) ?? null;
  }
}
