import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/**
 * An embedded pipeline's log for a test: silent, except a step of its stop that hung or failed
 * (plumbing/bounded-step.ts), which goes to stderr so a slow teardown names what it waited for.
 */
export function stopStepLogger(): Logger {
  const onlySteps = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = chunk.toString();
      if (line.includes('"step":')) process.stderr.write(line);
      done();
    },
  });
  return pino({ level: 'warn' }, onlySteps);
}
