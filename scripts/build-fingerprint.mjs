// What the compiled dist/ was built from: every file under src/ by path, size and modification time, and the
// build's own inputs. bin/seamline.js runs dist/ only when this still matches, so an edit, a checkout or a
// deleted file can never leave it running stale code (it runs src/ through tsx until the next build).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('..', import.meta.url).pathname;
export const SRC = join(ROOT, 'src');
const BUILD_INPUTS = ['package.json', 'scripts/build.mjs', 'scripts/build-fingerprint.mjs'];
export const DIST = join(ROOT, 'dist');
export const FINGERPRINT_FILE = join(DIST, '.fingerprint');

/** Every file under src/, by absolute path. */
export function sourceFiles() {
  return readdirSync(SRC, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

export function sourceFingerprint() {
  const hash = createHash('sha1');
  const files = sourceFiles()
    .concat(BUILD_INPUTS.map((f) => join(ROOT, f)))
    .sort();
  for (const file of files) {
    const s = statSync(file);
    hash.update(`${file.slice(ROOT.length)}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** Whether dist/ holds the build of the sources as they are now. */
export function distIsFresh() {
  try {
    return readFileSync(FINGERPRINT_FILE, 'utf8') === sourceFingerprint();
  } catch {
    return false;
  }
}
