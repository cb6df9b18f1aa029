import { Argument, Command } from 'commander';
import { exitOnSignals } from '../../contract/index.ts';
import { runEdgeBench } from '../../proof/bench/edge-bench.ts';
import { runConsumerBench } from '../../proof/bench/consumer-bench.ts';
import { printResult } from '../../proof/bench/print-result.ts';
import { integerFlag, positiveIntegerFlag } from '../flags.ts';

type Target = 'edge' | 'consumer';

export function benchCommand(): Command {
  return new Command('bench')
    .description(
      'Measure a box on this machine. Starts what it needs (Mosquitto when it is on PATH, else the embedded ' +
        'broker), prints a table; with --json the last line is one JSON object.',
    )
    // inference and dashboard join when those boxes are built (design.md lists their fields).
    .addArgument(new Argument('<target>', 'what to measure').choices(['edge', 'consumer']))
    .option('--json', 'print one JSON object as the last line')
    .option('--events <n>', 'edge: events accepted plus drained (half each); consumer: events per throughput phase', integerFlag, 200_000)
    .option('--rounds <n>', 'consumer: ceiling-then-consumer rounds; the median ratio is reported', positiveIntegerFlag, 3)
    .option('--lag-rate <n>', 'consumer: paced events/s for the lag phase', integerFlag, 2_000)
    .option('--lag-seconds <n>', 'consumer: length of the lag phase (600 for the 10-minute RSS soak)', integerFlag, 15)
    .action(async (target: Target, flags: { json?: boolean; events: number; rounds: number; lagRate: number; lagSeconds: number }) => {
      exitOnSignals();
      const progress = (line: string) => process.stderr.write(`  ${line}\n`);
      let result: Record<string, unknown>;
      switch (target) {
        case 'edge':
          result = { ...(await runEdgeBench({ acceptEvents: flags.events / 2, drainEvents: flags.events / 2, log: progress })) };
          break;
        case 'consumer':
          result = { ...(await runConsumerBench({ events: flags.events, rounds: flags.rounds, lagRate: flags.lagRate, lagSeconds: flags.lagSeconds, progress })) };
          break;
      }
      printResult(`bench ${target}`, result, flags.json === true);
    });
}
