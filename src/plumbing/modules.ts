import { extname } from 'node:path';

/**
 * Seamline runs from dist/ (compiled, scripts/build.mjs) or from src/ through tsx (tests, and until a build is
 * fresh). A worker thread or child process started from a module must be its sibling in the same form, and
 * only TypeScript needs tsx loaded into it.
 */
// An absolute loader URL, so a child starts whatever directory seamline was run from.
const TSX = import.meta.resolve('tsx');

/** The module `name` (no extension) beside `moduleUrl`: `name.ts` beside a .ts module, `name.js` beside a .js one. */
export function siblingModule(moduleUrl: string, name: string): URL {
  return new URL(`./${name}${extname(new URL(moduleUrl).pathname)}`, moduleUrl);
}

/** node's arguments that run the module file at `path`: under tsx when it is TypeScript. */
export function nodeArgsFor(path: string): string[] {
  return path.endsWith('.ts') ? ['--import', TSX, path] : [path];
}

/** Whether a module is running as TypeScript (a worker thread then needs tsx registered before it imports). */
export const isTypeScript = (moduleUrl: string): boolean => moduleUrl.endsWith('.ts');
