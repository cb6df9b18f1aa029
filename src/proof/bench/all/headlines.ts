/** The benches `seamline bench all` runs, in order. */
export const ALL_BENCHES = ['edge', 'consumer', 'inference', 'dashboard', 'evidence', 'start'] as const;
export type BenchName = (typeof ALL_BENCHES)[number];

/** One headline figure of a bench, and its target when the project set one (README "Measured on this machine"). */
export interface Headline {
  figure: string;
  value: number | null;
  unit: string;
  /** The target as written, e.g. ">= 20000"; null for a figure without one. */
  target: string | null;
  /** Whether the value meets the target; null without a target or a value. */
  met: boolean | null;
}

type Result = Record<string, unknown>;
type Check = { op: '>=' | '<=' | '='; bound: number } | null;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const at = (r: Result, ...path: string[]): unknown =>
  path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Result)[k] : undefined), r);

function headline(figure: string, value: unknown, unit: string, check: Check): Headline {
  const v = num(value);
  const met =
    check === null || v === null ? null : check.op === '>=' ? v >= check.bound : check.op === '<=' ? v <= check.bound : v === check.bound;
  return { figure, value: v, unit, target: check ? `${check.op} ${check.bound}` : null, met };
}

const atLeast = (bound: number): Check => ({ op: '>=', bound });
const atMost = (bound: number): Check => ({ op: '<=', bound });
const exactly = (bound: number): Check => ({ op: '=', bound });

/** Each bench's headline figures against the targets of the issues and README (docs/proof.md lists them). */
const EXTRACT: Record<BenchName, (r: Result) => Headline[]> = {
  edge: (r) => [
    headline('durable accepts', r.accept_per_s, 'events/s', atLeast(20_000)),
    headline('backlog drained into the broker', r.drain_per_s, 'events/s', atLeast(10_000)),
    headline('accepts, replay window on / off', r.accept_ratio_vs_no_window, 'ratio', atLeast(0.9)),
    headline('drain, replay window on / off', r.drain_ratio_vs_no_window, 'ratio', atLeast(0.9)),
  ],
  consumer: (r) => [
    // Issue 27's targets: 0.9 into DuckDB (what bench all runs unless --store says otherwise), 0.6 into a server store.
    headline(
      'consumer / QoS 1 ceiling (median of rounds)',
      r.ratio,
      'ratio',
      atLeast(r.store === undefined || r.store === 'duckdb' ? 0.9 : 0.6),
    ),
    headline('committed and acknowledged', r.events_per_s, 'events/s', null),
    headline(`end-to-end lag p99 at ${r.lag_rate} events/s`, r.lag_p99_ms, 'ms', atMost(250)),
    headline(
      'lost (published - stored)',
      num(r.published) !== null && num(r.stored) !== null ? (r.published as number) - (r.stored as number) : null,
      'events',
      exactly(0),
    ),
    headline('duplicates', r.duplicates, 'events', exactly(0)),
    headline('RSS peak in the paced phase', r.rss_peak_mb, 'MB', null),
  ],
  inference: (r) => [
    headline('pre/post-processing p50, 1080p -> boxes', r.prepost_ms_p50, 'ms', atMost(3)),
    headline('precision at IoU 0.5', r.precision, '', atLeast(0.9)),
    headline('recall at IoU 0.5', r.recall, '', atLeast(0.9)),
    headline('bridge event-loop p99 during inference', r.event_loop_p99_ms, 'ms', atMost(20)),
    headline('end-to-end fps (source 30)', r.fps, 'fps', null),
    headline('bundled model run p50', r.model_ms_p50, 'ms', null),
  ],
  dashboard: (r) => [
    headline(`slowest panel p95 over 24 h (${r.hours} h of ${r.cameras} cameras loaded)`, r.panel_p95_ms, 'ms', atMost(100)),
    headline('slowest panel p95 over 7 days', r.panel_p95_7d_ms, 'ms', atMost(250)),
    headline('shift summary p95', r.shift_summary_p95_ms, 'ms', atMost(100)),
  ],
  evidence: (r) =>
    Object.entries((r.stores as Record<string, Result> | undefined) ?? {}).flatMap(([store, s]) => [
      headline(`${store}: newest page p95`, at(s, 'requests', 'list_newest', 'p95_ms'), 'ms', null),
      headline(`${store}: a rare class p95`, at(s, 'requests', 'list_rare_class', 'p95_ms'), 'ms', null),
      headline(`${store}: first thumbnail p95`, at(s, 'requests', 'thumb_first', 'p95_ms'), 'ms', null),
    ]),
  start: (r) => [
    headline('seamline --help, median', at(r, 'cold_start_ms', 'help', 'median'), 'ms', atMost(300)),
    headline('bridge restart to its first accept, median', at(r, 'restart_to_accept_ms', 'median'), 'ms', atMost(1_000)),
    headline('consumer restart to its first commit, median', at(r, 'restart_to_first_commit_ms', 'median'), 'ms', atMost(1_000)),
  ],
};

export function headlinesOf(bench: BenchName, result: Result): Headline[] {
  return EXTRACT[bench](result);
}
