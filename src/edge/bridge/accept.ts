import type { Logger } from 'pino';
import { SeamError, type CameraId } from '../../contract/index.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { BridgeCounters } from './counters.ts';
import type { Publisher } from './publisher.ts';
import { encodeDetection, prepareDetection } from './record.ts';
import type { RepairServer } from './repair-server.ts';

export interface AcceptPathParts {
  /** The bridge's own camera: inputs that name none are its. */
  camera: CameraId;
  outbox: Outbox;
  counters: BridgeCounters;
  publisher: Publisher;
  repair: RepairServer | undefined;
}

/**
 * A producer's record on its way in: validated against detection.v1, given its event_id and its camera's
 * next seq, stored in the outbox, answered once durable (as `fsync` defines it), then handed to the
 * publisher. A refusal is counted and thrown to the producer: SEAM_ERR_INVALID_INPUT naming the field, or
 * SEAM_ERR_OUTBOX_FULL under reject-new.
 */
export class AcceptPath {
  /** Appends not yet durable: closing waits for them, so none is cut off by the outbox closing. */
  private readonly pending = new Set<Promise<unknown>>();
  private closing = false;

  constructor(private readonly p: AcceptPathParts) {}

  async accept(input: unknown): Promise<{ event_id: string; seq: number }> {
    if (this.closing) {
      throw new SeamError('SEAM_ERR_BROKER_UNAVAILABLE', 'the edge bridge is closing and accepts no more events', { field: 'bridge' });
    }
    const { outbox, counters } = this.p;
    let durable: Promise<void>;
    let event_id: string;
    let seq: number;
    let boxes: number;
    // Everything up to outbox.append runs in one synchronous stretch, so the seq peeked here is the
    // one the append consumes, even with many accepts outstanding.
    try {
      const prepared = prepareDetection(input, this.p.camera);
      seq = outbox.peekSeq(prepared.stream);
      prepared.message.seq = seq;
      event_id = prepared.message.event_id;
      boxes = prepared.message.detections.length;
      durable = outbox.append(prepared.topic, encodeDetection(prepared.message), prepared.stream, seq).durable;
      this.p.repair?.ensureStream(prepared.stream);
    } catch (err) {
      counters.refuse(err);
      throw err;
    }
    this.pending.add(durable);
    try {
      await durable;
    } finally {
      this.pending.delete(durable);
    }
    counters.accepted++;
    counters.detections += boxes;
    this.p.publisher.schedule();
    return { event_id, seq };
  }

  /** Refuses every later record; resolves once those already appended are durable (or failed). */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.pending]);
  }
}

/** The outbox's `onDrop`: logs drops at most once a second, since a full outbox under drop-oldest drops on every accept. */
export function dropLog(logger: Logger, outbox: () => Outbox): (count: number, bytes: number) => void {
  let lastLog = 0;
  let sinceLog = 0;
  return (count, bytes) => {
    sinceLog += count;
    if (Date.now() - lastLog < 1000) return;
    const o = outbox();
    logger.warn({ dropped: sinceLog, bytes, maxBytes: o.maxBytes, total: o.stats().dropped }, 'outbox full: dropped oldest events');
    lastLog = Date.now();
    sinceLog = 0;
  };
}
