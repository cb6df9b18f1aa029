/**
 * What /proc says of a process: its memory, when it started, its children. Read by the chaos scenarios
 * (a consumer's RSS) and by the plant's memory sampler.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** A field of /proc/<pid>/status in kB (VmRSS, RssAnon), as MB; undefined once the process is gone. */
export function statusMb(pid: number, field = 'VmRSS'): number | undefined {
  try {
    const kb = new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** VmRSS of a process, MB; undefined once it is gone. */
export const rssMb = (pid: number) => statusMb(pid);

/**
 * PostgreSQL's memory: the postmaster's VmRSS and the RssAnon of each of its children (backends, background
 * workers): their own memory, without the shared buffers every backend maps (VmRSS would count those once per backend).
 */
export function postgresMb(postmaster: number): number | undefined {
  const own = rssMb(postmaster);
  if (own === undefined) return undefined;
  return childrenOf(postmaster).reduce((sum, c) => sum + (statusMb(c.pid, 'RssAnon') ?? 0), own);
}

/** When a process started, epoch ms, from /proc/<pid>/stat (field 22, clock ticks after boot) and the boot time. */
export function startedAtMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const boot = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    // USER_HZ is 100 on every Linux this runs on (getconf CLK_TCK).
    return Number.isFinite(ticks) && Number.isFinite(boot) ? boot * 1000 + ticks * 10 : undefined;
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
