import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait.ts';

const BIN = new URL('../../bin/seamline.js', import.meta.url).pathname;

export interface ConsumerProcess {
  child: ChildProcess;
  log: () => string;
  exited: Promise<number | null>;
}

/** Starts `seamline consumer` as its own process and waits until it says it is subscribed and running. */
export async function spawnConsumer(args: string[], env: Record<string, string> = {}): Promise<ConsumerProcess> {
  const child = spawn(process.execPath, [BIN, 'consumer', '--log-level', 'info', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  await waitFor(() => log.includes('consumer running') || gone, 20_000, 'the consumer to start');
  if (gone) throw new Error(`consumer exited at start: ${log}`);
  return { child, log: () => log, exited };
}

/** Reads one counter from a Prometheus text endpoint. */
export async function scrape(url: string, metric: string): Promise<number> {
  const text = await fetch(url).then((r) => r.text());
  const line = text.split('\n').find((l) => l.startsWith(`${metric} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}
