import type { SelfTime } from './cpu-profile.ts';

export interface FunctionShare {
  function: string;
  file: string;
  box: string;
  /** Of the busy time (sampled time not idle), 0-1. */
  self_share: number;
}

export interface BoxShare {
  box: string;
  self_share: number;
  /** The box's function with the most self time, and its share of the busy time. */
  top_function: string;
  top_function_share: number;
}

/** Where the bench process's main thread spent its time during the profiled consumer run (ConsumerBenchResult.profile). */
export interface ProfileSummary {
  interval_us: number;
  /** Sampled time over all consumer runs, and of it the busy part (not idle). */
  sampled_ms: number;
  busy_ms: number;
  idle_share_of_sampled: number;
  /** The busy time by kind: our sources, npm packages, Node's own JavaScript, V8's collector, V8 and native code (bindings: `native: <caller's box>`). */
  src_share: number;
  node_modules_share: number;
  node_share: number;
  gc_share: number;
  program_share: number;
  /** The functions with the most self time. */
  functions: FunctionShare[];
  /** Per src/ folder or npm package (or Node, V8, native), every one of at least half a percent. */
  by_box: BoxShare[];
  /** The files with the most self time. */
  by_file: { file: string; self_share: number }[];
}

const share = (us: number, of: number) => (of > 0 ? Math.round((us / of) * 10_000) / 10_000 : 0);

function sumBy<K>(times: SelfTime[], key: (t: SelfTime) => K): Map<K, number> {
  const m = new Map<K, number>();
  for (const t of times) m.set(key(t), (m.get(key(t)) ?? 0) + t.us);
  return m;
}

/** The summary of a profile's self times: `top` functions and files, boxes down to half a percent. */
export function summarizeProfile(all: SelfTime[], intervalUs: number, top = 10): ProfileSummary {
  const sampled = all.reduce((n, t) => n + t.us, 0);
  const busyTimes = all.filter((t) => t.box !== '(idle)');
  const busy = busyTimes.reduce((n, t) => n + t.us, 0);
  const kind = (pred: (t: SelfTime) => boolean) =>
    share(
      busyTimes.filter(pred).reduce((n, t) => n + t.us, 0),
      busy,
    );
  const sorted = [...busyTimes].sort((a, b) => b.us - a.us);
  const boxes = [...sumBy(busyTimes, (t) => t.box).entries()].sort((a, b) => b[1] - a[1]);
  return {
    interval_us: intervalUs,
    sampled_ms: Math.round(sampled / 1000),
    busy_ms: Math.round(busy / 1000),
    idle_share_of_sampled: share(sampled - busy, sampled),
    src_share: kind((t) => t.box.startsWith('src/')),
    node_modules_share: kind((t) => t.box.startsWith('node_modules/')),
    node_share: kind((t) => t.box === 'node'),
    gc_share: kind((t) => t.box === '(garbage collector)'),
    program_share: kind((t) => t.box === '(program)' || t.box.startsWith('native') || t.box === '(native or eval)'),
    functions: sorted.slice(0, top).map((t) => ({ function: t.fn, file: t.file, box: t.box, self_share: share(t.us, busy) })),
    by_box: boxes
      .filter(([, us]) => us / busy >= 0.005)
      .map(([box, us]) => {
        const hottest = sorted.find((t) => t.box === box)!;
        return { box, self_share: share(us, busy), top_function: hottest.fn, top_function_share: share(hottest.us, busy) };
      }),
    by_file: [...sumBy(busyTimes, (t) => t.file || t.box).entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([file, us]) => ({ file, self_share: share(us, busy) })),
  };
}

const pct = (s: number) => `${(s * 100).toFixed(1).padStart(5)}%`;

/** The summary as lines for the printed table (the JSON carries the same figures). */
export function profileLines(p: ProfileSummary): string[] {
  return [
    `  profile (bench process, main thread, the profiled consumer run; sampled every ${p.interval_us} us; shares of ${p.busy_ms} ms busy, idle ${pct(p.idle_share_of_sampled).trim()} of ${p.sampled_ms} ms)`,
    `    by kind: src/ ${pct(p.src_share)}, node_modules ${pct(p.node_modules_share)}, node ${pct(p.node_share)}, GC ${pct(p.gc_share)}, V8 and native ${pct(p.program_share)}`,
    '    top functions (self time):',
    ...p.functions.map(
      (f) =>
        `      ${pct(f.self_share)}  ${f.function}  ${f.box.startsWith('native: ') ? `native or generated code, called from ${f.file}` : f.file || f.box}`,
    ),
    '    by src/ folder or package:',
    ...p.by_box.map(
      (b) => `      ${pct(b.self_share)}  ${b.box.padEnd(36)} hottest: ${b.top_function} (${pct(b.top_function_share).trim()})`,
    ),
  ];
}
