// Class limits for the choropleth.

/**
 * The quintile limits of `values` (non-numbers ignored): up to four ascending limits, so a
 * MapLibre `step` expression gets up to five classes. Repeated limits are dropped, and so is a
 * limit equal to the smallest value (its class would be empty).
 */
export function quantileBreaks(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length < 2) return [];
  const limits = [1, 2, 3, 4].map((i) => sorted[Math.floor((i * sorted.length) / 5)]);
  return [...new Set(limits)].filter((limit) => limit > sorted[0]);
}
