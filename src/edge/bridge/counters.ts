import { isSeamError, type RepairOutcome } from '../../contract/index.ts';
import type { Outbox } from '../outbox/outbox.ts';

export interface BridgeStats {
  outbox_depth: number;
  outbox_bytes: number;
  /** Age of the oldest event still in the outbox, 0 when empty. */
  oldest_unsent_ms: number;
  accepted: number;
  refused: number;
  /** PUBLISH packets sent, redeliveries after a reconnect included. */
  published: number;
  acked: number;
  dropped: number;
  /** Acknowledged events kept for repair (the replay window), and their bytes. */
  replay_depth: number;
  replay_bytes: number;
  /** Acknowledged events that left the replay window since the bridge started. */
  evicted: number;
  frames: number;
  detections: number;
  reconnects: number;
  in_flight: number;
  connected: boolean;
  /** Repair requests answered, and events republished for them (PUBACKed). */
  repair_requests: number;
  republished: number;
}

export type RepairRequestResult = 'answered' | 'invalid' | 'ignored';

/** Key of a refusal that carried no error code (not a SeamError): counted in `refused`, not by code. */
const UNCODED = '';

/**
 * The counters of one bridge, each kept once: `stats()`, the status heartbeat and the Prometheus metrics
 * (metrics.ts, at scrape time) all read these. What the outbox counts itself (drops, evictions) is read from
 * the outbox, not counted again here.
 */
export class BridgeCounters {
  /** Events accepted durably; each is one frame's detections, so this is also the heartbeat's `frames`. */
  accepted = 0;
  /** Detection boxes in those events. */
  detections = 0;
  /** Refused inputs by error code. */
  readonly refused = new Map<string, number>();
  /** PUBLISH packets sent, redeliveries after a reconnect included. */
  published = 0;
  acked = 0;
  reconnects = 0;
  /** Events republished for repair requests and PUBACKed. */
  republished = 0;
  readonly repairRequests: Record<RepairRequestResult, number> = { answered: 0, invalid: 0, ignored: 0 };
  /** Requested seqs by the answer they got. */
  readonly repairAnswered = new Map<RepairOutcome, number>();

  refuse(err: unknown): void {
    const code = isSeamError(err) ? err.code : UNCODED;
    this.refused.set(code, (this.refused.get(code) ?? 0) + 1);
  }

  /** Refusals by error code, those without one left out. */
  *refusedByCode(): Generator<[code: string, count: number]> {
    for (const entry of this.refused) if (entry[0] !== UNCODED) yield entry;
  }

  answered(outcome: RepairOutcome, seqs: number): void {
    this.repairAnswered.set(outcome, (this.repairAnswered.get(outcome) ?? 0) + seqs);
  }

  /** The bridge's stats: these counters, the outbox's, and the connection's state. */
  stats(outbox: Outbox, connection: { inFlight: number; connected: boolean }): BridgeStats {
    const o = outbox.stats();
    let refused = 0;
    for (const n of this.refused.values()) refused += n;
    return {
      outbox_depth: o.depth,
      outbox_bytes: o.bytes,
      oldest_unsent_ms: Math.round(oldestUnsentMs(outbox)),
      accepted: this.accepted,
      refused,
      published: this.published,
      acked: this.acked,
      dropped: o.dropped,
      replay_depth: o.windowDepth,
      replay_bytes: o.windowBytes,
      evicted: o.evicted,
      frames: this.accepted,
      detections: this.detections,
      reconnects: this.reconnects,
      in_flight: connection.inFlight,
      connected: connection.connected,
      repair_requests: this.repairRequests.answered,
      republished: this.republished,
    };
  }
}

/** Age of the oldest event still waiting for its PUBACK, 0 when none waits. */
export function oldestUnsentMs(outbox: Outbox): number {
  const at = outbox.oldestAcceptedAt();
  return at === undefined ? 0 : Math.max(0, Date.now() - at);
}
