import type { Logger } from 'pino';

/**
 * SIGINT/SIGTERM run `stop` once, bounded by `limitMs`; a second signal or the limit exits at once.
 * Whatever was not acknowledged by then stays with the broker (or the outbox) and is redelivered.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>, limitMs = 10_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    setTimeout(() => {
      logger.error(`did not stop within ${limitMs / 1000} s; exiting`);
      process.exit(1);
    }, limitMs).unref();
    stop().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error({ err: err.message }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
