import { spawn } from 'node:child_process';
import { killWithUs } from '../../../plumbing/children.ts';
import { percentile } from '../percentile.ts';

/** One figure of the start bench: the median of its runs (ms), their spread, and the runs themselves. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

/** A figure beside the `node -e 0` floor measured in the same run: `ratio_to_node` = median / the floor's median. */
export interface RatedFigure extends Figure {
  ratio_to_node: number;
}

const tenth = (ms: number) => Math.round(ms * 10) / 10;

export function figure(runs: readonly number[]): Figure {
  if (runs.length === 0) throw new Error('a figure needs at least one run');
  return { median: tenth(percentile(runs, 50)!), min: tenth(Math.min(...runs)), max: tenth(Math.max(...runs)), runs: runs.map(tenth) };
}

export function rated(runs: readonly number[], node: Figure): RatedFigure {
  const f = figure(runs);
  return { ...f, ratio_to_node: Math.round((f.median / node.median) * 100) / 100 };
}

/** Wall ms from spawning `node ...args` to its exit; a non-zero exit is an error (the figure would time a failure). */
export function msToExit(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = killWithUs(spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] }));
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve(ms);
      else reject(new Error(`node ${args.join(' ')} exited ${code}: ${err.trim().slice(-500)}`));
    });
  });
}
