// Helpers for the browser tests: start the real `kvarter serve`, drive Debian's chromium with
// playwright-core, collect the page's console errors, save a screenshot per test.
//
// Environment (scripts/test-browser sets the first two):
//   KVARTER_BIN        the kvarter binary (default: ../../target/debug/kvarter)
//   KVARTER_ARTIFACTS  where screenshots go (default: ../../test-artifacts/browser)
//   KVARTER_CHROMIUM   the browser (default: /usr/bin/chromium, Debian's package)

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** How long the server may take to start: a debug build loads the data for a few seconds. */
export const START_MS = 120_000;
/** How long one wait inside a test (the app starting, the maps becoming idle, a text) may take. */
export const WAIT_MS = 60_000;
/** The desktop viewport of every test but the mobile one. */
export const DESKTOP = { width: 1280, height: 800 };

/** Chromium's flags on a closed network: no background connections, WebGL in software. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader',
];

/** Resolves after `ms` milliseconds. */
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/**
 * Starts `kvarter serve --bind 127.0.0.1:0` (the OS picks a free port), reads the address it
 * logs ("kvarter listening on http://ADDR") and waits until `/ready` answers 200 (its data is
 * loaded; a server on a data folder listens before it reads the folder).
 * Returns `{ base, stop(), log() }`: `base` is `http://127.0.0.1:PORT`, `log()` the server's
 * recent log lines, `stop()` ends it (SIGTERM, then SIGKILL after 10 s).
 */
export async function startServer(args = []) {
  const binary = process.env.KVARTER_BIN ?? join(repo, 'target', 'debug', 'kvarter');
  const child = spawn(binary, ['serve', '--bind', '127.0.0.1:0', ...args], {
    env: { ...process.env, NO_COLOR: '1', RUST_LOG: process.env.RUST_LOG ?? 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Should the test process end without the after() hook, the server ends with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  const lines = [];
  let exited = null;
  let spawnError = null;
  let announced = null;
  let pending = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop();
    for (const line of parts) {
      lines.push(line);
      if (lines.length > 200) lines.shift();
      const found = !announced && /listening on (http:\/\/[^\s"]+)/.exec(line);
      if (found) announced = found[1];
    }
  });
  const exitedPromise = new Promise((done) => {
    child.on('exit', (code, signal) => {
      exited = signal ? `signal ${signal}` : `exit code ${code}`;
      done();
    });
  });
  child.on('error', (error) => {
    spawnError = error;
  });
  const log = () => lines.join('\n');

  const deadline = Date.now() + START_MS;
  let healthy = false;
  while (!healthy) {
    if (spawnError) throw new Error(`cannot start ${binary}: ${spawnError.message}`);
    if (exited) throw new Error(`${binary} serve stopped (${exited}) before it answered; its log:\n${log()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${binary} serve was not ready (/ready) within ${START_MS / 1000} s; its log:\n${log()}`);
    }
    if (announced) {
      try {
        const response = await fetch(`${announced}/ready`);
        healthy = response.ok;
      } catch {
        // Not accepting yet.
      }
    }
    if (!healthy) await sleep(200);
  }

  return {
    base: announced,
    log,
    async stop() {
      process.off('exit', killOnExit);
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}

/** How many times a browser that dies while starting is started again. */
const LAUNCH_ATTEMPTS = 3;

/**
 * Launches headless Chromium. Playwright gives every launch a fresh, empty user-data-dir of its
 * own (and removes it on close); each test then gets a fresh context, so no storage is shared.
 *
 * A launch that fails is tried again, up to `LAUNCH_ATTEMPTS` times in all, each failure written
 * to stderr: headless Chromium on a loaded CI machine now and then dies with SIGSEGV before its
 * first page, which says nothing about Kvarter. Only the start is retried, never a test.
 */
export async function launchBrowser() {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await chromium.launch({
        executablePath: process.env.KVARTER_CHROMIUM ?? '/usr/bin/chromium',
        headless: true,
        args: CHROMIUM_ARGS,
      });
    } catch (error) {
      if (attempt >= LAUNCH_ATTEMPTS) throw error;
      const reason = error.message.split('\n')[0];
      process.stderr.write(`Chromium did not start (attempt ${attempt}): ${reason}; starting it again\n`);
      await sleep(1000);
    }
  }
}

/** The folder for screenshots, created on first use. */
function artifacts() {
  const dir = process.env.KVARTER_ARTIFACTS ?? join(repo, 'test-artifacts', 'browser');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Saves a PNG of the page as `<name>.png` and returns its path, or why it could not. */
export async function screenshot(page, name) {
  const path = join(artifacts(), `${name}.png`);
  try {
    await page.screenshot({ path, timeout: 15_000 });
    return path;
  } catch (error) {
    return `(no screenshot ${name}.png: ${error.message.split('\n')[0]})`;
  }
}

/**
 * Runs `body(page, context)` on a new page in a new browser context of `viewport`, then saves
 * `<name>.png` (also when the body failed) and asserts that the page logged no console errors
 * and threw no uncaught errors. A failure's message carries the console errors, the failed
 * requests and the screenshot's path. `allowErrors` lists console errors the test provokes on
 * purpose (Chromium logs every 4xx answer to a fetch as one), as regular expressions.
 */
export async function withPage(browser, { name, viewport = DESKTOP, allowErrors = [] }, body) {
  const context = await browser.newContext({
    viewport,
    deviceScaleFactor: 1,
    locale: 'da-DK',
    timezoneId: 'Europe/Copenhagen',
  });
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  const errors = [];
  const failedRequests = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (allowErrors.some((allowed) => allowed.test(message.text()))) return;
    const { url, lineNumber } = message.location();
    errors.push(`console.error: ${message.text()}${url ? ` (at ${url}:${lineNumber})` : ''}`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.stack ?? error.message}`));
  page.on('crash', () => errors.push('the page crashed'));
  page.on('requestfailed', (request) => {
    failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) failedRequests.push(`${response.status()} ${response.url()}`);
  });

  let failure = null;
  try {
    await body(page, context);
  } catch (error) {
    failure = error;
  }
  const shot = await screenshot(page, name);
  await context.close();

  const report = [
    errors.length ? `console/page errors:\n  ${errors.join('\n  ')}` : 'no console/page errors',
    failedRequests.length ? `failed requests:\n  ${failedRequests.join('\n  ')}` : null,
    `screenshot: ${shot}`,
  ]
    .filter(Boolean)
    .join('\n');
  if (failure) {
    // The original error keeps its stack (the line of the test that failed) and gains the report.
    const message = String(failure.message);
    if (typeof failure.stack === 'string') failure.stack = failure.stack.replace(message, `${message}\n${report}`);
    failure.message = `${message}\n${report}`;
    throw failure;
  }
  assert.deepEqual(errors, [], `the page logged errors\n${report}`);
}

/**
 * Rejects with `message` when `promise` has not settled after `ms`.
 */
export async function within(ms, promise, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (waited ${ms / 1000} s)`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until every map has loaded its style and sources and is idle (`window.kvarter.idle()`). */
export function idle(page) {
  return within(
    WAIT_MS,
    page.evaluate(() => window.kvarter.idle()),
    'window.kvarter.idle() did not resolve',
  );
}

/**
 * Opens `base + path`, waits for the app to start (`window.kvarter` with its maps) and for the
 * maps to become idle.
 */
export async function openApp(page, base, path) {
  const response = await page.goto(base + path, { waitUntil: 'load' });
  assert.ok(response?.ok(), `GET ${path} answered ${response?.status()}`);
  await waitForApp(page, path);
}

/** How long a page may show neither `window.kvarter` nor a map element before a test gives up. */
const NO_APP_MS = 15_000;

/**
 * Waits for `window.kvarter` (with at least one map) and for the maps to become idle. Gives up
 * after 15 s when the page has neither `window.kvarter` nor a MapLibre map element (it is not
 * the app), and after 60 s in any case.
 */
export async function waitForApp(page, what = page.url()) {
  const started = Date.now();
  for (;;) {
    const seen = await page.evaluate(() => ({
      ready: Boolean(window.kvarter && Array.isArray(window.kvarter.maps) && window.kvarter.maps.length > 0),
      kvarter: window.kvarter !== undefined,
      mapElements: document.querySelectorAll('.maplibregl-map').length,
      title: document.title,
    }));
    if (seen.ready) break;
    const waited = Date.now() - started;
    const noApp = !seen.kvarter && seen.mapElements === 0;
    if ((noApp && waited > NO_APP_MS) || waited > WAIT_MS) {
      throw new Error(
        `${what}: window.kvarter with its maps did not appear within ${Math.round(waited / 1000)} s ` +
          `(page title "${seen.title}", window.kvarter ${seen.kvarter ? 'set' : 'unset'}, ` +
          `${seen.mapElements} .maplibregl-map elements); is the app built into web/dist and served at / and /embed?`,
      );
    }
    await sleep(200);
  }
  await idle(page);
}

/**
 * Evaluates `probe(arg)` in the page until `accept(value)` holds; fails after `ms` with
 * `message` and the last value seen.
 */
export async function poll(page, probe, arg, accept, message, ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  let value;
  for (;;) {
    value = await page.evaluate(probe, arg);
    if (accept(value)) return value;
    if (Date.now() > deadline) {
      assert.fail(`${message} (after ${ms / 1000} s; last seen: ${JSON.stringify(value)})`);
    }
    await sleep(100);
  }
}

/**
 * The properties of the features that map `index` renders in style layer `layer` (the whole
 * viewport, or at `point` [x, y] in the map's own pixels). Fails with the layers the style
 * has when `layer` is not among them.
 */
export async function renderedFeatures(page, index, layer, point = undefined) {
  const answer = await page.evaluate(
    ({ index, layer, point }) => {
      const map = window.kvarter.maps[index];
      if (!map) return { error: `window.kvarter.maps has no map ${index}` };
      if (!map.getLayer(layer)) {
        return {
          error: `map ${index} has no layer ${layer}; its layers: ${map
            .getStyle()
            .layers.map((l) => l.id)
            .join(', ')}`,
        };
      }
      return {
        features: map.queryRenderedFeatures(point ?? undefined, { layers: [layer] }).map((f) => f.properties),
      };
    },
    { index, layer, point: point ?? null },
  );
  if (answer.error) assert.fail(answer.error);
  return answer.features;
}

/** Great-circle distance in metres between two [lon, lat] points. */
export function metres([lon1, lat1], [lon2, lat2]) {
  const rad = Math.PI / 180;
  const a =
    Math.sin(((lat2 - lat1) * rad) / 2) ** 2 +
    Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(a));
}

/** The page's text at `selector`, whitespace collapsed, or null when absent. */
export function textOf(page, selector) {
  return page.evaluate((selector) => {
    const element = document.querySelector(selector);
    return element ? element.textContent.replace(/\s+/g, ' ').trim() : null;
  }, selector);
}
