// The 2025 policy on the map: served from a data folder with a synthetic municipal layer of the
// 2025 kind and a synthetic state list (written by `cargo run -p kvarter-e2e --example
// synthetic-2025-data`; every layer labelled synthetic), the year picker's 2025 draws the list
// with the municipal layer, hatched, and the legend lists it beside the 2025 layer with its
// status, in Danish and in English; the note that no 2025 map is loaded is gone.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { idle, launchBrowser, openApp, startServer, withPage } from './support.mjs';

const MUNICIPAL = 'synthetic-udsatte-byomraader-2025';
const LIST = 'synthetic-forebyggelsesomraader';
const TEST = { timeout: 180_000 };

let dir;
let server;
let browser;

before(
  async () => {
    dir = mkdtempSync(join(tmpdir(), 'kvarter-2025-'));
    const made = spawnSync('cargo', ['run', '-q', '--locked', '-p', 'kvarter-e2e', '--example', 'synthetic-2025-data', '--', dir], {
      cwd: join(import.meta.dirname, '..', '..'),
      encoding: 'utf8',
    });
    assert.equal(made.status, 0, `writing the synthetic 2025 data failed: ${made.stderr}`);
    server = await startServer(['--data', dir]);
    browser = await launchBrowser();
  },
  { timeout: 600_000 },
);

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The legend's layer entries: id, the layer it is part of, status badge and title. */
const legendEntries = (page) => page.evaluate(() =>
  [...document.querySelectorAll('#legend [data-layer]')].map((e) => ({
    layer: e.dataset.layer,
    partOf: e.dataset.partOf ?? null,
    status: e.querySelector('.badge')?.dataset.status ?? null,
    title: e.querySelector('.legend-title')?.textContent ?? '',
    note: e.querySelector('.legend-part-of')?.textContent ?? '',
  })));

describe('a 2025 designation with a state list', () => {
  test('the legend lists the state list with the 2025 layer and the map draws it hatched', TEST, async () => {
    await withPage(browser, { name: 'state-list-2025' }, async (page) => {
      await openApp(page, server.base, '/?mode=side&from=2017&to=2025&map=11.50/55.6760/12.5600');
      await idle(page);
      const entries = await legendEntries(page);
      const municipal = entries.findIndex((e) => e.layer === MUNICIPAL);
      const list = entries.findIndex((e) => e.layer === LIST);
      assert.ok(municipal >= 0, `the 2025 layer is in the legend: ${JSON.stringify(entries)}`);
      assert.equal(list, municipal + 1, `the state list follows the 2025 layer: ${JSON.stringify(entries)}`);
      assert.equal(entries[list].partOf, MUNICIPAL);
      assert.equal(entries[list].status, 'synthetic');
      assert.equal(entries[municipal].status, 'synthetic');
      assert.equal(entries[list].title, 'Syntetiske forebyggelsesområder (kun til test)');
      assert.match(entries[list].note, /^Indgår i Udsatte byområder 2025/);
      const layers = await page.evaluate(() => window.kvarter.maps.map((map) => map.getStyle().layers.map((l) => l.id)));
      assert.ok(!layers[0].includes(`state-${LIST}-fill`), 'the 2017 map does not draw the list');
      assert.ok(layers[1].includes(`state-${LIST}-fill`), 'the 2025 map draws the list');
      const paint = await page.evaluate((id) => window.kvarter.maps[1].getPaintProperty(id, 'fill-pattern'), `state-${LIST}-fill`);
      assert.equal(paint, 'hatch-state');
      // "2025" is now the loaded 2025 layer, so the note that no 2025 map is loaded is gone.
      assert.ok(!(await page.locator('#year-note').isVisible()), '#year-note is hidden with a 2025 layer loaded');
    });
  });

  test('in English the legend names the state list by its English title', TEST, async () => {
    await withPage(browser, { name: 'state-list-2025-en' }, async (page) => {
      await openApp(page, server.base, '/?mode=side&from=2017&to=2025&lang=en&map=11.50/55.6760/12.5600');
      await idle(page);
      const entries = await legendEntries(page);
      const list = entries.find((e) => e.layer === LIST);
      assert.equal(list?.title, 'Synthetic prevention areas (tests only)', JSON.stringify(entries));
      assert.match(list.note, /^Part of Vulnerable urban areas 2025/);
    });
  });
});
