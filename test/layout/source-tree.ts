/**
 * The source tree as the layout tests read it: every file under src/, its folder, and the folders its
 * relative imports reach (type-only imports count too: a reader follows them just the same).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const SRC = join(ROOT, 'src');

/** Paths relative to the repository root, e.g. `src/store/duckdb/store.ts`. */
export function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : [relative(ROOT, path)];
  });
}

export function sourceFolders(dir = SRC): string[] {
  const below = readdirSync(dir).filter((name) => statSync(join(dir, name)).isDirectory());
  return [relative(ROOT, dir), ...below.flatMap((name) => sourceFolders(join(dir, name)))];
}

const IMPORT = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/** The files a source file imports by relative path, as paths relative to the repository root. */
export function importsOf(file: string): string[] {
  if (!/\.(ts|js)$/.test(file)) return [];
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => relative(ROOT, resolve(ROOT, dirname(file), m[1])));
}

/** Folder -> folders it imports from (itself left out). */
export function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles()) {
    const from = dirname(file);
    if (!graph.has(from)) graph.set(from, new Set());
    for (const target of importsOf(file)) {
      const to = dirname(target);
      if (to !== from && to.startsWith('src/')) graph.get(from)!.add(to);
    }
  }
  return graph;
}

/** Strongly connected components with more than one folder (Tarjan): each is an import cycle. */
export function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}
