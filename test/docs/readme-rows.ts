import { after, before, test } from 'node:test';
import { assertRan, groupOf, readmeCommands, runAsWritten, type Group } from './commands.ts';
import { createSandbox, type Sandbox } from './sandbox.ts';

/**
 * Registers one test per README command-table row of `group`, each run as written in a sandbox of its own
 * file. `seamline start` takes 1883 itself; every other row finds Mosquitto there, as it would on a machine
 * that followed the distributed shape. `concurrent` runs the rows at once (the --help rows: no ports, no data).
 */
export function readmeRows(group: Group, options: { timeoutMs: number; concurrent?: boolean }): void {
  const lines = readmeCommands().filter((l) => groupOf(l) === group);
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await createSandbox();
  });
  after(async () => {
    await sandbox?.close();
  });
  if (options.concurrent) {
    test(`README: ${lines.map((l) => `\`${l}\``).join(', ')} run as written`, { timeout: options.timeoutMs }, async () => {
      const outcomes = await Promise.all(lines.map((line) => runAsWritten(sandbox, line, options.timeoutMs - 10_000)));
      lines.forEach((line, i) => assertRan(line, outcomes[i]));
    });
    return;
  }
  for (const line of lines) {
    test(`README: \`${line}\` runs as written`, { timeout: options.timeoutMs }, async () => {
      if (line !== 'seamline start') await sandbox.startBroker();
      try {
        assertRan(line, await runAsWritten(sandbox, line, options.timeoutMs - 10_000));
      } finally {
        await sandbox.stopBroker();
      }
    });
  }
}
