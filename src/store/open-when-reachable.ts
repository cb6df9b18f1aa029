import type { Logger } from 'pino';
import { failureOf } from './failure.ts';

export interface OpenStoreOptions {
  logger: Logger;
  /** Backoff between attempts, ms: first delay, doubling to the cap (defaults 500 and 5,000, as a write's). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** A warning at most this often while it waits (default 30,000 ms); every attempt is logged at debug. */
  warnEveryMs?: number;
  /** Stop waiting (a signal came): the last failure is thrown. */
  cancelled?: () => boolean;
}

/**
 * Runs `step` (opening the store, or the repair ledger in it) until it succeeds. A store that does not
 * answer is the same fault at start-up as mid-stream, so every command that needs one (consumer, dashboard,
 * alert engine) waits for it with a bounded backoff instead of ending; a configuration fault (credentials,
 * database, a file) is thrown at once.
 */
export async function untilStoreAnswers<T>(what: string, step: () => Promise<T>, o: OpenStoreOptions): Promise<T> {
  let delay = o.retryInitialMs ?? 500;
  let lastWarn = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await step();
      if (attempt > 1) o.logger.info({ attempts: attempt }, `${what}: the store answers; going on`);
      return out;
    } catch (err) {
      if (failureOf(err) !== 'unavailable' || o.cancelled?.()) throw err;
      const message = (err as Error).message;
      if (Date.now() - lastWarn >= (o.warnEveryMs ?? 30_000)) {
        lastWarn = Date.now();
        o.logger.warn({ attempt, err: message, retryInMs: delay }, `${what}: the store does not answer; waiting for it`);
      } else {
        o.logger.debug({ attempt, err: message, retryInMs: delay }, `${what}: the store does not answer`);
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, o.retryMaxMs ?? 5_000);
    }
  }
}

/** Opens `store`, waiting while it does not answer (untilStoreAnswers). */
export function openStoreWhenReachable(store: { name: string; open(): Promise<void> }, o: OpenStoreOptions): Promise<void> {
  return untilStoreAnswers(`opening ${store.name}`, () => store.open(), o);
}
