import {
  STATUS_V1,
  statusTopic,
  type CameraId,
  type EvidenceStatusCounters,
  type InferenceCounters,
  type StatusV1,
} from '../../contract/index.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { oldestUnsentMs, type BridgeCounters } from './counters.ts';

/**
 * The heartbeat's optional counters of what feeds the bridge in-process (the camera pipeline's frames and
 * model time, its evidence capture and image queue), read at each beat through `statusExtra`.
 */
export type StatusExtras = Partial<InferenceCounters & EvidenceStatusCounters>;

/** Counters a heartbeat reports; see status.v1 in docs/contract.md. */
export interface HeartbeatCounters {
  outbox_depth: number;
  outbox_bytes: number;
  oldest_unsent_ms: number;
  frames: number;
  detections: number;
  drops: number;
  uptime_s: number;
}

/**
 * Builds the retained status.v1 messages of one bridge: birth and heartbeats say `online`, the last
 * will and a clean shutdown say `offline`. All are retained so a late subscriber sees the current state.
 */
export class StatusMessages {
  readonly topic: string;

  constructor(private readonly id: CameraId) {
    this.topic = statusTopic(id);
  }

  private build(state: 'online' | 'offline', counters?: HeartbeatCounters & StatusExtras): Buffer {
    const message: StatusV1 = {
      schema_version: STATUS_V1,
      region: this.id.region,
      site: this.id.site,
      camera: this.id.camera,
      state,
      at: new Date().toISOString(),
      ...counters,
    };
    return Buffer.from(JSON.stringify(message));
  }

  online(counters?: HeartbeatCounters & StatusExtras): Buffer {
    return this.build('online', counters);
  }

  /** `at` of a last will is when the bridge (re)connected: the broker sends it later, unchanged. */
  offline(counters?: HeartbeatCounters & StatusExtras): Buffer {
    return this.build('offline', counters);
  }
}

/** Calls `beat` every `seconds` (unref'd, so it never keeps a process alive on its own). */
export function startHeartbeat(seconds: number, beat: () => void): () => void {
  const timer = setInterval(beat, Math.max(0.05, seconds) * 1000);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * What a heartbeat reports, read now: the outbox, the bridge's counters, and `extra` (what feeds the bridge
 * in-process, e.g. the camera pipeline's frames and model time; the bridge's own fields win over it).
 */
export function heartbeatCounters(
  counters: BridgeCounters,
  outbox: Outbox,
  startedAt: number,
  extra?: () => StatusExtras,
): HeartbeatCounters & StatusExtras {
  const s = outbox.stats();
  return {
    ...extra?.(),
    outbox_depth: s.depth,
    outbox_bytes: s.bytes,
    oldest_unsent_ms: Math.round(oldestUnsentMs(outbox)),
    frames: counters.accepted,
    detections: counters.detections,
    drops: s.dropped,
    uptime_s: Math.floor((Date.now() - startedAt) / 1000),
  };
}
