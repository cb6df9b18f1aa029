import { spawn } from 'node:child_process';
import { killWithUs } from '../../plumbing/children.ts';
import { nodeArgsFor, siblingModule } from '../../plumbing/modules.ts';
import type { PublishJob } from './publish-worker.ts';

const WORKER = siblingModule(import.meta.url, 'publish-worker').pathname;

/** Runs the publish worker in its own process and resolves with what it printed. */
export function publishInWorker(job: PublishJob): Promise<{ published: number; ms: number; images: number }> {
  return new Promise((resolve, reject) => {
    const child = killWithUs(spawn(process.execPath, [...nodeArgsFor(WORKER), JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] }));
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
