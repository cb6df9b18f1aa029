import { type ChildProcess, spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { nodeArgsFor } from './modules.ts';

/**
 * Child processes (brokers, databases, publisher and consumer processes of bench and chaos) that must not
 * outlive us: a Mosquitto left behind by a Ctrl-C'd bench keeps its port and, with a publisher, burns CPU
 * under the next run's figures. They are killed when this process exits, which includes SIGINT and SIGTERM
 * once `exitOnSignals()` is installed. Only SIGKILL of this process leaves them, so long-running children
 * that are ours (the publish worker) also watch their parent.
 */
const live = new Set<ChildProcess>();
let hooked = false;

export function killWithUs<T extends ChildProcess>(child: T): T {
  if (!hooked) {
    hooked = true;
    process.on('exit', killChildren);
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** SIGKILLs every child still alive (at exit; scratch-dirs.ts calls it before removing their directories). */
export function killChildren(): void {
  for (const c of live) c.kill('SIGKILL');
}

/** For commands without a graceful stop of their own (bench, chaos): a signal exits, so the hook above runs. */
export function exitOnSignals(): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)
    process.once(signal, () => process.exit(code));
}

/**
 * Runs `main` with the JSON job of argv[2] when `moduleUrl` is the process's entry script (importing the file
 * for its types starts nothing). Exits when the parent that started it is gone, killed outright, so a worker
 * never goes on publishing into a broker nobody reads; a failure is one line on stderr and exit 1.
 */
export function runAsChildEntry<J>(moduleUrl: string, name: string, main: (job: J) => Promise<unknown>): void {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return;
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && process.exit(1), 1_000).unref();
  main(JSON.parse(process.argv[2]) as J).catch((err) => {
    process.stderr.write(`${name} failed: ${(err as Error).stack ?? (err as Error).message}\n`);
    process.exit(1);
  });
}

/**
 * Runs the module at `path` (a `runAsChildEntry` worker) with `job` as its JSON argument in a process of its own,
 * killed with us, and resolves with the JSON object it printed last; rejects with its stderr when it exits non-zero
 * or prints none. `what` names it in those errors.
 */
export function runJsonWorker<R>(path: string, job: unknown, what: string): Promise<R> {
  return new Promise((resolve, reject) => {
    const child = killWithUs(spawn(process.execPath, [...nodeArgsFor(path), JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${what} exited ${code}: ${err.trim()}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as R);
      } catch (cause) {
        reject(new Error(`${what} printed no result: ${out.trim().slice(-500)} ${err.trim().slice(-500)}`, { cause }));
      }
    });
  });
}
