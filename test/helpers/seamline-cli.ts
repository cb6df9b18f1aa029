import { spawn } from 'node:child_process';
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
