import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { StoredCounts } from '../../chaos/harness/stored-counts.ts';
import { startAvailableBroker } from '../../services/available-broker.ts';
import { bridgeRestarts, type Answer } from './bridge-restart.ts';
import { coldStart, type ColdStart } from './cold-start.ts';
import { consumerRestarts } from './consumer-restart.ts';
import { figure, rated, type Figure, type RatedFigure } from './figure.ts';
import { scratchDir } from '../../../plumbing/scratch-dirs.ts';

export interface StartBenchOptions {
  /** Runs of each figure; each is the median of its runs (default 5). */
  runs?: number;
  /** Events a second published while the consumer is killed and restarted (default 1,000). */
  rate?: number;
  /**
   * Seconds each consumer restart run publishes (default 8): the kill comes a quarter in, so the rest should
   * outlast a restart for its first commit to meet events still arriving (`consumer.under_load` says if it did).
   */
  seconds?: number;
  progress?: (line: string) => void;
}

/** Issue 27's start figures, all from one run on this machine, beside the `node -e 0` floor measured with them. */
export interface StartBenchResult extends ColdStart {
  runs: number;
  /** `seamline consumer` (DuckDB) SIGKILLed under load and spawned again: spawn to its first committed batch. */
  restart_to_first_commit_ms: RatedFigure;
  /** `seamline edge --stdin` SIGKILLed and spawned again on its outbox: spawn to its answer for its first record. */
  restart_to_accept_ms: RatedFigure;
  broker: 'mosquitto' | 'aedes';
  /**
   * `running_ms`: spawn to its "consumer running" log line (store open, subscribed, /metrics set up); the first
   * commit can come before that line, which is logged last.
   */
  /** `under_load`: restarts whose first commit came while events were still being published. */
  consumer: { rate: number; published: number; stored: StoredCounts; running_ms: Figure; under_load: number };
  bridge: { answers: Answer[]; arrived: number };
  /** The 1-minute load average before and after: the figures mean little without it on a shared machine. */
  load: { before: number; after: number };
}

/**
 * Runs the start bench: cold starts first (nothing else of ours running), then the bridge's and the consumer's
 * restarts on one broker. Everything it starts is killed with this process (killWithUs) or at its end; the temp
 * dir is removed.
 */
export async function runStartBench(options: StartBenchOptions = {}): Promise<StartBenchResult> {
  const runs = options.runs ?? 5;
  const rate = options.rate ?? 1000;
  const progress = options.progress ?? (() => {});
  const before = loadavg()[0];
  const cold = await coldStart(runs, progress);
  const dir = scratchDir('seamline-start-bench-');
  const broker = await startAvailableBroker();
  progress(`broker: ${broker.name} at ${broker.url}`);
  try {
    const bridge = await bridgeRestarts({ broker, dir, runs, progress });
    const consumer = await consumerRestarts({ broker, dir, runs, rate, seconds: options.seconds ?? 8, progress });
    const node = cold.node_baseline_ms;
    return {
      runs,
      ...cold,
      restart_to_first_commit_ms: rated(consumer.ms, node),
      restart_to_accept_ms: rated(bridge.ms, node),
      broker: broker.name,
      consumer: {
        rate,
        published: consumer.published,
        stored: consumer.stored,
        running_ms: figure(consumer.runningMs),
        under_load: consumer.underLoad,
      },
      bridge: { answers: bridge.answers, arrived: bridge.arrived },
      load: { before: Math.round(before * 100) / 100, after: Math.round(loadavg()[0] * 100) / 100 },
    };
  } finally {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
