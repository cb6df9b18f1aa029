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

/**
 * The flags Node runs seamline with: `bin/seamline.js`'s shebang says the same (a test holds them equal), and
 * `npm start` and `npm run seamline` pass them. A young generation of 64 MB a semi-space: under load a batch
 * lives 40-60 ms, and in Node's default 16 MB its messages survived scavenges and were copied to the old
 * generation. bench consumer into DuckDB, 2026-12-07: the collector's share of the consumer's busy time from
 * 15-18% to 8-10%, CPU an event from 12.3-12.8 to 11.6-11.9 us, resident memory about 50 MB more.
 */
export const NODE_FLAGS = ['--max-semi-space-size=64'];

/** node's arguments for `seamline <args>` run as its bin runs it: NODE_FLAGS, then bin/seamline.js. */
export const seamlineArgs = (args: string[]): string[] => [...NODE_FLAGS, repoPath('bin/seamline.js'), ...args];
