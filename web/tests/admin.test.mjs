// The admin page (/admin) end to end: a real `kvarter serve` on a fresh data folder (`layers
// init`) with an admin token. A wrong token is refused with the 401 message; with the right one
// the page shows the status, and an upload of the city's real 2017 layer (the shared WFS
// GeoJSON) under a new id, in force from 2025-07-01, shows its report; the map's "2025" then is
// that layer (legend, year label, the map's source layer), a lookup in Tingbjerg is designated
// in 2025 by it, and /metrics counts the reload. Then the layer is removed after a confirm, and
// the page fits a phone.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { idle, launchBrowser, openApp, renderedFeatures, screenshot, startServer, textOf, withPage } from './support.mjs';

const repo = resolve(import.meta.dirname, '..', '..');
const TOKEN = 'browser-test-token-0123456789';
const LAYER = 'udsatte-byomraader-2025-import';
/** The city's 2017 layer as its WFS served it (the file tests/tests/reload.rs uploads too). */
const SOURCE = join(
  process.env.KVARTER_SHARED ?? join(repo, '..', 'shared'),
  'geodata-sources/kk-udsatte-byomraader-2017/f_udsatte_byomraader_snapshot2023_epsg4326.geojson',
);
/** A point in Tingbjerg, inside one of the 2017 areas. */
const TINGBJERG = { lon: 12.4745, lat: 55.7185 };
const TITLE_DA = 'Udsatte byområder 2025 (testimport af 2017-laget)';
const TEST = { timeout: 180_000 };
/** The console error Chromium logs for an answer with `status` to a fetch the test provokes. */
const REFUSED = (status) => new RegExp(`status of ${status} `);

let dir;
let server;
let browser;

before(
  async () => {
    assert.ok(existsSync(SOURCE), `the shared 2017 GeoJSON is missing: ${SOURCE} (set KVARTER_SHARED to the shared folder)`);
    dir = mkdtempSync(join(tmpdir(), 'kvarter-admin-'));
    const binary = process.env.KVARTER_BIN ?? join(repo, 'target', 'debug', 'kvarter');
    const made = spawnSync(binary, ['--data', dir, 'layers', 'init'], { encoding: 'utf8' });
    assert.equal(made.status, 0, `kvarter layers init failed: ${made.stderr}`);
    server = await startServer(['--data', dir, '--admin-token', TOKEN]);
    browser = await launchBrowser();
  },
  { timeout: 300_000 },
);

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** GET `path` on the server: its JSON, or its text when `text` is set. */
async function get(path, { text = false } = {}) {
  const response = await fetch(server.base + path);
  assert.equal(response.status, 200, `GET ${path}`);
  return text ? response.text() : response.json();
}

/** Opens /admin and waits until its script has built the upload form. */
async function openAdmin(page, query = '') {
  const response = await page.goto(`${server.base}/admin${query}`, { waitUntil: 'load' });
  assert.equal(response?.status(), 200);
  await page.locator('#f-id').waitFor({ state: 'attached' });
}

async function typeToken(page, token) {
  await page.getByLabel('Admin-token').fill(token);
  await page.getByRole('button', { name: 'Brug token' }).click();
}

/** The token is nowhere but this tab's sessionStorage: not in the URL, a cookie or the HTML. */
async function assertTokenOnlyInSession(page, expected) {
  const seen = await page.evaluate(() => ({
    session: sessionStorage.getItem('kvarter-admin-token'),
    local: JSON.stringify(localStorage),
    cookie: document.cookie,
    url: location.href,
    html: document.documentElement.outerHTML,
  }));
  assert.equal(seen.session, expected);
  for (const place of ['local', 'cookie', 'url', 'html']) {
    assert.ok(!seen[place].includes(TOKEN), `the token is in the page's ${place}`);
  }
}

describe('the admin page', () => {
  test('a wrong token is refused with the 401 message and not kept', TEST, async () => {
    await withPage(browser, { name: 'admin-wrong-token', allowErrors: [REFUSED(401)] }, async (page) => {
      await openAdmin(page);
      assert.equal(await page.title(), 'Kvarter – administration');
      await typeToken(page, 'not-the-token-0123456789');
      const message = page.locator('#token-message');
      await message.filter({ hasText: 'Forkert token' }).waitFor();
      assert.match(await message.textContent(), /401/);
      assert.ok(await page.locator('#admin').isHidden(), 'the admin sections stay hidden');
      assert.equal(await page.evaluate(() => sessionStorage.getItem('kvarter-admin-token')), null);
      // In English, the same message in English.
      await page.getByRole('button', { name: 'Switch to English' }).click();
      await message.filter({ hasText: 'Wrong token' }).waitFor();
      assert.equal(await textOf(page, '#token-heading'), 'Access');
      assert.match(page.url(), /lang=en/);
    });
  });

  test('with the right token, the 2017 layer uploaded as "2025" is reported with its counts', TEST, async () => {
    await withPage(browser, { name: 'admin-report' }, async (page) => {
      await openAdmin(page);
      await typeToken(page, TOKEN);
      await page.locator('#admin').waitFor();
      await page.locator('#token-message').filter({ hasText: 'godkendt' }).waitFor();
      assert.equal(await page.getByLabel('Admin-token').inputValue(), '', 'the field is emptied');
      await assertTokenOnlyInSession(page, TOKEN);
      const before = (await get('/health')).data_version;
      await page.locator('[data-fact="data-version"]').filter({ hasText: before }).waitFor();
      await page.locator('#layers tr[data-layer="udsatte-byomraader-2017"]').waitFor();

      // The form: required fields marked, status imported by default.
      assert.equal(await page.locator('#f-status').inputValue(), 'imported');
      assert.equal(await page.locator('#f-authority').inputValue(), 'Københavns Kommune');
      for (const name of ['id', 'kind', 'title_da', 'title_en', 'source_publisher', 'source_url', 'vintage', 'licence']) {
        assert.ok(await page.locator(`#f-${name}`).evaluate((input) => input.required), `${name} is required`);
      }
      assert.ok(!(await page.locator('#f-policy').evaluate((input) => input.required)));

      // The same metadata as tests/tests/reload.rs's "2025" layer, typed in by label.
      await page.getByLabel(/^Fil\b/).setInputFiles(SOURCE);
      await page.getByLabel('Lag-id').fill(LAYER);
      await page.getByLabel(/^Type/).selectOption('municipal_designation');
      await page.getByLabel('Titel på dansk').fill(TITLE_DA);
      await page.getByLabel('Titel på engelsk').fill('Vulnerable urban areas 2025 (test import of the 2017 layer)');
      await page.getByLabel('Politik eller liste').fill('test: the 2017 areas standing in for the 2025-2035 policy');
      await page.getByLabel('Gælder fra').fill('2025-07-01');
      await page.getByLabel('Udgiver').fill('Københavns Kommune');
      await page.getByLabel('Kildens adresse').fill('https://wfs-kbhkort.kk.dk/k101/ows');
      await page.getByLabel('Årgang').fill('WFS snapshot 2023-07-18, imported by a browser test');
      await page.getByLabel('Licens').fill('CC BY 4.0');
      await page.locator('details.more summary').click();
      await page.getByLabel('Felt med områdets id').fill('ogc_fid');
      await page.getByLabel('Felt med områdets navn').fill('delomraade');
      await page.getByLabel('Felt med det overordnede område').fill('byomraade');
      await screenshot(page, 'admin-form');
      await page.getByRole('button', { name: 'Importér', exact: true }).click();

      // The report, or the server's refusal, which then is the failure's message.
      const report = page.locator('#report');
      const refusal = page.locator('#upload-error');
      await report.or(refusal).filter({ visible: true }).first().waitFor();
      assert.ok(await refusal.isHidden(), `the upload was refused: ${await refusal.textContent()}`);
      assert.equal(await textOf(page, '#report [data-action]'), 'Importeret');
      assert.equal(await textOf(page, '#report [data-report-layer]'), LAYER);
      const counts = await page.evaluate(() => Object.fromEntries(
        [...document.querySelectorAll('#report [data-count]')].map((e) => [e.dataset.count, e.querySelector('.count-value').textContent])));
      assert.deepEqual({ ...counts, repaired: undefined }, { read: '17', written: '17', dropped: '0', repaired: undefined });
      assert.match(counts.repaired, /^\d+$/);
      const after = (await get('/health')).data_version;
      assert.notEqual(after, before);
      assert.equal(await textOf(page, '#report [data-fact="version-before"]'), before);
      assert.equal(await textOf(page, '#report [data-fact="version-after"]'), after);
      assert.equal(await page.locator('#report [data-fact="reload"] [data-outcome]').getAttribute('data-outcome'), 'reloaded');
      assert.match(await textOf(page, '#report [data-fact="reload"]'), /genindlæst/);
      assert.match(await textOf(page, '#report .report-source'), /f_udsatte_byomraader_snapshot2023_epsg4326\.geojson \(GeoJSON\)/);

      // The status and the history follow: the new layer is listed, imported, with 17 areas.
      const row = page.locator(`#layers tr[data-layer="${LAYER}"]`);
      await row.waitFor();
      assert.match(await row.textContent(), /importeret/);
      assert.match(await row.textContent(), /17/);
      assert.match(await row.textContent(), /Udsatte byområder 2025/);
      await page.locator('[data-fact="data-version"]').filter({ hasText: after }).waitFor();
      const history = page.locator('#history tbody tr').first();
      assert.match(await history.textContent(), new RegExp(LAYER));
      assert.match(await history.textContent(), /f_udsatte_byomraader_snapshot2023_epsg4326\.geojson/);
      await assertTokenOnlyInSession(page, TOKEN);
      await page.locator('#report').scrollIntoViewIfNeeded();
      await screenshot(page, 'admin-report-full');
      await page.screenshot({ path: join(process.env.KVARTER_ARTIFACTS ?? join(repo, 'test-artifacts', 'browser'), 'admin-report-page.png'), fullPage: true });
    });
  });

  test('uploading the same id again is refused with the server\'s message, the folder unchanged', TEST, async () => {
    await withPage(browser, { name: 'admin-conflict', allowErrors: [REFUSED(409)] }, async (page) => {
      // The token is kept per tab: a new tab (context) asks for it again.
      await openAdmin(page);
      assert.ok(await page.locator('#admin').isHidden());
      await typeToken(page, TOKEN);
      await page.locator('#admin').waitFor();
      const before = (await get('/health')).data_version;
      await page.locator('#file').setInputFiles(SOURCE);
      await page.locator('#f-id').fill(LAYER);
      await page.locator('#f-kind').selectOption('municipal_designation');
      await page.locator('#f-valid_from').fill('2025-07-01');
      for (const [name, value] of [['title_da', 'x'], ['title_en', 'x'], ['source_publisher', 'x'], ['source_url', 'x'], ['vintage', 'x'], ['licence', 'x']]) {
        await page.locator(`#f-${name}`).fill(value);
      }
      await page.getByRole('button', { name: 'Importér', exact: true }).click();
      const error = page.locator('#upload-error');
      await error.filter({ hasText: 'Konflikt (409)' }).waitFor();
      assert.match(await error.textContent(), new RegExp(LAYER));
      assert.ok(await page.locator('#report').isHidden());
      assert.equal((await get('/health')).data_version, before);
    });
  });

  test('the map\'s 2025 is the uploaded layer, a lookup finds it and /metrics counts the reload', TEST, async () => {
    await withPage(browser, { name: 'admin-map-2025' }, async (page) => {
      await openApp(page, server.base, '/?mode=side&from=2017&to=2025&map=12.40/55.7185/12.4745');
      await idle(page);
      // What a planner sees: the 2025 side is labelled with the new layer, the legend lists it
      // as imported with its source, and the note that no 2025 map is loaded is gone.
      assert.equal(await textOf(page, '.year-label-1'), `2025 – ${TITLE_DA}`);
      const entry = page.locator(`#legend [data-layer="${LAYER}"]`);
      await entry.waitFor();
      assert.equal(await textOf(page, `#legend [data-layer="${LAYER}"] .legend-title`), `2025 – ${TITLE_DA}`);
      assert.equal(await entry.locator('.badge').getAttribute('data-status'), 'imported');
      assert.match(await textOf(page, `#legend [data-layer="${LAYER}"] .legend-source`), /Københavns Kommune · WFS snapshot 2023-07-18, imported by a browser test/);
      assert.ok(await page.locator('#year-note').isHidden(), 'the "no 2025 map" note is gone');
      // The right-hand map draws the new layer's areas around Tingbjerg.
      const sourceLayer = await page.evaluate(() => window.kvarter.maps[1].getLayer('designation-fill')?.sourceLayer);
      assert.equal(sourceLayer, LAYER);
      const drawn = await renderedFeatures(page, 1, 'designation-fill');
      assert.ok(drawn.length > 0, 'the 2025 map draws the uploaded areas');

      const lookup = await get(`/api/lookup?lon=${TINGBJERG.lon}&lat=${TINGBJERG.lat}`);
      const year2025 = lookup.designations.find((group) => group.year === 2025);
      assert.ok(year2025, JSON.stringify(lookup.designations));
      assert.equal(year2025.designated, true);
      assert.equal(year2025.layers[0].layer.id, LAYER);
      assert.equal(year2025.layers[0].layer.status, 'imported');

      const metrics = await get('/metrics', { text: true });
      const reloaded = Number(/^kvarter_reloads_total\{outcome="reloaded"\} (\d+)$/m.exec(metrics)?.[1]);
      assert.ok(reloaded >= 1, `kvarter_reloads_total{outcome="reloaded"} is ${reloaded}:\n${metrics}`);
    });
  });

  test('a layer is removed only after the confirm', TEST, async () => {
    await withPage(browser, { name: 'admin-removed' }, async (page) => {
      await openAdmin(page, '?lang=en');
      await page.getByLabel('Admin token').fill(TOKEN);
      await page.getByRole('button', { name: 'Use token' }).click();
      const row = page.locator(`#layers tr[data-layer="${LAYER}"]`);
      await row.waitFor();
      const remove = page.getByRole('button', { name: `Remove the layer ${LAYER}` });
      // Cancel keeps it.
      await remove.click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      assert.match(await dialog.textContent(), new RegExp(`The layer ${LAYER} leaves the map`));
      await screenshot(page, 'admin-confirm');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      assert.ok((await get('/api/layers')).layers.some((layer) => layer.id === LAYER));
      // Remove removes it, from the service and from the page.
      await remove.click();
      await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
      await page.locator('#status-message').filter({ hasText: `The layer ${LAYER} is removed` }).waitFor();
      await row.waitFor({ state: 'detached' });
      assert.ok(!(await get('/api/layers')).layers.some((layer) => layer.id === LAYER));
      await page.locator('#history tbody tr[data-action="remove"]').first().waitFor();
      // Forget token: the admin sections go, and so does the token.
      await page.getByRole('button', { name: 'Forget token' }).click();
      assert.ok(await page.locator('#admin').isHidden());
      assert.equal(await page.evaluate(() => sessionStorage.getItem('kvarter-admin-token')), null);
    });
  });

  test('on a 375 px wide phone the admin page does not scroll sideways', TEST, async () => {
    await withPage(browser, { name: 'admin-mobile', viewport: { width: 375, height: 800 } }, async (page) => {
      await openAdmin(page);
      await typeToken(page, TOKEN);
      await page.locator('#layers tbody tr').first().waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.equal(overflow, 0, 'the page is wider than the phone');
    });
  });
});
