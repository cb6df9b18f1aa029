import pino, { type Logger } from 'pino';

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
