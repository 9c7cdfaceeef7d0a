// Builds the front end into dist/: the map's JavaScript bundle and stylesheet (app.js, app.css)
// and its two HTML pages (index.html, embed.html), and the admin page (admin.html, with
// admin.js and admin.css), which the Rust binary embeds.
//
//   npm ci && npm run build
//
// dist/ is committed, so `cargo run -- serve` shows the map without Node. dist/SOURCE-HASH is
// the SHA-256 of every input (src/, this script and the lockfile); the Rust test
// `web_assets_are_built_from_the_current_sources` recomputes it and fails when dist/ is stale.
// The hash: for each input file, sorted by its path relative to web/ ('/'-separated), the
// path, a NUL byte, the length in bytes as decimal digits, a NUL byte and the content.

import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const web = dirname(fileURLToPath(import.meta.url));
const dist = join(web, 'dist');

/** Every file below `dir`, recursively. */
function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** The hash of the inputs, as documented above. */
export function sourceHash() {
  const inputs = [...files(join(web, 'src')), join(web, 'build.mjs'), join(web, 'package-lock.json')]
    .map((path) => relative(web, path).split(sep).join('/'))
    .sort();
  const hash = createHash('sha256');
  for (const path of inputs) {
    const content = readFileSync(join(web, path));
    hash.update(path);
    hash.update('\0');
    hash.update(String(content.length));
    hash.update('\0');
    hash.update(content);
  }
  return hash.digest('hex');
}

async function main() {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist);
  await build({
    entryPoints: { app: join(web, 'src', 'main.js'), admin: join(web, 'src', 'admin.js') },
    outdir: dist,
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020'],
    platform: 'browser',
    legalComments: 'eof',
    logLevel: 'warning',
  });
  for (const page of ['index.html', 'embed.html', 'admin.html']) {
    copyFileSync(join(web, 'src', page), join(dist, page));
  }
  writeFileSync(join(dist, 'SOURCE-HASH'), `${sourceHash()}\n`);
  for (const name of readdirSync(dist).sort()) {
    console.log(`${name}\t${statSync(join(dist, name)).size} bytes`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main();
}
