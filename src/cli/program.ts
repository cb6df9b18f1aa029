import { Command, CommanderError } from 'commander';
import { isSeamError, type SeamError } from '../contract/index.ts';
import { alertsCommand } from './commands/alerts.ts';
import { benchCommand } from './commands/bench.ts';
import { chaosCommand } from './commands/chaos.ts';
import { consumerCommand } from './commands/consumer.ts';
import { deadLettersCommand } from './commands/dead-letters.ts';
import { detectCommand } from './commands/detect.ts';
import { edgeCommand } from './commands/edge.ts';
import { evidenceCommand } from './commands/evidence.ts';
import { grafanaCommand } from './commands/grafana.ts';
import { startCommand } from './commands/start.ts';
import { usageError } from './config/flags.ts';
import { logFormatOption, setLogFormat, type LogFormat } from './process/logger.ts';
import { dashboardCommand } from './commands/dashboard.ts';

/** Commander's own usage errors are not printed by it: `refusal` below turns them into one coded line. */
function quiet(command: Command): Command {
  return command.exitOverride().configureOutput({ outputError: () => {} });
}

/** The `seamline` command and its subcommands. Add a command here. */
export function buildProgram(): Command {
  const program = quiet(
    new Command()
      .name('seamline')
      .description('Carries what factory cameras see to the people who run the floor, and loses nothing on the way.')
      .version('0.1.0')
      .addOption(logFormatOption())
      .hook('preAction', (root) => setLogFormat(root.opts().logFormat as LogFormat | undefined)),
  );
  for (const command of [
    startCommand(),
    edgeCommand(),
    consumerCommand(),
    dashboardCommand(),
    deadLettersCommand(),
    evidenceCommand(),
    detectCommand(),
    alertsCommand(),
    grafanaCommand(),
    benchCommand(),
    chaosCommand(),
  ]) {
    program.addCommand(quiet(command));
  }
  return program;
}

/** Help and version: commander has printed them; the process exits with commander's code. */
const NOT_ERRORS = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/**
 * What the CLI does with an error from parsing or running a command: a number to exit with (help shown),
 * the SeamError to print as one coded line, or undefined for a bug (rethrown with its stack).
 */
export function refusal(err: unknown, args: readonly string[]): number | SeamError | undefined {
  if (err instanceof CommanderError && NOT_ERRORS.has(err.code)) return err.exitCode;
  if (err instanceof CommanderError) return usageError(err.message, args[0] && !args[0].startsWith('-') ? args[0] : '');
  if (isSeamError(err)) return err;
  return undefined;
}
