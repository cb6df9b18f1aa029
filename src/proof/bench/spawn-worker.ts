import { spawn } from 'node:child_process';
import { killWithUs } from '../../plumbing/children.ts';
import type { PublishJob } from './publish-worker.ts';

const WORKER = new URL('./publish-worker.ts', import.meta.url).pathname;
// An absolute loader URL, so the worker starts whatever directory seamline was run from.
const TSX = import.meta.resolve('tsx');

/** Runs the publish worker in its own process and resolves with what it printed. */
export function publishInWorker(job: PublishJob): Promise<{ published: number; ms: number; images: number }> {
  return new Promise((resolve, reject) => {
    const child = killWithUs(
      spawn(process.execPath, ['--import', TSX, WORKER, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`publish worker exited ${code}: ${err.trim()}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!));
    });
  });
}
