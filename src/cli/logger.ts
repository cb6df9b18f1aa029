import { Type } from '@sinclair/typebox';
import pino, { type Logger } from 'pino';
import { redactUrl } from '../contract/index.ts';
import { choiceOption } from './flags.ts';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug'] as const;

/** The log level every command's config accepts. */
export const LogLevelSchema = Type.Union(LEVELS.map((l) => Type.Literal(l)));

/** `--log-level`, the same on every command. */
export const logLevelOption = () => choiceOption('--log-level <level>', 'log level', LEVELS);

const URL_FIELDS = new Set(['url', 'broker']);

/**
 * What the logger shows of a redacted field: a URL keeps its host and port and loses only its password
 * (docs/security.md), the same whichever box logs it; a password field is replaced whole.
 */
function censor(value: unknown, path: string[]): unknown {
  return URL_FIELDS.has(path[path.length - 1]) && typeof value === 'string' ? redactUrl(value) : '[redacted]';
}

/**
 * One JSON logger for the process, to stderr so stdout stays for what a command prints (tables, JSON,
 * the answers of `seamline edge --stdin`). Passwords never reach it: boxes log URLs through `redactUrl`,
 * and this logger masks them again in any `url` or `broker` field, in case one slips through.
 */
export function createLogger(level: string, name = 'seamline', destination: pino.DestinationStream = pino.destination(2)): Logger {
  return pino(
    { name, level, redact: { paths: ['password', '*.password', 'options.password', 'url', '*.url', 'broker', '*.broker'], censor } },
    destination,
  );
}
