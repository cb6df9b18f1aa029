import { pathToFileURL } from 'node:url';
import { repoPath, seamlineArgs } from '../../../plumbing/modules.ts';
import { figure, msToExit, rated, type Figure, type RatedFigure } from './figure.ts';
// Imported by URL: scripts/ is plain JavaScript without declarations.
const FINGERPRINT = pathToFileURL(repoPath('scripts/build-fingerprint.mjs')).href;

export interface ColdStart {
  node_baseline_ms: Figure;
  cold_start_ms: { help: RatedFigure; detect_help: RatedFigure };
  /** Whether bin/seamline.js ran the compiled dist/ (fresh before and after the runs), not src/ through tsx. */
  compiled: boolean;
}

export async function distFresh(): Promise<boolean> {
  const { distIsFresh } = (await import(FINGERPRINT)) as { distIsFresh: () => boolean };
  return distIsFresh();
}

/**
 * `node -e 0`, `seamline --help` and `seamline detect --help`, spawned to their exit, `runs` rounds of the three
 * in turn, so that a load that comes and goes on a shared machine weighs on each alike. One round before them is
 * not counted: it reads the files into the page cache, which a restarted process on a running host finds there.
 */
export async function coldStart(runs: number, progress: (line: string) => void): Promise<ColdStart> {
  const freshBefore = await distFresh();
  const commands = { node: ['-e', '0'], help: seamlineArgs(['--help']), detect_help: seamlineArgs(['detect', '--help']) };
  const times: Record<keyof typeof commands, number[]> = { node: [], help: [], detect_help: [] };
  for (let round = 0; round <= runs; round++) {
    for (const [name, args] of Object.entries(commands) as [keyof typeof commands, string[]][]) {
      const ms = await msToExit(args);
      if (round > 0) times[name].push(ms);
    }
    if (round > 0)
      progress(
        `cold start ${round}/${runs}: node ${times.node.at(-1)!.toFixed(0)} ms, --help ${times.help.at(-1)!.toFixed(0)} ms, detect --help ${times.detect_help.at(-1)!.toFixed(0)} ms`,
      );
  }
  const node = figure(times.node);
  return {
    node_baseline_ms: node,
    cold_start_ms: { help: rated(times.help, node), detect_help: rated(times.detect_help, node) },
    compiled: freshBefore && (await distFresh()),
  };
}
