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
    for (let run = 0; run < RUNS; run += 1) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(server.base + path, { waitUntil: 'load' });
      await page.waitForFunction(() => window.kvarter, null, { timeout: 60_000 });
      const measured = await page.evaluate(async () => {
        await window.kvarter.idle();
        const ready = performance.now();
        const transferred = performance.getEntriesByType('resource').reduce((sum, entry) => sum + entry.transferSize, 0) +
          (performance.getEntriesByType('navigation')[0]?.transferSize ?? 0);
        return { ready, transferred };
      });
      times.push(measured.ready);
      bytes.push(measured.transferred);
      await context.close();
    }
    rows.push({ name, median: median(times), min: Math.min(...times), max: Math.max(...times), kib: median(bytes) / 1024 });
  }
} finally {
  await browser.close();
  await server.stop();
}

console.log(`| view | ready, median of ${RUNS} (ms) | min–max (ms) | transferred (KiB) |`);
console.log('|---|---|---|---|');
for (const row of rows) {
  console.log(`| ${row.name} | ${row.median.toFixed(0)} | ${row.min.toFixed(0)}–${row.max.toFixed(0)} | ${row.kib.toFixed(0)} |`);
}
