import type { Figure } from './figure.ts';
import type { StartBenchResult } from './start-bench.ts';

const row = (name: string, f: Figure, ratio?: number) =>
  `${name.padEnd(28)} ${String(f.median).padStart(8)} ${String(f.min).padStart(8)} ${String(f.max).padStart(8)}${ratio === undefined ? '' : `   x${ratio}`}`;

/** The start bench as a printed table: median, min and max ms of each figure, and its ratio to `node -e 0`. */
export function startLines(r: StartBenchResult): string[] {
  const c = r.consumer;
  return [
    `start bench: ${r.runs} runs each, ${r.compiled ? 'compiled dist/' : 'src/ through tsx (dist/ stale)'}, broker ${r.broker}, load ${r.load.before} -> ${r.load.after}`,
    `${'figure (ms)'.padEnd(28)} ${'median'.padStart(8)} ${'min'.padStart(8)} ${'max'.padStart(8)}   vs node`,
    row('node -e 0', r.node_baseline_ms),
    row('seamline --help', r.cold_start_ms.help, r.cold_start_ms.help.ratio_to_node),
    row('seamline detect --help', r.cold_start_ms.detect_help, r.cold_start_ms.detect_help.ratio_to_node),
    row('consumer restart -> commit', r.restart_to_first_commit_ms, r.restart_to_first_commit_ms.ratio_to_node),
    row('consumer restart -> running', c.running_ms),
    row('bridge restart -> accept', r.restart_to_accept_ms, r.restart_to_accept_ms.ratio_to_node),
    `consumer: ${c.published} published at ${c.rate}/s, ${c.stored.distinct} stored (${c.stored.rows} rows); ${c.under_load} of ${r.runs} first commits while events were still arriving`,
    `bridge: ${r.bridge.answers.length} records answered, ${r.bridge.arrived} of them at the broker`,
  ];
}
