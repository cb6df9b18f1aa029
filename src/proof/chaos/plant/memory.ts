import { readdirSync, readFileSync } from 'node:fs';

/** One process life's resident memory over the run: `samples` are [seconds since the run began, MB]. */
export interface MemorySeries {
  name: string;
  pid: number;
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
  /** Least-squares slope of RSS over the last half of the run, MB/min; null when the life covered too little of it. */
  slope_mb_per_min: number | null;
  series: [number, number][];
}

/** VmRSS of a process from /proc/<pid>/status, MB; undefined once it is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** The processes whose parent is `parent` (from /proc/<pid>/stat), with their command name. */
export function childrenOf(parent: number): { pid: number; comm: string }[] {
  const found: { pid: number; comm: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // comm is in parentheses and may hold spaces; the fields after the last ')' are fixed.
      const close = stat.lastIndexOf(')');
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      if (ppid === parent) found.push({ pid: Number(entry), comm: stat.slice(stat.indexOf('(') + 1, close) });
    } catch {
      // Gone between readdir and read.
    }
  }
  return found;
}

/** The servers of the plant, by command name: the processes this one starts that are not seamline commands. */
const SERVERS = ['mosquitto', 'postgres'];

/** Seconds at the start of a process's life that its slope leaves out. */
const WARM_UP_S = 60;

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
      const mb = rssMb(pid);
      if (mb === undefined) continue;
      let life = this.lives.get(pid);
      if (!life) this.lives.set(pid, (life = { name, pid, samples: [] }));
      life.samples.push([t, Math.round(mb * 10) / 10]);
    }
  }

  get series(): MemorySeries[] {
    return [...this.lives.values()];
  }

  /**
   * Per life: figures and the slope over [half, end] seconds after its first minute, judged only when what is left
   * covers at least half that span.
   */
  figures(runSeconds: number): MemoryFigures[] {
    const half = runSeconds / 2;
    return this.series.map((s) => {
      // The first minute of a life is its warm-up (as bench/rss-trend.ts leaves it out): a host started again after a
      // kill loads its model then.
      const warm = (s.samples[0]?.[0] ?? 0) + WARM_UP_S;
      const late = s.samples.filter(([t]) => t >= half && t >= warm);
      const covered = late.length ? late[late.length - 1][0] - late[0][0] : 0;
      const slope = covered >= (runSeconds - half) / 2 ? slopePerMinute(late) : null;
      const mbs = s.samples.map(([, mb]) => mb);
      return {
        name: s.name,
        pid: s.pid,
        samples: s.samples.length,
        first_mb: mbs[0] ?? 0,
        last_mb: mbs[mbs.length - 1] ?? 0,
        peak_mb: Math.max(0, ...mbs),
        slope_mb_per_min: slope === null ? null : Math.round(slope * 100) / 100,
        series: s.samples,
      };
    });
  }
}
