import { Command } from 'commander';
import { SeamError } from '../../contract/index.ts';
import { exitOnSignals } from '../../plumbing/children.ts';
import { printResult } from '../../proof/bench/print-result.ts';
import { SCENARIOS, SIZED } from '../../proof/chaos/index.ts';
import type { ChaosResult } from '../../proof/chaos/harness/scenario.ts';
import { CHAOS_DEFAULTS, ChaosConfigSchema, type ChaosConfig } from '../config/bench.ts';
import { configFromFlags } from '../config/config-file.ts';
import { choiceArgument, integerFlag } from '../config/flags.ts';
import { PARTITION_CLI, partition } from '../../proof/chaos/scenarios/partition.ts';
import { chaosPlantCommand } from '../../proof/chaos/plant/command.ts';

export function chaosCommand(): Command {
  const names = SCENARIOS.map((s) => s.name);
  return (
    new Command('chaos')
      .addCommand(chaosPlantCommand())
      .description(
        'Fault-injection scenarios against real components on loopback. Each prints produced, stored, lost, ' +
          'duplicates, dead_lettered and ok; the command exits 1 if anything was lost or double-counted.',
      )
      // Help text with indented lines is printed as written (commander wraps only plain paragraphs).
      .addHelpText('after', `\nScenarios:\n${SCENARIOS.map((s) => hanging(`  ${s.name.padEnd(16)}`, s.description)).join('\n')}\n`)
      .addArgument(choiceArgument('scenario', 'scenario to run', [...names, 'all']))
      .option('-c, --config <file>', 'JSON config file; flags override it')
      .option('--json', 'print one JSON object per scenario, the last line holding all of them')
      .option(
        '--partition-seconds <n>',
        `partition: how long the edge cannot reach the broker, seconds (default ${CHAOS_DEFAULTS.partitionSeconds})`,
        integerFlag,
      )
      .option(
        '--events <n>',
        'every scenario but partition: run until this many events were produced, e.g. 100000 (default: each its own size; partition runs for a time)',
        integerFlag,
      )
      .action(async (name: string, flags: Record<string, unknown> & { config?: string }) => {
        const config = configFromFlags<ChaosConfig>(ChaosConfigSchema, CHAOS_DEFAULTS, flags);
        exitOnSignals();
        if (config.events && name !== 'all' && !SIZED[name]) {
          const why = `--events ${config.events}: ${name} runs for a time, not a count of events; --events applies to ${Object.keys(SIZED).join(', ')}`;
          throw new SeamError('SEAM_ERR_CONFIG', why, { field: 'events' });
        }
        const chosen = (name === 'all' ? SCENARIOS : SCENARIOS.filter((s) => s.name === name)).map((s) =>
          s.name === 'partition'
            ? partition({ ...PARTITION_CLI, partitionSeconds: config.partitionSeconds })
            : config.events && SIZED[s.name]
              ? SIZED[s.name]!(config.events)
              : s,
        );
        const results: ChaosResult[] = [];
        for (const scenario of chosen) {
          process.stderr.write(`chaos ${scenario.name}: ${scenario.description}\n`);
          const result = await scenario.run((line) => process.stderr.write(`  ${line}\n`));
          results.push(result);
          printResult(`chaos ${scenario.name}`, result, false);
        }
        if (config.json) process.stdout.write(JSON.stringify(results.length === 1 ? results[0] : results) + '\n');
        process.exitCode = results.every((r) => r.ok) ? 0 : 1;
      })
  );
}

/** `head` then `text` wrapped at 80 columns, continuation lines indented under the text. */
function hanging(head: string, text: string, width = 80): string {
  const lines: string[] = [];
  let line = head;
  for (const word of text.split(' ')) {
    if (line.length > head.length && line.length + 1 + word.length > width) {
      lines.push(line);
      line = ' '.repeat(head.length);
    }
    line += line.trim() === '' || line === head ? word : ` ${word}`;
  }
  return [...lines, line].join('\n');
}
