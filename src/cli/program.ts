import { Command, CommanderError } from 'commander';
import { isSeamError, type SeamError } from '../contract/errors.ts';
import { COMMANDS } from './command-list.ts';
import { usageError } from './config/flags.ts';
import { logFormatOption, setLogFormat, type LogFormat } from './process/log-format.ts';

/** Commander's own usage errors are not printed by it: `refusal` below turns them into one coded line. */
function quiet(command: Command): Command {
  return command.exitOverride().configureOutput({ outputError: () => {} });
}

/**
 * The `seamline` command and its subcommands (add a command in command-list.ts). Given the command line, only
 * the command it runs is loaded; the others are listed by name and summary. Without it (tests), all are.
 */
export async function buildProgram(args?: readonly string[]): Promise<Command> {
  const program = quiet(
    new Command()
      .name('seamline')
      .description('Carries what factory cameras see to the people who run the floor, and loses nothing on the way.')
      .version('0.1.0')
      .addOption(logFormatOption())
      .configureHelp({ subcommandTerm: (c) => [c.name(), COMMANDS.find((e) => e.name === c.name())?.args].filter(Boolean).join(' ') })
      .hook('preAction', (root) => setLogFormat(root.opts().logFormat as LogFormat | undefined)),
  );
  const chosen = args && commandNamed(args);
  for (const entry of COMMANDS) {
    const command = !args || entry.name === chosen ? await entry.load() : new Command(entry.name);
    program.addCommand(quiet(command.summary(entry.summary)));
  }
  return program;
}

/** The command a command line runs (`seamline [--log-format F] [help] <command> ...`), if any. */
export function commandNamed(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--log-format') i++;
    else if (arg === 'help') continue;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
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
