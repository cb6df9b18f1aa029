import { spawn, type ChildProcess } from 'node:child_process';
import { killWithUs } from '../../../plumbing/children.ts';
import { seamlineArgs } from '../../../plumbing/modules.ts';
import { waitUntil } from './wait-until.ts';

export interface ConsumerProcess {
  child: ChildProcess;
  /** stderr so far (the consumer's JSON log). */
  log: () => string;
  exited: Promise<number | null>;
}

/**
 * `seamline consumer` in its own process, so a scenario or test can SIGKILL it like a crashed host would.
 * Resolves once it says it is subscribed and running. /metrics is off unless `args` turn it on (the
 * last --metrics-port wins). `env` adds to this process's environment.
 */
export async function spawnConsumerProcess(args: string[], env?: NodeJS.ProcessEnv): Promise<ConsumerProcess> {
  const child = killWithUs(
    spawn(process.execPath, seamlineArgs(['consumer', '--metrics-port', '-1', '--log-level', 'info', ...args]), {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(env ? { env: { ...process.env, ...env } } : {}),
    }),
  );
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  if (!(await waitUntil(() => log.includes('consumer running') || child.exitCode !== null, 30_000)) || child.exitCode !== null) {
    child.kill('SIGKILL');
    throw new Error(`consumer did not start: ${log.slice(-2000)}`);
  }
  return { child, log: () => log, exited };
}
