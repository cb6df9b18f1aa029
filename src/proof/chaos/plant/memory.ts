import { childrenOf, postgresMb, rssMb, startedAtMs } from '../harness/proc-status.ts';

/** One process life's resident memory over the run: `samples` are [seconds since the run began, MB]. */
export interface MemorySeries {
  name: string;
  pid: number;
  /** When the process started, seconds since the run began (negative: before it), from /proc; null if unknown. */
  started_s: number | null;
  samples: [number, number][];
}

/** What the result reports per process life: its samples, its last and peak RSS, and its slope over the last half. */
export interface MemoryFigures {
  name: string;
  pid: number;
  samples: number;
  first_mb: number;
  last_mb: number;
  peak_mb: number;
  started_s: number | null;
  /**
   * Least-squares slope of RSS, MB/min, over the life's samples in the last half of the run that are at least
   * JUDGED_AFTER_S into the life; null when those are too few, and then `not_judged` says why.
   */
  slope_mb_per_min: number | null;
  not_judged?: string;
  series: [number, number][];
}

/** The servers of the plant, by command name: the processes this one starts that are not seamline commands. */
const SERVERS = ['mosquitto', 'postgres'];

/**
 * Seconds into a process's life before its samples are judged: a camera host (its model and the synthetic conveyor)
 * climbs about 25 MB over its first five minutes and then levels off, so a host restarted late in the run would be
 * judged on its warm-up.
 */
export const JUDGED_AFTER_S = 300;

/** Least-squares slope of y over x (x in seconds), per minute; null with fewer than 3 points. */
export function slopePerMinute(points: readonly [number, number][]): number | null {
  const n = points.length;
  if (n < 3) return null;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? null : (num / den) * 60;
}

/**
 * Samples the RSS of every direct child of this process (the plant's hosts, consumers, alert engine, dashboard,
 * Mosquitto, PostgreSQL) on each `sample()`; `names` labels the pids we started ourselves, the servers go by their
 * command name, and any other child is left out. A restarted process is a new life with its own series.
 */
export class MemorySampler {
  private readonly lives = new Map<number, MemorySeries>();
  constructor(
    private readonly startedAt: number,
    private readonly names: (pid: number) => string | undefined,
  ) {}

  sample(now = Date.now()): void {
    const t = Math.round((now - this.startedAt) / 100) / 10;
    for (const { pid, comm } of childrenOf(process.pid)) {
      // Ours by name, and the two servers; not helpers of this process itself (tsx's esbuild service).
      const name = this.names(pid) ?? (SERVERS.includes(comm) ? comm : undefined);
      if (name === undefined) continue;
      const mb = comm === 'postgres' ? postgresMb(pid) : rssMb(pid);
      if (mb === undefined) continue;
      let life = this.lives.get(pid);
      if (!life) {
        const started = startedAtMs(pid);
        const started_s = started === undefined ? null : Math.round((started - this.startedAt) / 100) / 10;
        this.lives.set(pid, (life = { name, pid, started_s, samples: [] }));
      }
      life.samples.push([t, Math.round(mb * 10) / 10]);
    }
  }

  get series(): MemorySeries[] {
    return [...this.lives.values()];
  }

  /**
   * Per life: figures, and the slope over its samples in the last half of the run [half, end] that are JUDGED_AFTER_S
   * or more into the life (from its first sample when /proc did not say when it started), judged only when those
   * span at least half of that last half; otherwise slope null and why.
   */
  figures(runSeconds: number): MemoryFigures[] {
    return this.series.map((s) => {
      const { slope, why } = judgeLife(s, runSeconds);
      const mbs = s.samples.map(([, mb]) => mb);
      return {
        name: s.name,
        pid: s.pid,
        samples: s.samples.length,
        first_mb: mbs[0] ?? 0,
        last_mb: mbs[mbs.length - 1] ?? 0,
        peak_mb: Math.max(0, ...mbs),
        started_s: s.started_s,
        slope_mb_per_min: slope === null ? null : Math.round(slope * 100) / 100,
        ...(why && { not_judged: why }),
        series: s.samples,
      };
    });
  }
}

/** The slope of one life over its judged samples (MemorySampler.figures), or null and why not. */
export function judgeLife(s: MemorySeries, runSeconds: number): { slope: number | null; why?: string } {
  const half = runSeconds / 2;
  const need = (runSeconds - half) / 2;
  const from = Math.max(half, (s.started_s ?? s.samples[0]?.[0] ?? 0) + JUDGED_AFTER_S);
  const judged = s.samples.filter(([t]) => t >= from);
  const span = judged.length ? judged[judged.length - 1][0] - judged[0][0] : 0;
  const started = s.started_s === null ? 'its first sample' : `its start at ${s.started_s} s`;
  if (judged.length < 3 || span < need) {
    const what = judged.length ? `${judged.length} samples over ${Math.round(span)} s` : 'no samples';
    return {
      slope: null,
      why: `${what} from ${Math.round(from)} s (the last half, ${JUDGED_AFTER_S} s after ${started}); needs ${need} s`,
    };
  }
  const slope = slopePerMinute(judged);
  return slope === null ? { slope, why: 'flat time axis' } : { slope };
}
