// The map page's images in a real browser: "Hent som PNG / PDF" and the image link answer with
// the server-rendered image of the view on screen, and printing (Chromium's own print path,
// page.pdf) puts that image on the A4 landscape sheet instead of the live WebGL maps. The PDF
// is checked with poppler's tools (pdfinfo, pdfimages, pdftoppm), which no one here wrote.
//
//   scripts/test-browser --test-name-pattern=print

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { idle, launchBrowser, openApp, poll, startServer, withPage } from './support.mjs';

const TEST = { timeout: 240_000 };
/** The side by side view of 2011 and 2025 with the bydele, around Valby and Vesterbro. */
const SIDE = '/?mode=side&from=2011&to=2025&units=bydele-2023&map=12.30/55.66500/12.52000';
/** How far (degrees) the link's bbox may lie from the map's bounds: the link rounds to 5 decimals. */
const DEGREES = 2e-5;

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const artifacts = process.env.KVARTER_ARTIFACTS ?? join(repo, 'test-artifacts', 'browser');

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

/**
 * The pixels of an 8-bit, non-interlaced RGB or RGBA PNG (what the image endpoint writes):
 * `{ width, height, pixel(x, y) → [r, g, b] }`.
 */
function readPng(bytes) {
  const { width, height } = pngSize(bytes);
  const [depth, colour, interlace] = [bytes[24], bytes[25], bytes[28]];
  assert.ok(depth === 8 && (colour === 2 || colour === 6) && interlace === 0, `an 8-bit RGB(A) PNG: depth ${depth}, colour type ${colour}`);
  const channels = colour === 6 ? 4 : 3;
  const chunks = [];
  for (let at = 8; at < bytes.length;) {
    const length = bytes.readUInt32BE(at);
    if (bytes.subarray(at + 4, at + 8).toString('latin1') === 'IDAT') chunks.push(bytes.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(chunks));
  const stride = width * channels;
  const data = Buffer.alloc(stride * height);
  const paeth = (a, b, c) => {
    const p = a + b - c;
    const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
  };
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i += 1) {
      const value = raw[y * (stride + 1) + 1 + i];
      const a = i >= channels ? data[y * stride + i - channels] : 0;
      const b = y > 0 ? data[(y - 1) * stride + i] : 0;
      const c = y > 0 && i >= channels ? data[(y - 1) * stride + i - channels] : 0;
      const predictor = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      data[y * stride + i] = (value + predictor) & 0xff;
    }
  }
  return { width, height, pixel: (x, y) => [...data.subarray((y * width + x) * channels, (y * width + x) * channels + 3)] };
}

/** Width and height of a PNG, from its IHDR chunk. */
function pngSize(bytes) {
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG', 'the body is a PNG');
  assert.equal(bytes.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** A binary PPM (P6, as `pdftoppm` writes it): `{ width, height, pixel(x, y) → [r, g, b] }`. */
function readPpm(bytes) {
  const header = [];
  let at = 0;
  while (header.length < 4) {
    while (/\s/.test(String.fromCharCode(bytes[at]))) at += 1;
    if (bytes[at] === 0x23) { // a comment, to the end of the line
      while (bytes[at] !== 0x0a) at += 1;
      continue;
    }
    const start = at;
    while (!/\s/.test(String.fromCharCode(bytes[at]))) at += 1;
    header.push(bytes.subarray(start, at).toString('latin1'));
  }
  at += 1; // the one whitespace byte after the maximum value
  const [magic, width, height, max] = [header[0], Number(header[1]), Number(header[2]), Number(header[3])];
  assert.equal(magic, 'P6', 'pdftoppm writes binary PPM');
  assert.equal(max, 255);
  const data = bytes.subarray(at);
  assert.equal(data.length, width * height * 3, 'the PPM holds width × height pixels');
  return { width, height, pixel: (x, y) => [...data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)] };
}

/** The link's image parameters, and the view and format from its path. */
function imageLink(href) {
  const url = new URL(href);
  const [, view, format] = /^\/api\/static\/(\w+)\.(\w+)$/.exec(url.pathname) ?? [];
  return { url, view, format, query: Object.fromEntries(url.searchParams) };
}

/** What the page shows: the state, the map's bounds (map 0, one panel) and the map area's size. */
function onScreen(page) {
  return page.evaluate(() => {
    const bounds = window.kvarter.maps[0].getBounds();
    const area = document.querySelector('#maps');
    return {
      state: window.kvarter.state(),
      bounds: [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()],
      size: { width: area.clientWidth, height: area.clientHeight },
      png: document.querySelector('#download-png').href,
      pdf: document.querySelector('#download-pdf').href,
      download: document.querySelector('#download-png').hasAttribute('download'),
    };
  });
}

/** Asserts that the link's bbox is the map's bounds, within the links' rounding. */
function assertBbox(query, bounds, what) {
  const bbox = query.bbox.split(',').map(Number);
  assert.equal(bbox.length, 4, `${what}: bbox=${query.bbox}`);
  bbox.forEach((value, index) => {
    assert.ok(Math.abs(value - bounds[index]) <= DEGREES, `${what}: bbox=${query.bbox} is the map's bounds ${bounds.join(',')}`);
  });
}

/** Waits until the print image is loaded, is of the view on screen, and the print uses it. */
async function printImageLoaded(page) {
  return poll(
    page,
    () => {
      const image = document.querySelector('#print-image');
      return {
        src: image.src,
        loaded: image.complete && image.naturalWidth > 0,
        natural: [image.naturalWidth, image.naturalHeight],
        used: document.body.classList.contains('print-as-image'),
      };
    },
    null,
    (seen) => seen.loaded && seen.used,
    '#print-image is loaded and body has .print-as-image',
    120_000,
  );
}

describe('map images from the map page', () => {
  test('"Hent som PNG" gives the image of the view on screen, and follows the map when it moves', TEST, async () => {
    await withPage(browser, { name: 'download-png' }, async (page) => {
      await openApp(page, server.base, SIDE);
      const seen = await onScreen(page);
      assert.ok(seen.download, '#download-png has the download attribute');
      const png = imageLink(seen.png);
      assert.equal(png.view, 'side', 'side mode is the side view');
      assert.equal(png.format, 'png');
      assert.equal(png.query.from, String(seen.state.from));
      assert.equal(png.query.to, String(seen.state.to));
      assert.equal(png.query.units, seen.state.units.join(','));
      assert.equal(png.query.lang, 'da');
      assert.equal(png.query.scale, '2');
      assert.equal(png.query.width, String(seen.size.width), 'the width of the map area on screen');
      assert.equal(png.query.height, String(seen.size.height), 'the height of the map area on screen');
      assertBbox(png.query, seen.bounds, 'the PNG link');

      const answer = await page.request.get(seen.png);
      assert.equal(answer.status(), 200, `GET ${seen.png}: ${await answer.text().catch(() => '')}`);
      assert.equal(answer.headers()['content-type'], 'image/png');
      assert.match(answer.headers()['content-disposition'] ?? '', /filename="kvarter-side-2011-2025\.png"/);
      assert.deepEqual(pngSize(await answer.body()), { width: seen.size.width * 2, height: seen.size.height * 2 }, 'width × scale by height × scale');

      const pdf = imageLink(seen.pdf);
      assert.equal(pdf.view, 'side');
      assert.equal(pdf.format, 'pdf');
      assert.equal(pdf.query.paper, 'a4-landscape');
      assert.equal(pdf.query.width, undefined, 'a paper instead of a size');
      assertBbox(pdf.query, seen.bounds, 'the PDF link');
      const document = await page.request.get(seen.pdf);
      assert.equal(document.status(), 200, `GET ${seen.pdf}`);
      assert.equal(document.headers()['content-type'], 'application/pdf');
      assert.equal((await document.body()).subarray(0, 5).toString('latin1'), '%PDF-');

      // Pan and zoom: the links follow the map.
      await page.evaluate(() => window.kvarter.maps[0].jumpTo({ center: [12.56, 55.69], zoom: 13 }));
      await idle(page);
      const moved = await poll(page, () => document.querySelector('#download-png').href, null, (href) => href !== seen.png, '#download-png changes when the map moves');
      const after = await onScreen(page);
      assert.equal(moved, after.png);
      assertBbox(imageLink(after.png).query, after.bounds, 'the PNG link after the map moved');

      // The change map: overlay mode is the changes view.
      await page.click('#mode-overlay');
      await idle(page);
      const overlay = imageLink(await page.evaluate(() => document.querySelector('#download-png').href));
      assert.equal(overlay.view, 'changes', 'overlay mode is the changes view');
      assert.deepEqual([overlay.query.from, overlay.query.to], ['2011', '2025']);
    });
  });

  test('the embed tools offer the image link, which answers with a PNG', TEST, async () => {
    await withPage(browser, { name: 'image-link' }, async (page, context) => {
      mkdirSync(artifacts, { recursive: true });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
      await openApp(page, server.base, '/?mode=swipe&from=2011&to=2017&lang=en');
      assert.equal(await page.textContent('label[for="image-link"]'), 'Image link (PNG) for Word and PDF');
      assert.equal(await page.textContent('#download-png'), 'Download as PNG');
      await page.locator('.embed-tools').screenshot({ path: join(artifacts, 'embed-tools.png') });
      const link = await page.inputValue('#image-link');
      assert.ok(link.startsWith(`${server.base}/api/static/side.png?`), `an absolute link to the swipe view's image: ${link}`);
      assert.equal(link, await page.evaluate(() => document.querySelector('#download-png').href), 'the same image as "Download as PNG"');
      await page.click('#copy-image');
      await poll(page, () => document.querySelector('#copy-status').textContent, null, (text) => text === 'Copied to the clipboard', '#copy-status says it was copied');
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
      const answer = await page.request.get(link);
      assert.equal(answer.status(), 200, `GET ${link}`);
      assert.equal(answer.headers()['content-type'], 'image/png');
      const query = imageLink(link).query;
      assert.deepEqual(pngSize(await answer.body()), { width: Number(query.width) * 2, height: Number(query.height) * 2 });
    });
  });

  test('printing to PDF puts the image of the view on one A4 landscape page, filling it', TEST, async () => {
    await withPage(browser, { name: 'print-image' }, async (page) => {
      await openApp(page, server.base, SIDE);
      const loaded = await printImageLoaded(page);
      const print = imageLink(loaded.src);
      const seen = await onScreen(page);
      assert.equal(print.view, 'side');
      assert.equal(print.query.paper, 'a4-landscape');
      assert.equal(print.query.scale, '2');
      assert.equal(print.query.units, 'bydele-2023');
      assertBbox(print.query, seen.bounds, 'the print image');
      assert.deepEqual(loaded.natural, [842 * 2, 595 * 2], 'an A4 landscape sheet at 2 pixels a point');

      mkdirSync(artifacts, { recursive: true });
      const pdf = join(artifacts, 'print-image.pdf');
      await page.pdf({ path: pdf, format: 'A4', landscape: true, printBackground: true });

      const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
      assert.match(info, /^Pages:\s+1$/m, `one page:\n${info}`);
      const [, w, h] = /^Page size:\s+([\d.]+) x ([\d.]+) pts/m.exec(info) ?? [];
      assert.ok(Math.abs(Number(w) - 841.89) < 1 && Math.abs(Number(h) - 595.28) < 1, `A4 landscape: ${w} × ${h} pt`);
      // The page holds the server's image at its full resolution, and no other picture (no
      // WebGL canvas).
      const images = execFileSync('pdfimages', ['-list', pdf], { encoding: 'utf8' })
        .split('\n').slice(2).filter((line) => /^\s*\d+\s+\d+\s+image\s/.test(line))
        .map((line) => line.trim().split(/\s+/).slice(3, 5).map(Number));
      assert.deepEqual(images, [[842 * 2, 595 * 2]], `pdfimages -list:\n${execFileSync('pdfimages', ['-list', pdf], { encoding: 'utf8' })}`);
      // …pixel for pixel the image the server renders for this view (every 5th pixel compared).
      const served = await page.request.get(loaded.src);
      assert.equal(served.status(), 200);
      assert.equal(served.headers()['content-type'], 'image/png');
      const original = readPng(await served.body());
      const extracted = join(artifacts, 'print-image-embedded');
      execFileSync('pdfimages', ['-f', '1', '-l', '1', pdf, extracted]);
      const embedded = readPpm(readFileSync(`${extracted}-000.ppm`));
      assert.deepEqual([embedded.width, embedded.height], [original.width, original.height]);
      let differing = 0;
      for (let y = 0; y < original.height; y += 5) {
        for (let x = 0; x < original.width; x += 5) {
          const [a, b] = [original.pixel(x, y), embedded.pixel(x, y)];
          if (a.some((value, channel) => Math.abs(value - b[channel]) > 2)) differing += 1;
        }
      }
      assert.equal(differing, 0, 'the printed image is the served one');
      // That image carries the legend: its scene, as SVG, has the heading as text (the PNG and
      // the printed page have it only as pixels).
      const scene = await page.request.get(loaded.src.replace('/side.png?', '/side.svg?').replace('&scale=2', ''));
      assert.equal(scene.status(), 200);
      assert.match(await scene.text(), /<text[^>]*>\s*Signaturforklaring\s*</, 'the image has the legend');

      // The page in pixels (50 dpi): a PNG to look at, a PPM to measure.
      const stem = join(artifacts, 'print-image-page');
      rmSync(`${stem}.ppm`, { force: true });
      execFileSync('pdftoppm', ['-png', '-r', '50', '-singlefile', pdf, stem]);
      execFileSync('pdftoppm', ['-r', '50', '-singlefile', pdf, stem]);
      const sheet = readPpm(readFileSync(`${stem}.ppm`));
      const white = ([r, g, b]) => r > 245 && g > 245 && b > 245;
      // The image's frame: the rows and columns with anything but white.
      let [left, right, top, bottom] = [sheet.width, -1, sheet.height, -1];
      for (let y = 0; y < sheet.height; y += 1) {
        for (let x = 0; x < sheet.width; x += 1) {
          if (white(sheet.pixel(x, y))) continue;
          left = Math.min(left, x);
          right = Math.max(right, x);
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
        }
      }
      const frame = { left, right, top, bottom, width: sheet.width, height: sheet.height };
      assert.ok(right - left + 1 >= 0.85 * sheet.width, `the image spans the page's width: ${JSON.stringify(frame)}`);
      assert.ok(bottom - top + 1 >= 0.75 * sheet.height, `and most of its height: ${JSON.stringify(frame)}`);
      // Both map panels are filled with the map: a band across the middle of each half of the
      // map area (the legend is on the right, so the halves are those of the left 70 %).
      const coloured = (x0, x1) => {
        let count = 0;
        let all = 0;
        for (let y = Math.round(top + 0.3 * (bottom - top)); y < top + 0.7 * (bottom - top); y += 1) {
          for (let x = Math.round(x0); x < x1; x += 1) {
            all += 1;
            if (!white(sheet.pixel(x, y))) count += 1;
          }
        }
        return count / all;
      };
      const mapWidth = 0.7 * (right - left);
      const shares = [coloured(left + 0.05 * mapWidth, left + 0.45 * mapWidth), coloured(left + 0.55 * mapWidth, left + 0.95 * mapWidth)];
      assert.ok(shares.every((share) => share > 0.9), `both map panels are filled with map colours: ${shares.map((s) => s.toFixed(2)).join(', ')} of their pixels are not white`);
    });
  });

  test('with an indicator the print image is coloured by it, with the period the map shows', TEST, async () => {
    await withPage(browser, { name: 'print-indicator' }, async (page) => {
      await openApp(page, server.base, '/?mode=side&from=2011&to=2025&units=bydele-2023&indicator=population');
      const seen = await printImageLoaded(page);
      const query = new URL(seen.src).searchParams;
      assert.equal(query.get('indicator'), 'population', seen.src);
      assert.match(query.get('period') ?? '', /^\d{4}$/, `the period the map resolved: ${seen.src}`);
      const svg = await page.evaluate(async (src) => (await fetch(src.replace('.png?', '.svg?'))).text(), seen.src);
      assert.ok(svg.includes('Befolkning'), 'the image names the indicator in its legend');
    });
  });

  test('when the image cannot be had, printing keeps the live maps', TEST, async () => {
    await withPage(browser, { name: 'print-live', allowErrors: [/Failed to load resource: net::ERR_FAILED/] }, async (page) => {
      await page.route('**/api/static/**', (route) => route.abort());
      await openApp(page, server.base, '/?mode=side&from=2011&to=2025&units=bydele-2023');
      await page.waitForTimeout(1500); // past the moment the print image is set (and fails)
      await page.emulateMedia({ media: 'print' });
      const shown = await page.evaluate(() => ({
        asImage: document.body.classList.contains('print-as-image'),
        image: getComputedStyle(document.querySelector('#print-image')).display,
        maps: getComputedStyle(document.querySelector('#maps')).display !== 'none',
      }));
      assert.deepEqual(shown, { asImage: false, image: 'none', maps: true });
    });
  });
});
