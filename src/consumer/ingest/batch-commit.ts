import type { Logger } from 'pino';
import { SeamError } from '../../contract/index.ts';
import type { DeadLetter, DetectionStore } from '../../store/store.ts';
import type { Batch, StatusEntry } from './batch.ts';
import { bareDeadLetter, deadLetterOf } from './dead-letter.ts';
import type { Delivery } from '../mqtt/subscriber-session.ts';
import { failureOf } from '../../store/failure.ts';
import { CommitAbandoned, refusalOf } from './store-failure.ts';

export interface BatchCommitOptions {
  store: DetectionStore;
  logger: Logger;
  /** Backoff between attempts of one write, ms: first delay, doubling to the cap. */
  retryInitialMs: number;
  retryMaxMs: number;
  /**
   * Failed attempts of one write, however classified, after which the store is probed: a store that takes
   * its known-good event while this write keeps failing is refusing the write's contents (default 3).
   */
  probeAfterFailures?: number;
  /** True once the ingestor closed: a waiting commit gives up (CommitAbandoned) and acknowledges nothing. */
  closed(): boolean;
  /** Each failed attempt, for the 'store-error' event and the failure counter. */
  onFailure(err: unknown): void;
  /** Each message dead-lettered because the store refused it, for the poison log. */
  onRefused(delivery: Delivery, error: SeamError): void;
}

/** What one batch's commit stored. */
export interface CommitTally {
  events: number;
  detections: number;
  duplicates: number;
  /** captured_at (epoch ms) of the events newly stored. */
  fresh: number[];
  /** Messages the store refused, now dead letters (already written). */
  refused: number;
  /** Every dead letter written: the batch's poison and the messages the store refused. */
  letters: DeadLetter[];
  /** When the first write of the batch started, epoch ms. */
  startedMs: number;
}

/**
 * For the test that a redelivered dead letter is kept once (test/consumer/dead-letter-redelivery.test.ts): with
 * this variable set to exactly KILL_CONSENT, the consumer SIGKILLs itself once a batch's dead letters are
 * committed and before any of the batch's PUBACKs is sent. Any other value does nothing (docs/consumer.md).
 */
export const KILL_AFTER_DEAD_LETTERS = 'SEAMLINE_TEST_SIGKILL_AFTER_DEAD_LETTERS';
export const KILL_CONSENT = 'kill-this-consumer-after-its-dead-letters-commit';

type Attempt<T> = { ok: true; value: T } | { ok: false; refusal: SeamError };

/**
 * Commits a batch so that one refused message costs that message and nothing else: events, then statuses,
 * then dead letters, each retried while the store is unavailable, and split in halves when the store
 * refuses what it holds, down to the refused messages, which become dead letters with the store's reason
 * and their raw bytes. The store's probe (store.ts) keeps the two faults apart: a configuration error stops
 * ingest only when the probe fails too, and a message is dead-lettered only once the probe has passed in the
 * same commit. A data refusal is never retried as it was: every further write is a smaller part.
 */
export class BatchCommitter {
  private readonly probeAfter: number;
  /** The store took its probe during the commit under way: what it refuses now is the data's fault. */
  private probed = false;

  constructor(private readonly o: BatchCommitOptions) {
    this.probeAfter = o.probeAfterFailures ?? 3;
  }

  /** Resolves once everything is stored or dead-lettered; rejects with a fatal SeamError or CommitAbandoned. */
  async commit(batch: Batch): Promise<CommitTally> {
    const letters = [...batch.letters];
    const tally: CommitTally = { events: 0, detections: 0, duplicates: 0, fresh: [], refused: 0, letters, startedMs: Date.now() };
    this.probed = false;
    const indexes = batch.events.map((_, i) => i);
    await this.writeEvents(batch, indexes, tally, letters);
    for (const entry of batch.statuses.values()) await this.writeStatus(entry, tally, letters);
    await this.writeLetters(letters);
    if (letters.length > 0 && process.env[KILL_AFTER_DEAD_LETTERS] === KILL_CONSENT) process.kill(process.pid, 'SIGKILL');
    return tally;
  }

  private async writeEvents(batch: Batch, indexes: number[], tally: CommitTally, letters: DeadLetter[]): Promise<void> {
    if (indexes.length === 0) return;
    const fresh: number[] = [];
    const events = indexes.map((i) => batch.events[i]);
    const result = await this.attempt(() => {
      fresh.length = 0;
      return this.o.store.write(events, new Date(), fresh);
    });
    if (result.ok) {
      tally.events += result.value.events;
      tally.detections += result.value.detections;
      tally.duplicates += result.value.duplicates;
      tally.fresh.push(...fresh);
      return;
    }
    if (indexes.length === 1) {
      letters.push(await this.refused(batch.eventDeliveries[indexes[0]], result.refusal, tally));
      return;
    }
    if (indexes.length === batch.events.length) {
      this.o.logger.warn(
        { events: indexes.length, err: result.refusal.message },
        'store refused part of a batch; splitting it to find what it refuses',
      );
    }
    const mid = indexes.length >> 1;
    await this.writeEvents(batch, indexes.slice(0, mid), tally, letters);
    await this.writeEvents(batch, indexes.slice(mid), tally, letters);
  }

  private async writeStatus(entry: StatusEntry, tally: CommitTally, letters: DeadLetter[]): Promise<void> {
    const result = await this.attempt(() => this.o.store.writeStatus(entry.status, entry.receivedAt));
    if (!result.ok) letters.push(await this.refused(entry.delivery, result.refusal, tally));
  }

  private async writeLetters(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const result = await this.attempt(() => this.o.store.writeDeadLetters(letters));
    if (result.ok) return;
    if (letters.length > 1) {
      const mid = letters.length >> 1;
      await this.writeLetters(letters.slice(0, mid));
      await this.writeLetters(letters.slice(mid));
      return;
    }
    const bare = await this.attempt(() => this.o.store.writeDeadLetters([bareDeadLetter(letters[0])]));
    if (!bare.ok) {
      // Raw bytes and ASCII text refused while a known-good event is taken: the dead-letter table is broken,
      // and acknowledging would lose the message. Stop, so that the broker keeps it.
      throw new SeamError(
        'SEAM_ERR_CONFIG',
        `${this.o.store.name} refuses even a dead letter of ASCII text and raw bytes: ${bare.refusal.message}`,
        {
          field: 'store',
          cause: bare.refusal,
        },
      );
    }
  }

  /**
   * The dead letter of a message the store refused, once the store has taken its known-good probe in this
   * commit: a store that refuses everything (InfluxDB holding a field as another type, say) is broken, and
   * must stop ingest rather than turn every message into a dead letter.
   */
  private async refused(delivery: Delivery, refusal: SeamError, tally: CommitTally): Promise<DeadLetter> {
    let delay = this.o.retryInitialMs;
    while (!(await this.probePasses(refusal))) {
      if (this.o.closed()) throw new CommitAbandoned();
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, this.o.retryMaxMs);
    }
    tally.refused++;
    const error = new SeamError('SEAM_ERR_STORE_REFUSED', `${this.o.store.name} refused it: ${refusal.message}`, { field: refusal.field });
    this.o.onRefused(delivery, error);
    return deadLetterOf(delivery, error);
  }

  /** One write, retried while the store is unavailable; a refusal comes back, a confirmed configuration error is thrown. */
  private async attempt<T>(write: () => Promise<T>): Promise<Attempt<T>> {
    let delay = this.o.retryInitialMs;
    for (let failures = 1; ; failures++) {
      try {
        return { ok: true, value: await write() };
      } catch (err) {
        if (this.o.closed()) throw new CommitAbandoned();
        this.o.onFailure(err);
        const kind = failureOf(err);
        if (kind === 'refused') return { ok: false, refusal: refusalOf(err) };
        if ((kind === 'config' || failures >= this.probeAfter) && (await this.probePasses(err))) {
          return { ok: false, refusal: refusalOf(err) };
        }
        this.o.logger.error({ attempt: failures, err: (err as Error).message, retryInMs: delay }, 'store write failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
        if (this.o.closed()) throw new CommitAbandoned();
        delay = Math.min(delay * 2, this.o.retryMaxMs);
      }
    }
  }

  /**
   * Whether the store takes its known-good event. A probe refused, or failing on configuration, confirms
   * the store is at fault: that is thrown, fatal. A probe that finds the store away says nothing yet.
   */
  private async probePasses(cause: unknown): Promise<boolean> {
    if (this.probed) return true;
    try {
      await this.o.store.probe();
      this.probed = true;
      return true;
    } catch (err) {
      const kind = failureOf(err);
      if (kind === 'unavailable') return false;
      const message = err instanceof Error ? err.message : String(err);
      throw new SeamError(
        'SEAM_ERR_CONFIG',
        `${this.o.store.name} failed a write of a known-good event too, so the store is at fault, not the data: ${message}`,
        { field: err instanceof SeamError ? (err.field ?? 'store') : 'store', cause: cause ?? err },
      );
    }
  }
}
