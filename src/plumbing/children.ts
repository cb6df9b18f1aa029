import type { ChildProcess } from 'node:child_process';

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
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** For commands without a graceful stop of their own (bench, chaos): a signal exits, so the hook above runs. */
export function exitOnSignals(): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)
    process.once(signal, () => process.exit(code));
}
