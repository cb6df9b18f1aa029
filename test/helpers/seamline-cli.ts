import { spawn, type ChildProcess } from 'node:child_process';
import { killWithUs } from '../../src/plumbing/children.ts';

export const SEAMLINE_BIN = new URL('../../bin/seamline.js', import.meta.url).pathname;

/** `seamline ...` in a child process (killed with the test); resolves with its exit code and output. */
export function seamline(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = killWithUs(spawn(process.execPath, [SEAMLINE_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, err })));
}

/**
 * `seamline dashboard --port 0 ...` in a child process (killed with the test, or by the caller); resolves with its URL
 * once it says where it listens, or rejects with its stderr if it exits first.
 */
export async function dashboardProcess(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ url: string; log: () => string; child: ChildProcess }> {
  const child = killWithUs(
    spawn(process.execPath, [SEAMLINE_BIN, 'dashboard', '--port', '0', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /dashboard\s+(http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`dashboard exited ${code}: ${err}`)));
  });
  return { url, log: () => err, child };
}
