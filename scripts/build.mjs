// Compiles src/ to dist/ so that `seamline` starts without compiling TypeScript at every start: esbuild bundles
// Seamline's own modules (and the ESM-only packages of many small files it uses) into a few chunks, split so that
// each command still loads only what it runs; the other packages stay in node_modules. Type checking is
// `npm run typecheck`'s job; this takes about a second. Run by `npm ci` (prepare), and by `npm start` and the test
// command when dist/ is stale. Files the repository ships (models, the page, the proto) are read from where they
// are (plumbing/modules.ts), so nothing is copied.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import { DIST, distIsFresh, FINGERPRINT_FILE, ROOT, SRC, sourceFiles, sourceFingerprint } from './build-fingerprint.mjs';

// Bundled: the packages a restarted consumer or bridge loads before it takes traffic. Loaded from node_modules
// they cost more than their code: hundreds of small files resolved and read one by one, and every CommonJS
// module an ESM import reaches scanned by node's cjs-module-lexer for its export names (a DuckDB consumer spent
// ~110 ms of its ~950 ms restart there). Native addons (DuckDB's bindings, LMDB, onnxruntime, sharp) and the
// packages only other commands load stay in node_modules. A bundled CommonJS package must be imported
// statically: a dynamic import() of one gives only its default export.
const BUNDLED_PACKAGES = new Set([
  '@sinclair/typebox',
  'uuid',
  '@duckdb/node-api',
  'ajv',
  'commander',
  'luxon',
  'mqtt',
  'mqtt-packet',
  'pg',
  'pino',
  'prom-client',
]);
// Bundled CommonJS code calls require() for node's built-in modules; ESM has none, so each chunk makes one.
const REQUIRE_BANNER =
  "import { createRequire as __seamlineRequire } from 'node:module'; const require = __seamlineRequire(import.meta.url);";
// A bundled module has no place of its own: a relative .ts path left in the output would point nowhere (a
// package's own `.d.ts` names in its code are no import).
const LEFT_TS = /["']\.{1,2}\/[^"'\n]*(?<!\.d)\.ts["']/;
const WORKER = /workerModule\(\s*['"]([^'"]+)['"]\s*\)/g;
const DYNAMIC_PACKAGE = /\bimport\(\s*['"]((?:@[^/'"]+\/)?[^./'"][^/'"]*)[^'"]*['"]\s*\)/g;

function fail(message) {
  process.stderr.write(`seamline build: ${message}\n`);
  process.exit(1);
}

// `--if-stale` (npm start, the test command): nothing to do when dist/ is the build of the sources as they are.
if (process.argv.includes('--if-stale') && distIsFresh()) process.exit(0);
const started = performance.now();
const fingerprint = sourceFingerprint();
const sources = sourceFiles().filter((file) => file.endsWith('.ts'));
// Every module started on its own (plumbing/modules.ts workerModule) is an entry, beside the CLI.
const workers = new Set();
for (const file of sources) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(WORKER)) workers.add(m[1]);
  for (const m of text.matchAll(DYNAMIC_PACKAGE)) {
    if (BUNDLED_PACKAGES.has(m[1]))
      fail(
        `${relative(ROOT, file)}: import('${m[1]}') of a bundled package would give only its default export; import it statically in a module of ours and import() that`,
      );
  }
}
const entryPoints = [{ in: join(SRC, 'cli/main.ts'), out: 'cli/main' }];
for (const name of workers) {
  const file = join(SRC, `${name}.ts`);
  if (!sources.includes(file)) fail(`workerModule('${name}') names no file (src/${name}.ts)`);
  entryPoints.push({ in: file, out: name });
}
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const external = Object.keys(pkg.dependencies ?? {}).filter((name) => !BUNDLED_PACKAGES.has(name));

rmSync(DIST, { recursive: true, force: true });
let result;
try {
  result = await build({
    entryPoints,
    outdir: DIST,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    banner: { js: REQUIRE_BANNER },
    write: false,
    logLevel: 'silent',
  });
} catch (err) {
  fail(err.errors?.map((e) => `${e.location?.file ?? ''}:${e.location?.line ?? ''} ${e.text}`).join('; ') ?? err.message);
}
for (const file of result.outputFiles) {
  const left = file.path.endsWith('.js') && file.text.match(LEFT_TS);
  if (left) fail(`${relative(DIST, file.path)}: a relative .ts path is left in the output: ${left[0]}`);
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, file.contents);
}
// Written last: a build cut short leaves no fingerprint, and bin/seamline.js runs the sources instead.
writeFileSync(FINGERPRINT_FILE, fingerprint);
const ms = Math.round(performance.now() - started);
console.error(`seamline: built dist/ from ${sources.length} modules (${entryPoints.length} entries) in ${ms} ms`);
