import { ALL_BENCHES, headlinesOf, type BenchName, type Headline } from './headlines.ts';
import { describeMachine, type Machine } from './machine.ts';

/**
 * What `--quick` passes to each bench: small counts so that all six run in about two minutes here (CI, the
 * test), every figure still measured; the targets are for the full runs (docs/proof.md).
 */
export const QUICK: Record<BenchName, Record<string, unknown>> = {
  edge: { events: 4_000 },
  consumer: { events: 5_000, rounds: 1, lagRate: 1_000, lagSeconds: 8, profile: false },
  inference: { seconds: 2, realistic: false, cameras: 0 },
  dashboard: { hours: 1, rate: 1, cameras: 3, runs: 2 },
  evidence: { images: 100, cameras: 3, days: 1, runs: 2 },
  start: { runs: 1 },
};

export interface BenchOutcome {
  bench: BenchName;
  ok: boolean;
  /** Seconds into the run when it started, and how long it took. */
  started_s: number;
  seconds: number;
  headlines: Headline[];
  /** The bench's message when it failed. */
  error?: string;
  /** The bench's whole result, as `seamline bench <name> --json` prints it. */
  result?: Record<string, unknown>;
}

export interface AllResult {
  started_at: string;
  took_s: number;
  quick: boolean;
  machine: Machine;
  benches: BenchOutcome[];
  /** This process's resident memory each second, with the bench that was running. */
  rss_series: { t_s: number; rss_mb: number; bench: BenchName }[];
  targets: { met: number; missed: number };
}

export interface RunAllOptions {
  quick: boolean;
  /** Runs one bench as `seamline bench <name>` would, with `overrides` over the command's config (QUICK's with --quick). */
  measure(bench: BenchName, overrides: Record<string, unknown>, progress: (line: string) => void): Promise<Record<string, unknown>>;
  /** The progress display (stderr). */
  progress(line: string): void;
}

const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const since = (ms: number) => Math.round((Date.now() - ms) / 100) / 10;

/** Every bench in turn, one after the other (they would measure each other otherwise); a failed one is reported and the rest run. */
export async function runAll(o: RunAllOptions): Promise<AllResult> {
  const startedMs = Date.now();
  const machine = await describeMachine();
  o.progress(`machine: ${machine.cores} cores, ${machine.memory_gib} GiB, Node ${machine.node}, ${machine.mosquitto ?? 'no mosquitto'}`);
  let current: BenchName = ALL_BENCHES[0];
  const rss: AllResult['rss_series'] = [];
  const sampler = setInterval(() => rss.push({ t_s: since(startedMs), rss_mb: rssMb(), bench: current }), 1_000);
  sampler.unref();
  const benches: BenchOutcome[] = [];
  try {
    for (const [i, bench] of ALL_BENCHES.entries()) {
      current = bench;
      const tag = `[${i + 1}/${ALL_BENCHES.length}] ${bench}`;
      o.progress(`${tag}: running${o.quick ? ' (quick)' : ''}`);
      const started = Date.now();
      const outcome: BenchOutcome = { bench, ok: true, started_s: since(startedMs), seconds: 0, headlines: [] };
      try {
        outcome.result = await o.measure(bench, o.quick ? QUICK[bench] : {}, (line) => o.progress(`  ${bench} | ${line.trim()}`));
        outcome.headlines = headlinesOf(bench, outcome.result);
      } catch (err) {
        outcome.ok = false;
        outcome.error = err instanceof Error ? err.message : String(err);
      }
      outcome.seconds = since(started);
      benches.push(outcome);
      const met = outcome.headlines.filter((h) => h.met === true).length;
      const targets = outcome.headlines.filter((h) => h.met !== null).length;
      o.progress(
        `${tag}: ${outcome.ok ? `done in ${outcome.seconds} s, ${met} of ${targets} targets met` : `FAILED after ${outcome.seconds} s: ${outcome.error}`}`,
      );
    }
  } finally {
    clearInterval(sampler);
  }
  const all = benches.flatMap((b) => b.headlines);
  return {
    started_at: new Date(startedMs).toISOString(),
    took_s: since(startedMs),
    quick: o.quick,
    machine,
    benches,
    rss_series: rss,
    targets: { met: all.filter((h) => h.met === true).length, missed: all.filter((h) => h.met === false).length },
  };
}

const cell = (h: Headline) => (h.value === null ? '—' : `${h.value.toLocaleString('en-US')}${h.unit ? ` ${h.unit}` : ''}`);
const verdict = (h: Headline) => (h.met === null ? '' : h.met ? 'met' : 'MISSED');

/** The results table: one row per headline figure, bench by bench, with its target and whether it was met. */
export function resultRows(r: AllResult): string[][] {
  return r.benches.flatMap((b) =>
    b.ok ? b.headlines.map((h) => [b.bench, h.figure, cell(h), h.target ?? '', verdict(h)]) : [[b.bench, `FAILED: ${b.error}`, '', '', '']],
  );
}

/** The table as aligned lines for the terminal, and the summary under it. */
export function resultLines(r: AllResult): string[] {
  const rows = [['bench', 'figure', 'value', 'target', ''], ...resultRows(r)];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return [
    `bench all${r.quick ? ' --quick' : ''}: ${r.benches.length} benches in ${r.took_s} s on ${r.machine.cores} cores, ${r.machine.memory_gib} GiB, Node ${r.machine.node}`,
    ...rows.map((row) => `  ${row.map((v, c) => v.padEnd(widths[c])).join('  ')}`.trimEnd()),
    `targets: ${r.targets.met} met, ${r.targets.missed} missed${r.quick ? ' (quick counts: the targets are for the full runs)' : ''}`,
  ];
}
