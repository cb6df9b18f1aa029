// Compiles src/ to dist/ (one .js per .ts, source maps, the non-TypeScript files copied beside them) so that
// `seamline` starts without compiling TypeScript at every start. Type checking is `npm run typecheck`'s job;
// this only strips types, in about a second. Run by `npm ci` (prepare), and by `npm start` and the test command when dist/ is stale.
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import { DIST, distIsFresh, FINGERPRINT_FILE, sourceFingerprint } from './build-fingerprint.mjs';

const SRC = new URL('../src', import.meta.url).pathname;
// A relative import of a .ts module becomes the .js beside it; bare and node: specifiers are left alone.
const RELATIVE_TS = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)(["'])(\.{1,2}\/[^"'\n]*?)\.ts\2/g;
const LEFT_TS = /["']\.{1,2}\/[^"'\n]*\.ts["']/;

function jsOf(path, text) {
  const out = text.replace(RELATIVE_TS, (_m, head, quote, spec) => `${head}${quote}${spec}.js${quote}`);
  const left = out.match(LEFT_TS);
  if (left) throw new Error(`${relative(DIST, path)}: a relative .ts path is left in the output: ${left[0]}`);
  return out;
}

// `--if-stale` (npm start, the test command): nothing to do when dist/ is the build of the sources as they are.
if (process.argv.includes('--if-stale') && distIsFresh()) process.exit(0);
const started = performance.now();
const fingerprint = sourceFingerprint();
const files = readdirSync(SRC, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile())
  .map((e) => join(e.parentPath ?? e.path, e.name));
rmSync(DIST, { recursive: true, force: true });
const result = await build({
  entryPoints: files.filter((f) => f.endsWith('.ts')),
  outdir: DIST,
  outbase: SRC,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  bundle: false,
  write: false,
  logLevel: 'warning',
});
try {
  for (const file of result.outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.path.endsWith('.js') ? jsOf(file.path, file.text) : file.contents);
  }
} catch (err) {
  process.stderr.write(`seamline build: ${err.message}\n`);
  process.exit(1);
}
for (const file of files.filter((f) => !f.endsWith('.ts'))) cpSync(file, join(DIST, relative(SRC, file)));
// Written last: a build cut short leaves no fingerprint, and bin/seamline.js runs the sources instead.
writeFileSync(FINGERPRINT_FILE, fingerprint);
console.error(`seamline: built dist/ from ${files.length} files in ${Math.round(performance.now() - started)} ms`);
