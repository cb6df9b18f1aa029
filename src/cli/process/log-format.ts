import { Option } from 'commander';

// Apart from the logger (logger.ts) so that `seamline --help`, which takes --log-format, does not load pino.
export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * `--log-format`, on the program so every command takes it (before or after the command's name):
 * `auto` (default) prints human-readable lines when stderr is a terminal and JSON when it is not.
 */
export const logFormatOption = () =>
  new Option(
    '--log-format <format>',
    'logs as JSON lines or human-readable (default auto: readable on a terminal, JSON otherwise)',
  ).choices(LOG_FORMATS);

let format: LogFormat = 'auto';

/** Set once from the program's --log-format before a command runs (program.ts). */
export function setLogFormat(f: LogFormat | undefined): void {
  format = f ?? 'auto';
}

/** What `auto` means for this process. */
export function resolvedLogFormat(f: LogFormat = format, tty = Boolean(process.stderr.isTTY)): 'pretty' | 'json' {
  return f === 'auto' ? (tty ? 'pretty' : 'json') : f;
}
