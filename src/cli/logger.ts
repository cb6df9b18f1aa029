import { Type } from '@sinclair/typebox';
import pino, { type Logger } from 'pino';
import { choiceOption } from './flags.ts';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug'] as const;

/** The log level every command's config accepts. */
export const LogLevelSchema = Type.Union(LEVELS.map((l) => Type.Literal(l)));

/** `--log-level`, the same on every command. */
export const logLevelOption = () => choiceOption('--log-level <level>', 'log level', LEVELS);

/**
 * One JSON logger for the process, to stderr so stdout stays for what a command prints (tables, JSON).
 * Passwords never reach it: options are logged only through redacted fields.
 */
export function createLogger(level: string, name = 'seamline'): Logger {
  return pino(
    { name, level, redact: { paths: ['password', '*.password', 'options.password', 'url'], censor: '[redacted]' } },
    pino.destination(2),
  );
}
