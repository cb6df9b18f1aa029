import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoPath } from '../../../plumbing/modules.ts';

/** One V8 CPU profile as Profiler.stop returns it (the fields read here). */
interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] }[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Self time of one function, microseconds, with where it lives. */
export interface SelfTime {
  fn: string;
  /** Path under the repository (`src/store/line-protocol/encode.ts`), `node_modules/<package>/...`, `node:...`, or empty. */
  file: string;
  /** `src/<folder>`, `node_modules/<package>`, `node` (Node's own JavaScript), or V8's `(garbage collector)`, `(program)`, `(idle)`; native code is `native: <box of the script that called it>` (`(native or eval)` when none did). */
  box: string;
  us: number;
}

/** The repository's root (this file is src/proof/bench/consumer/cpu-profile.ts), for paths relative to it. */
const ROOT = repoPath('');

/** The entries V8 makes for time in no function: each its own box. */
const V8_ENTRIES = new Set(['(garbage collector)', '(program)', '(idle)', '(root)']);

/** Where a profiled script lives: a path relative to the repository and the box (src folder or package) it belongs to. */
export function placeOf(url: string, fn: string, line = 0, column = 0): { file: string; box: string } {
  if (!url) return { file: '', box: V8_ENTRIES.has(fn) ? fn : '(native or eval)' };
  if (url.startsWith('node:')) return { file: url, box: 'node' };
  let path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    const pkg = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    return { file: `node_modules/${rest.join('/')}`, box: `node_modules/${pkg}` };
  }
  path = sourceOf(path, line, column);
  if (path.startsWith(ROOT)) path = path.slice(ROOT.length);
  const dir = path.split('/').slice(0, -1).join('/');
  return { file: path, box: dir || path };
}

const maps = new Map<string, SourceMap | null>();

/** Compiled, a function sits in a bundle chunk of dist/: its source file is read from the chunk's source map. */
function sourceOf(path: string, line: number, column: number): string {
  if (!path.startsWith(`${ROOT}dist/`)) return path;
  if (!maps.has(path)) {
    try {
      maps.set(path, new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8'))));
    } catch {
      maps.set(path, null);
    }
  }
  const source = (maps.get(path)?.findEntry(line, column) as { originalSource?: string } | undefined)?.originalSource;
  return source ? resolve(dirname(path), source.replace(/^file:\/\//, '')) : path;
}

/**
 * The bench process's CPU profile over chosen stretches (the consumer runs): V8's sampling profiler through
 * node:inspector, started and stopped around each stretch, self time summed per function over all of them.
 * Only this process's main thread is sampled: the publisher and the store's server run in other processes.
 */
export class CpuProfiler {
  private readonly session = new Session();
  private readonly totals = new Map<string, SelfTime>();
  /** The current profile's nodes to their function's key in `totals` (one function may be many nodes). */
  private readonly keyOf = new Map<string, string>();
  private connected = false;
  /** Sampled time over every stretch, microseconds. */
  sampledUs = 0;

  constructor(readonly intervalUs = 1000) {}

  async start(): Promise<void> {
    if (!this.connected) {
      this.session.connect();
      this.connected = true;
      await this.session.post('Profiler.enable');
      await this.session.post('Profiler.setSamplingInterval', { interval: this.intervalUs });
    }
    await this.session.post('Profiler.start');
  }

  /** Ends the stretch and adds its samples to the totals. */
  async stop(): Promise<void> {
    const { profile } = (await this.session.post('Profiler.stop')) as unknown as { profile: Profile };
    this.add(profile);
  }

  private add(profile: Profile): void {
    this.keyOf.clear(); // node ids start again in each profile
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    // A sample's time is the gap to the next sample (as Chrome's DevTools counts it); the last one has none.
    for (let i = 0; i < samples.length - 1; i++) {
      const node = byId.get(samples[i]);
      const us = Math.max(0, deltas[i + 1] ?? 0);
      if (!node || us === 0) continue;
      const { functionName, url, lineNumber, columnNumber } = node.callFrame;
      const fn = functionName || '(anonymous)';
      const key = `${node.id}\u0000${fn}\u0000${url}\u0000${lineNumber}:${columnNumber}`;
      const known = this.totals.get(this.keyOf.get(key) ?? key);
      if (known) known.us += us;
      else this.place(key, node, fn, us, (id) => byId.get(parent.get(id) ?? -1));
      this.sampledUs += us;
    }
  }

  /** Adds a function first seen; native code (a binding without a script) is placed with the script that called it. */
  private place(
    nodeKey: string,
    node: Profile['nodes'][number],
    fn: string,
    us: number,
    up: (id: number) => Profile['nodes'][number] | undefined,
  ) {
    const { url, lineNumber, columnNumber } = node.callFrame;
    let place = placeOf(url, fn, lineNumber, columnNumber);
    if (place.box === '(native or eval)') {
      let caller = up(node.id);
      while (caller && !caller.callFrame.url) caller = up(caller.id);
      if (caller) {
        const { url: callerUrl, functionName, lineNumber: callerLine, columnNumber: callerColumn } = caller.callFrame;
        const at = placeOf(callerUrl, functionName, callerLine, callerColumn);
        place = { file: at.file, box: `native: ${at.box}` };
      }
    }
    // tsx's output keeps a module on few lines, so a line number under src/ says little: the name is shown bare there.
    const shown = lineNumber > 0 ? `${fn}:${lineNumber + 1}` : fn;
    const key = `${shown}\u0000${url}\u0000${lineNumber}:${columnNumber}\u0000${place.box}`;
    this.keyOf.set(nodeKey, key);
    const t = this.totals.get(key);
    if (t) t.us += us;
    else this.totals.set(key, { fn: shown, ...place, us });
  }

  /** Every function's self time so far. */
  selfTimes(): SelfTime[] {
    return [...this.totals.values()];
  }

  async close(): Promise<void> {
    if (!this.connected) return;
    await this.session.post('Profiler.disable').catch(() => {});
    this.session.disconnect();
    this.connected = false;
  }
}
