import { Argument, Command } from 'commander';
import { exitOnSignals } from '../../contract/index.ts';
import { printResult } from '../../proof/bench/print-result.ts';
import { SCENARIOS } from '../../proof/chaos/index.ts';
import type { ChaosResult } from '../../proof/chaos/scenario.ts';

export function chaosCommand(): Command {
  const names = SCENARIOS.map((s) => s.name);
  return new Command('chaos')
    .description(
      'Fault-injection scenarios against real components on loopback. Each prints produced, stored, lost, ' +
        'duplicates, dead_lettered and ok; the command exits 1 if anything was lost or double-counted.\n\n' +
        SCENARIOS.map((s) => `  ${s.name.padEnd(15)} ${s.description}`).join('\n'),
    )
    .addArgument(new Argument('<scenario>', 'scenario to run').choices([...names, 'all']))
    .option('--json', 'print one JSON object per scenario, the last line holding all of them')
    .action(async (name: string, flags: { json?: boolean }) => {
      exitOnSignals();
      const chosen = name === 'all' ? SCENARIOS : SCENARIOS.filter((s) => s.name === name);
      const results: ChaosResult[] = [];
      for (const scenario of chosen) {
        process.stderr.write(`chaos ${scenario.name}: ${scenario.description}\n`);
        const result = await scenario.run((line) => process.stderr.write(`  ${line}\n`));
        results.push(result);
        printResult(`chaos ${scenario.name}`, result, false);
      }
      if (flags.json) process.stdout.write(JSON.stringify(results.length === 1 ? results[0] : results) + '\n');
      process.exitCode = results.every((r) => r.ok) ? 0 : 1;
    });
}
