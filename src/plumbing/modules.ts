import { fileURLToPath } from 'node:url';

/**
 * Seamline runs compiled (dist/, bundled by scripts/build.mjs) or from its sources through tsx (tests, and
 * until a build is fresh). A bundled module no longer sits where its source did, so paths are taken from the
 * repository's root, never from a module's own place: files the repository ships (the model, the page, the
 * proto) are read where they are in the repository, and a worker is started as its own entry in either form.
 */
const here = import.meta.url;
const COMPILED = here.lastIndexOf('/dist/') > here.lastIndexOf('/src/');
/** The repository's root: the folder that holds src/ (and dist/). */
const ROOT = here.slice(0, Math.max(here.lastIndexOf('/dist/'), here.lastIndexOf('/src/')) + 1);
// An absolute loader URL, so a child starts whatever directory seamline was run from.
const TSX = import.meta.resolve('tsx');

/** Whether this process runs the compiled build (a worker thread then needs no tsx). */
export const isCompiled = (): boolean => COMPILED;

/** A file of the repository, by its path from the root (`models/seamline-conveyor.onnx`, `bin/seamline.js`). */
export function repoPath(path: string): string {
  return fileURLToPath(new URL(path, ROOT));
}

/**
 * A module started on its own (a worker thread or a child process), by its path under src/ without extension:
 * `src/<name>.ts` from the sources, `dist/<name>.js` compiled. scripts/build.mjs makes every name passed here
 * an entry of the build, so the compiled one is there.
 */
export function workerModule(name: string): URL {
  return new URL(COMPILED ? `dist/${name}.js` : `src/${name}.ts`, ROOT);
}

/** node's arguments that run the module file at `path`: under tsx when it is TypeScript. */
export function nodeArgsFor(path: string): string[] {
  return path.endsWith('.ts') ? ['--import', TSX, path] : [path];
}
