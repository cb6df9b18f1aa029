import pino, { type Logger } from 'pino';
import { createRequire } from 'node:module';
import type PinoPretty from 'pino-pretty';
import { redactUrl } from '../../plumbing/redact.ts';
import { resolvedLogFormat } from './log-format.ts';

// pino-pretty is loaded only for pretty output: a service logging JSON (every restart under a supervisor) skips it.
const require = createRequire(import.meta.url);

const URL_FIELDS = new Set(['url', 'broker']);

/**
 * What the logger shows of a redacted field: a URL keeps its host and port and loses only its password
 * (docs/security.md), the same whichever box logs it; a password or token field is replaced whole.
 */
function censor(value: unknown, path: string[]): unknown {
  return URL_FIELDS.has(path[path.length - 1]) && typeof value === 'string' ? redactUrl(value) : '[redacted]';
}

/**
 * One logger for the process, to stderr so stdout stays for what a command prints (tables, JSON, the
 * answers of `seamline edge --stdin`). Passwords never reach it: boxes log URLs through `redactUrl`, and
 * this logger masks them again in any `url` or `broker` field, in case one slips through. Pretty lines are
 * formatted in this thread (pino-pretty as a stream, not a worker transport), so the last lines before an
 * exit are never lost. A `destination` given (tests) gets JSON lines.
 */
export function createLogger(level: string, name = 'seamline', destination?: pino.DestinationStream): Logger {
  const options = {
    name,
    level,
    redact: { paths: ['password', '*.password', 'options.password', 'url', '*.url', 'broker', '*.broker', 'token'], censor },
  };
  if (destination) return pino(options, destination);
  if (resolvedLogFormat() === 'pretty') {
    return pino(
      options,
      (require('pino-pretty') as typeof PinoPretty)({
        destination: 2,
        colorize: Boolean(process.stderr.isTTY),
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname',
        sync: true,
      }),
    );
  }
  return pino(options, pino.destination(2));
}
