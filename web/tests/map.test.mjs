// The map in a real browser: the full app at / and the embed view at /embed, served by the real
// `kvarter serve` and driven in Debian's chromium (see support.mjs). Each test saves a
// screenshot to $KVARTER_ARTIFACTS and fails when the page logged a console error.
//
//   scripts/test-browser                              (builds, installs, runs all)
//   scripts/test-browser --test-name-pattern=overlay  (one test)

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  idle,
  launchBrowser,
  metres,
  openApp,
  poll,
  renderedFeatures,
  screenshot,
  startServer,
  textOf,
  waitForApp,
  withPage,
} from './support.mjs';

/** Folehaven 88, 2500 Valby: inside 2011's "Valby/Vigerslev" and 2017's "Ved Folehaven". */
const FOLEHAVEN = { lon: 12.497, lat: 55.6521 };

/** One test's time limit: the app starts, renders tiles in software WebGL, sometimes twice. */
const TEST = { timeout: 180_000 };

let server;
let browser;

before(
  async () => {
    server = await startServer();
    browser = await launchBrowser();
  },
  { timeout: 200_000 },
);

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The distinct values of `key` among feature properties. */
const values = (features, key) => [...new Set(features.map((f) => f[key]))].sort();

/**
 * The page point (viewport pixels) where map `index` shows [lon, lat], checked to be on that
 * map's canvas and not under a panel or control.
 */
async function pointOnMap(page, index, { lon, lat }) {
  const at = await page.evaluate(
    ({ index, lon, lat }) => {
      const map = window.kvarter.maps[index];
      const box = map.getContainer().getBoundingClientRect();
      const p = map.project([lon, lat]);
      const x = box.left + p.x;
      const y = box.top + p.y;
      const hit = document.elementFromPoint(x, y);
      return {
        x,
        y,
        local: [p.x, p.y],
        onCanvas: Boolean(hit && map.getCanvasContainer().contains(hit)),
        hit: hit ? `${hit.tagName.toLowerCase()}#${hit.id}.${[...hit.classList].join('.')}` : null,
      };
    },
    { index, lon, lat },
  );
  assert.ok(at.onCanvas, `the point of map ${index} at ${lon},${lat} is covered by ${at.hit}`);
  return at;
}

describe('the map in a real browser', () => {
  test('the app opens in swipe mode with 2011 on the left and the 2017 layer on the 2025 side', TEST, async () => {
    await withPage(browser, { name: 'swipe' }, async (page) => {
      await openApp(page, server.base, '/');
      const state = await page.evaluate(() => window.kvarter.state());
      assert.equal(state.mode, 'swipe', 'the default mode');
      assert.equal(String(state.from), '2011', 'the default left year');
      assert.equal(String(state.to), '2025', 'the default right year');
      assert.equal(state.lang, 'da', 'the default language');
      assert.equal(await page.evaluate(() => window.kvarter.maps.length), 2, 'swipe mode has two maps');
      assert.ok(await page.locator('.maplibregl-compare').isVisible(), 'the swipe control is shown');
      assert.equal(await page.getAttribute('#mode-swipe', 'aria-pressed'), 'true');

      const left = await renderedFeatures(page, 0, 'designation-fill');
      const right = await renderedFeatures(page, 1, 'designation-fill');
      assert.ok(left.length > 0, 'the 2011 map renders designated areas');
      assert.ok(right.length > 0, 'the 2025 map renders designated areas');
      assert.deepEqual(values(left, 'layer'), ['udsatte-byomraader-2011']);
      assert.deepEqual(values(right, 'layer'), ['udsatte-byomraader-2017']);
      for (const f of [...left, ...right]) {
        assert.ok(f.name && f.status && f.id !== undefined, `a feature with name, status and id: ${JSON.stringify(f)}`);
      }

      assert.ok(await page.locator('#year-note').isVisible(), '#year-note is visible');
      const note = await textOf(page, '#year-note');
      assert.match(note, /1\. januar 2025/, `#year-note: "${note}"`);
    });
  });

  test('dragging the swipe handle 200 px to the left moves the slider by 200 px, and the arrow keys move it too', TEST, async () => {
    await withPage(browser, { name: 'swipe-drag' }, async (page) => {
      await openApp(page, server.base, '/');
      const handle = page.locator('.compare-swiper-vertical');
      const box = await handle.boundingBox();
      assert.ok(box, '.compare-swiper-vertical is rendered');
      const before = await page.evaluate(() => window.kvarter.compare.currentPosition);
      assert.equal(typeof before, 'number', 'window.kvarter.compare.currentPosition');

      const x = box.x + box.width / 2;
      const y = box.y + box.height / 2;
      await page.mouse.move(x, y);
      await page.mouse.down();
      await page.mouse.move(x - 200, y, { steps: 10 });
      await page.mouse.up();

      const after = await page.evaluate(() => window.kvarter.compare.currentPosition);
      assert.ok(Math.abs(before - after - 200) <= 3, `currentPosition went from ${before} to ${after}`);

      // The handle is a slider for the keyboard too: Tab to it, then the arrow keys.
      await handle.focus();
      await page.keyboard.press('ArrowRight');
      const slider = await page.evaluate(() => {
        const element = document.querySelector('.compare-swiper-vertical');
        return { position: window.kvarter.compare.currentPosition, role: element.getAttribute('role'), now: Number(element.getAttribute('aria-valuenow')) };
      });
      assert.equal(slider.role, 'slider');
      assert.ok(Math.abs(slider.position - after - 40) <= 1, `ArrowRight moved the slider from ${after} to ${slider.position}`);
      assert.equal(slider.now, Math.round(slider.position), 'aria-valuenow follows the slider');
    });
  });

  test('side by side shows two maps next to each other that move together', TEST, async () => {
    await withPage(browser, { name: 'side-by-side' }, async (page) => {
      await openApp(page, server.base, '/?mode=side');
      assert.equal(await page.getAttribute('#mode-side', 'aria-pressed'), 'true');
      const boxes = await page.evaluate(() =>
        window.kvarter.maps.map((m) => {
          const { left, right, top, bottom, width, height } = m.getContainer().getBoundingClientRect();
          return { left, right, top, bottom, width, height };
        }),
      );
      assert.equal(boxes.length, 2, 'side mode has two maps');
      const [a, b] = boxes;
      assert.ok(a.width > 100 && a.height > 100 && b.width > 100 && b.height > 100, `both maps have a size: ${JSON.stringify(boxes)}`);
      const apart = a.right <= b.left + 0.5 || b.right <= a.left + 0.5 || a.bottom <= b.top + 0.5 || b.bottom <= a.top + 0.5;
      assert.ok(apart, `the maps do not overlap: ${JSON.stringify(boxes)}`);
      for (const index of [0, 1]) {
        assert.ok((await renderedFeatures(page, index, 'designation-fill')).length > 0, `map ${index} renders areas`);
      }

      await page.evaluate(() => window.kvarter.maps[0].jumpTo({ center: [12.59, 55.66], zoom: 13.25 }));
      await idle(page);
      const centers = await page.evaluate(() =>
        window.kvarter.maps.map((m) => ({ ...m.getCenter(), zoom: m.getZoom() })),
      );
      assert.ok(Math.abs(centers[0].lng - 12.59) < 1e-6 && Math.abs(centers[0].lat - 55.66) < 1e-6, `map 0 moved: ${JSON.stringify(centers[0])}`);
      assert.ok(
        Math.abs(centers[0].lng - centers[1].lng) < 1e-6 &&
          Math.abs(centers[0].lat - centers[1].lat) < 1e-6 &&
          Math.abs(centers[0].zoom - centers[1].zoom) < 1e-6,
        `map 1 follows map 0: ${JSON.stringify(centers)}`,
      );
    });
  });

  test('overlay mode shows the areas kept, added and removed on one map', TEST, async () => {
    await withPage(browser, { name: 'overlay' }, async (page) => {
      await openApp(page, server.base, '/?mode=overlay');
      assert.equal(await page.getAttribute('#mode-overlay', 'aria-pressed'), 'true');
      assert.equal(await page.evaluate(() => window.kvarter.maps.length), 1, 'overlay mode has one map');
      assert.equal(await page.locator('.maplibregl-compare').count(), 0, 'no swipe control in overlay mode');
      const filled = await renderedFeatures(page, 0, 'change-fill');
      assert.ok(filled.length > 0, 'change-fill renders features');
      // The removed pieces may be drawn by a second fill layer of their own (a hatch), so every
      // fill layer whose id starts with change- counts.
      const others = await page.evaluate(() =>
        window.kvarter.maps[0].getStyle().layers
          .filter((l) => l.type === 'fill' && l.id.startsWith('change-') && l.id !== 'change-fill')
          .map((l) => l.id),
      );
      const changes = [...filled];
      for (const layer of others) changes.push(...(await renderedFeatures(page, 0, layer)));
      const kinds = values(changes, 'change');
      for (const kind of ['kept', 'added', 'removed']) {
        assert.ok(kinds.includes(kind), `the changes drawn by change-fill${others.map((l) => `, ${l}`).join('')} include "${kind}": ${kinds.join(', ')}`);
      }
      for (const kind of kinds) {
        assert.ok(['kept', 'added', 'removed'].includes(kind), `an unknown change "${kind}"`);
      }
    });
  });

  test('a click on an area opens the panel with its name and status, on both sides', TEST, async () => {
    await withPage(browser, { name: 'area-panel' }, async (page) => {
      const path = `/?mode=side&map=14.00/${FOLEHAVEN.lat}/${FOLEHAVEN.lon}`;
      // The 2011 side first (its panel is saved as area-panel-2011.png), then the 2025 side on
      // a fresh load, so the first panel cannot cover the second click.
      const sides = [
        { index: 0, name: 'Valby/Vigerslev', status: 'reconstructed', layer: 'udsatte-byomraader-2011' },
        { index: 1, name: 'Ved Folehaven', status: 'official', layer: 'udsatte-byomraader-2017' },
      ];
      for (const side of sides) {
        await openApp(page, server.base, path);
        assert.equal(await page.locator('#panel').isVisible(), false, '#panel is hidden before a click');
        const at = await pointOnMap(page, side.index, FOLEHAVEN);
        const here = await renderedFeatures(page, side.index, 'designation-fill', at.local);
        assert.deepEqual(values(here, 'name'), [side.name], `map ${side.index} draws ${side.name} at Folehaven 88`);

        await page.mouse.click(at.x, at.y);
        await page.locator('#panel').waitFor({ state: 'visible' });
        await poll(page, (s) => document.querySelector(s)?.textContent.trim(), '#panel-name', (t) => t === side.name, `#panel-name is "${side.name}"`);
        assert.equal(await page.getAttribute('#panel-status', 'data-status'), side.status, '#panel-status[data-status]');
        assert.ok(((await textOf(page, '#panel-layer')) ?? '').length > 0, '#panel-layer has text');
        if (side.index === 0) await screenshot(page, 'area-panel-2011');
      }
    });
  });

  test('searching "Folehaven 88" shows its designations in 2011 and 2025 and flies there', TEST, async () => {
    await withPage(browser, { name: 'search' }, async (page) => {
      await openApp(page, server.base, '/');
      const search = page.locator('input#search');
      await search.click();
      await search.pressSequentially('Folehaven 88', { delay: 30 });
      await page.locator('#search-results [role=option]').first().waitFor({ state: 'visible' });
      const options = await page.locator('#search-results [role=option]').allTextContents();
      assert.ok(options.some((o) => o.includes('Folehaven 88')), `an option names Folehaven 88: ${JSON.stringify(options)}`);
      await search.press('ArrowDown');
      await search.press('Enter');

      await poll(page, () => document.querySelector('#address-panel [data-year="2011"]')?.textContent ?? null, null, (t) => t?.includes('Valby/Vigerslev'), '#address-panel [data-year="2011"] names Valby/Vigerslev');
      await poll(page, () => document.querySelector('#address-panel [data-year="2025"]')?.textContent ?? null, null, (t) => t?.includes('Ved Folehaven'), '#address-panel [data-year="2025"] names Ved Folehaven');

      const target = [FOLEHAVEN.lon, FOLEHAVEN.lat];
      await poll(
        page,
        () => window.kvarter.maps.map((m) => m.getCenter().toArray()),
        null,
        (centers) => centers.every((c) => metres(c, target) < 50),
        'every map is centred within 50 m of Folehaven 88',
      );
      await idle(page);
      const centers = await page.evaluate(() => window.kvarter.maps.map((m) => m.getCenter().toArray()));
      for (const c of centers) assert.ok(metres(c, target) < 50, `a map centre ${c} is ${metres(c, target).toFixed(0)} m away`);
    });
  });

  test('a permalink opens the same view after a reload, and a mode click updates it', TEST, async () => {
    await withPage(browser, { name: 'permalink' }, async (page) => {
      const path = '/?mode=side&from=2011&to=2017&units=bydele-2023&indicator=population&map=12.50/55.6800/12.5500&lang=en';
      await openApp(page, server.base, path);
      const first = await page.evaluate(() => ({ state: window.kvarter.state(), search: location.search }));
      const { state } = first;
      assert.equal(state.mode, 'side');
      assert.equal(String(state.from), '2011');
      assert.equal(String(state.to), '2017');
      assert.equal([state.units].flat().join(','), 'bydele-2023');
      assert.equal(state.indicator, 'population');
      assert.equal(state.lang, 'en');
      assert.ok(
        Math.abs(state.map.zoom - 12.5) < 0.01 && Math.abs(state.map.lat - 55.68) < 1e-3 && Math.abs(state.map.lon - 12.55) < 1e-3,
        `state().map is the permalink's view: ${JSON.stringify(state.map)}`,
      );

      await page.reload({ waitUntil: 'load' });
      await waitForApp(page, 'the reloaded permalink');
      const second = await page.evaluate(() => ({ state: window.kvarter.state(), search: location.search }));
      assert.deepEqual(second.state, first.state, 'state() after the reload');
      assert.equal(second.search, first.search, 'location.search after the reload');
      await screenshot(page, 'permalink-reloaded');

      assert.equal(await page.getAttribute('#mode-side', 'aria-pressed'), 'true');
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
      const maps = await page.evaluate(() => window.kvarter.maps.length);
      assert.equal(maps, 2, 'side mode has two maps');
      for (let index = 0; index < maps; index += 1) {
        assert.ok((await renderedFeatures(page, index, 'unit-bydele-2023-line')).length > 0, `map ${index} draws the bydele outlines`);
        assert.ok((await renderedFeatures(page, index, 'choropleth-fill')).length > 0, `map ${index} draws the population choropleth`);
      }
      assert.deepEqual(
        values(await renderedFeatures(page, 1, 'designation-fill'), 'layer'),
        ['udsatte-byomraader-2017'],
        'the right map shows 2017',
      );

      await page.click('#mode-overlay');
      await poll(page, () => location.search, null, (s) => new URLSearchParams(s).get('mode') === 'overlay', 'location.search has mode=overlay after a click on #mode-overlay');
      assert.equal(await page.getAttribute('#mode-overlay', 'aria-pressed'), 'true');
      assert.equal(await page.getAttribute('#mode-side', 'aria-pressed'), 'false');
      const after = new URLSearchParams(await page.evaluate(() => location.search));
      assert.equal(after.get('lang'), 'en', 'the mode click keeps lang=en in the URL');
      await idle(page);
    });
  });

  test('the embed page shows both years with a legend and no search or mode buttons', TEST, async () => {
    await withPage(browser, { name: 'embed' }, async (page) => {
      await openApp(page, server.base, '/embed?mode=swipe&from=2011&to=2025&map=11.50/55.6760/12.5600');
      assert.equal(await page.locator('#search').count(), 0, 'no #search on the embed page');
      for (const button of ['#mode-swipe', '#mode-side', '#mode-overlay']) {
        assert.equal(await page.locator(button).count(), 0, `no ${button} on the embed page`);
      }
      assert.ok(await page.locator('#legend').isVisible(), '#legend is visible');
      assert.equal(await page.locator('.year-label').count(), 2, 'two .year-label elements');
      assert.equal(await page.evaluate(() => window.kvarter.maps.length), 2, 'swipe mode has two maps');
      for (const index of [0, 1]) {
        assert.ok((await renderedFeatures(page, index, 'designation-fill')).length > 0, `map ${index} renders areas`);
      }
      const legend = await page.evaluate(() =>
        [...document.querySelectorAll('#legend [data-layer]')].map((e) => ({
          layer: e.dataset.layer,
          status: e.querySelector('.badge')?.dataset.status ?? null,
        })),
      );
      const byLayer = Object.fromEntries(legend.map((e) => [e.layer, e.status]));
      assert.equal(byLayer['udsatte-byomraader-2011'], 'reconstructed', `the legend's 2011 badge: ${JSON.stringify(legend)}`);
      assert.equal(byLayer['udsatte-byomraader-2017'], 'official', `the legend's 2017 badge: ${JSON.stringify(legend)}`);
    });
  });

  test('an embed made before the data changed says so, and the embed cannot be panned', TEST, async () => {
    await withPage(browser, { name: 'embed-stale' }, async (page) => {
      await openApp(page, server.base, '/embed?mode=overlay&from=2011&to=2025&map=12.00/55.6760/12.5600&v=an-older-version');
      assert.ok(await page.locator('#embed-stale').isVisible(), '#embed-stale is shown for an older data version');
      const locked = await page.evaluate(() => {
        const map = window.kvarter.maps[0];
        return { drag: map.dragPan.isEnabled(), zoom: map.scrollZoom.isEnabled() };
      });
      assert.deepEqual(locked, { drag: false, zoom: false }, 'the embedded map is locked');
    });
  });

  test('printing without the image (it could not be had) shows the live map with a title, the years, the date, the legend and every source with its licence', TEST, async () => {
    await withPage(browser, { name: 'print', allowErrors: [/Failed to load resource: net::ERR_FAILED/] }, async (page) => {
      await page.route('**/api/static/**', (route) => route.abort());
      await openApp(page, server.base, '/?mode=side&from=2011&to=2025&units=bydele-2023&indicator=population');
      await page.emulateMedia({ media: 'print' });
      const shown = await page.evaluate(() => {
        const visible = (selector) => {
          const element = document.querySelector(selector);
          return Boolean(element) && getComputedStyle(element).display !== 'none' && element.getClientRects().length > 0;
        };
        return {
          header: visible('#print-header'),
          headerText: document.querySelector('#print-header').innerText,
          legend: visible('#legend'),
          attribution: visible('#print-footer') && document.querySelector('#print-footer').innerText.includes('CC BY 4.0'),
          topbar: visible('.topbar'),
          layers: visible('.controls > details'),
          embedTools: visible('.embed-tools'),
        };
      });
      assert.deepEqual(
        { ...shown, headerText: undefined },
        { header: true, headerText: undefined, legend: true, attribution: true, topbar: false, layers: false, embedTools: false },
        JSON.stringify(shown),
      );
      assert.match(shown.headerText, /Kvarter/);
      assert.match(shown.headerText, /2011/);
      assert.match(shown.headerText, /\d{1,2}\.\d{1,2}\.\d{4}/, `a Danish date in: ${shown.headerText}`);
    });
  });

  test('the embed button writes an iframe snippet for /embed', TEST, async () => {
    await withPage(browser, { name: 'copy-embed' }, async (page, context) => {
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
      await openApp(page, server.base, '/?mode=side&map=12.00/55.6520/12.4970');
      await page.click('#copy-embed');
      const snippet = await poll(page, () => document.querySelector('textarea#embed-code')?.value ?? null, null, (v) => Boolean(v), 'textarea#embed-code is filled');
      assert.match(snippet, /<iframe/, `the snippet: ${snippet}`);
      assert.match(snippet, /\/embed\?/, `the snippet: ${snippet}`);
      const src = /src="([^"]+)"/.exec(snippet)?.[1]?.replaceAll('&amp;', '&');
      assert.ok(src, `the iframe has a src: ${snippet}`);
      const url = new URL(src, server.base);
      assert.equal(url.pathname, '/embed');
      assert.notEqual(new URLSearchParams(url.search).get('mode') ?? 'swipe', 'swipe', `the embed keeps side mode: ${src}`);
    });
  });

  test('on a 375 px wide phone the page does not scroll sideways and the search box shows', TEST, async () => {
    await withPage(browser, { name: 'mobile', viewport: { width: 375, height: 740 } }, async (page) => {
      await openApp(page, server.base, '/');
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 375, `document.documentElement.scrollWidth is ${width}`);
      const search = page.locator('input#search');
      assert.ok(await search.isVisible(), '#search is visible');
      const box = await search.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 375 && box.y >= 0 && box.y < 740, `#search lies inside the viewport: ${JSON.stringify(box)}`);
    });
  });

  test('the language button switches to English, the year note and the URL follow', TEST, async () => {
    await withPage(browser, { name: 'english' }, async (page) => {
      await openApp(page, server.base, '/');
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'da');
      await page.click('#lang');
      await poll(page, () => document.documentElement.lang, null, (l) => l === 'en', 'document.documentElement.lang becomes en');
      await poll(page, () => document.querySelector('#year-note')?.textContent ?? null, null, (t) => t?.includes('1 January 2025'), '#year-note mentions 1 January 2025');
      await poll(page, () => location.search, null, (s) => new URLSearchParams(s).get('lang') === 'en', 'location.search has lang=en');
      assert.equal(await page.evaluate(() => window.kvarter.state().lang), 'en');
      await idle(page);
    });
  });
});
