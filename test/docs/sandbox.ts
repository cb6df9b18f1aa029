import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killWithUs } from '../../src/plumbing/children.ts';
import { seamlineArgs } from '../../src/plumbing/modules.ts';
import { mosquittoPath } from '../../src/proof/services/mosquitto.ts';
import { ROOT } from './markdown.ts';

/**
 * A place to run the docs' command lines exactly as written: a network namespace of its own (so `seamline
 * start` may take 1883 and 8080, as on a fresh machine, without touching anyone's ports), a working directory
 * that looks like the root of a clone (links to the repository's files) with a `./data` of its own, and
 * `seamline` on PATH as `npx seamline` would run it.
 */
export interface Sandbox {
  cwd: string;
  /** Runs `script` with bash inside the namespace. */
  spawn(script: string): Ran;
  /** Mosquitto on 127.0.0.1:1883 inside the namespace, the broker the docs' defaults point at. */
  startBroker(): Promise<void>;
  stopBroker(): Promise<void>;
  close(): Promise<void>;
}

export interface Ran {
  child: ChildProcess;
  out(): string;
  err(): string;
  exited: Promise<number | null>;
}

function must(command: string, args: string[]): void {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.error?.message}`);
}

export async function createSandbox(): Promise<Sandbox> {
  const name = `seamline-docs-${process.pid}`;
  spawnSync('ip', ['netns', 'delete', name]);
  must('ip', ['netns', 'add', name]);
  must('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  const base = mkdtempSync(join(tmpdir(), 'seamline-docs-'));
  const cwd = join(base, 'work');
  const bin = join(base, 'bin');
  mkdirSync(cwd);
  mkdirSync(bin);
  // A clone's root, as the README's commands expect (deploy/..., docs/...), but with a ./data of its own.
  for (const entry of readdirSync(ROOT)) {
    if (!['data', 'node_modules', '.git'].includes(entry)) symlinkSync(join(ROOT, entry), join(cwd, entry));
  }
  // As the bin runs it (its shebang), but with this test's node.
  writeFileSync(
    join(bin, 'seamline'),
    `#!/bin/sh\nexec "${process.execPath}" ${seamlineArgs([])
      .map((a) => `"${a}"`)
      .join(' ')} "$@"\n`,
  );
  chmodSync(join(bin, 'seamline'), 0o755);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  let broker: ChildProcess | undefined;

  const run = (script: string): Ran => {
    const child = killWithUs(spawn('ip', ['netns', 'exec', name, 'bash', '-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
    return { child, out: () => out, err: () => err, exited };
  };

  const stopBroker = async () => {
    const b = broker;
    broker = undefined;
    if (!b || b.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      b.once('exit', () => resolve());
      b.kill('SIGTERM');
    });
  };

  const listening = () => spawnSync('ip', ['netns', 'exec', name, 'bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/1883']).status === 0;

  return {
    cwd,
    spawn: run,
    async startBroker() {
      const binary = mosquittoPath();
      if (!binary) throw new Error('mosquitto is not installed (Debian: apt-get install mosquitto)');
      const conf = join(base, 'mosquitto.conf');
      writeFileSync(conf, 'listener 1883 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n');
      broker = killWithUs(spawn('ip', ['netns', 'exec', name, binary, '-c', conf], { stdio: 'ignore' }));
      const until = Date.now() + 10_000;
      while (!listening()) {
        if (Date.now() > until || broker.exitCode !== null) throw new Error('mosquitto did not listen on 1883 in the sandbox');
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stopBroker,
    async close() {
      await stopBroker();
      spawnSync('ip', ['netns', 'delete', name]);
      rmSync(base, { recursive: true, force: true });
    },
  };
}
