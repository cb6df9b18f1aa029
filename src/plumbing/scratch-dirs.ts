import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killChildren } from './children.ts';

/**
 * Temp directories of bench, chaos and the services they start (outboxes, DuckDB files, a PostgreSQL cluster) that
 * must not outlive the run: a Ctrl-C'd chaos run left gigabytes of them in /tmp. Each is removed when this process
 * exits (SIGINT and SIGTERM too, once `exitOnSignals()` is installed), after the children that write into them are
 * killed; code that finishes normally removes its own earlier, as before. Only SIGKILL of this process leaves them.
 */
const dirs = new Set<string>();
let hooked = false;

/** A new directory under the system's temp dir, named `prefix` and random letters, removed at exit at the latest. */
export function scratchDir(prefix: string): string {
  if (!hooked) {
    hooked = true;
    process.on('exit', removeScratchDirs);
  }
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

/** Kills our children first (a server still writing would refill a directory being removed), then removes every dir. */
function removeScratchDirs(): void {
  killChildren();
  for (const dir of dirs) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // At exit nothing can be done about a directory that will not go; the rest still are removed.
    }
  }
  dirs.clear();
}
