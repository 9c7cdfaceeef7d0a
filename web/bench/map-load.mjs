// How fast the map is ready in a browser: for each view, open it RUNS times in a fresh browser
// context (empty cache) and measure the time from navigation to the first moment every map is
// idle (`window.kvarter.idle()`), and the bytes the page transferred. Software WebGL
// (SwiftShader) on this machine's 2 cores: the times are an upper bound of a real desktop.
//
//   scripts/bench-map        (builds the release binary, prints a Markdown table)

import { launchBrowser, startServer } from '../tests/support.mjs';

const RUNS = Number(process.env.RUNS ?? 5);
const VIEWS = [
  ['swipe 2011 vs 2025, whole city', '/?mode=swipe&from=2011&to=2025&map=11.00/55.6760/12.5683'],
  ['side by side, whole city', '/?mode=side&from=2011&to=2025&map=11.00/55.6760/12.5683'],
  ['changes overlay, whole city', '/?mode=overlay&from=2011&to=2025&map=11.00/55.6760/12.5683'],
  ['swipe + roder + choropleth', '/?mode=swipe&units=roder-2023&indicator=population&map=12.00/55.6760/12.5683'],
  ['swipe at street level (z15)', '/?mode=swipe&map=15.00/55.6521/12.4970'],
  ['embed, swipe', '/embed?mode=swipe&from=2011&to=2025&map=11.50/55.6760/12.5600'],
];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

const server = await startServer();
const browser = await launchBrowser();
const rows = [];
try {
  for (const [name, path] of VIEWS) {
    const times = [];
    const bytes = [];
    const parts = [];
    for (let run = 0; run < RUNS; run += 1) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      // Every response the page and MapLibre's worker receive, by kind (encoded body bytes).
      const responses = [];
      page.on('requestfinished', (request) => responses.push(request.sizes().then((sizes) => [request.url(), sizes.responseBodySize])));
      await page.goto(server.base + path, { waitUntil: 'load' });
      await page.waitForFunction(() => window.kvarter, null, { timeout: 60_000 });
      const measured = await page.evaluate(async () => {
        await window.kvarter.idle();
        return { ready: performance.now() };
      });
      const kinds = { tiles: 0, glyphs: 0, other: 0, requests: 0 };
      for (const [url, size] of await Promise.all(responses)) {
        const kind = url.includes('.mvt') ? 'tiles' : url.includes('/fonts/') ? 'glyphs' : 'other';
        kinds[kind] += size;
        kinds.requests += 1;
      }
      measured.transferred = kinds.tiles + kinds.glyphs + kinds.other;
      measured.kinds = kinds;
      times.push(measured.ready);
      bytes.push(measured.transferred);
      parts.push(measured.kinds);
      await context.close();
    }
    const last = parts.at(-1);
    rows.push({ name, median: median(times), min: Math.min(...times), max: Math.max(...times), kib: median(bytes) / 1024,
      tiles: last.tiles / 1024, glyphs: last.glyphs / 1024, requests: last.requests });
  }
} finally {
  await browser.close();
  await server.stop();
}

console.log(`| view | ready, median of ${RUNS} (ms) | min–max (ms) | transferred (KiB) | of which tiles | glyphs | requests |`);
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) {
  console.log(`| ${row.name} | ${row.median.toFixed(0)} | ${row.min.toFixed(0)}–${row.max.toFixed(0)} | ${row.kib.toFixed(0)} | ${row.tiles.toFixed(0)} | ${row.glyphs.toFixed(0)} | ${row.requests} |`);
}
