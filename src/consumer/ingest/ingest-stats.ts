import type { DetectionV1 } from '../../contract/index.ts';

/** An Ingestor's counters (ingest.ts), read by metrics, /health and the benches. */
export interface IngestStats {
  /** Every delivery: detections, statuses and poison. */
  received: number;
  /** Deliveries on detection topics (including redeliveries and poison there). */
  receivedEvents: number;
  committedEvents: number;
  committedDetections: number;
  duplicates: number;
  /** Every dead letter: poison found on decoding, and messages the store refused. */
  deadLettered: number;
  /** Of those, the messages the store refused (SEAM_ERR_STORE_REFUSED). */
  storeRefused: number;
  batches: number;
  lastBatchSize: number;
  lastCommitMs: number;
  /** When the last commit finished, epoch ms; 0 before the first. */
  lastCommitAtMs: number;
  /** When the commit under way started, epoch ms; 0 when none is. */
  commitStartedAtMs: number;
  /** When the store began failing, epoch ms; 0 while its last attempt succeeded. */
  failingSinceMs: number;
  pending: number;
  storeFailures: number;
}

/** What one successful commit did; 'commit-report' carries it to metrics. */
export interface CommitReport {
  deliveries: number;
  commitMs: number;
  committedAtMs: number;
  /** captured_at of each newly written event, epoch ms, for the end-to-end lag histogram. */
  capturedMs: number[];
  /** Every event the batch carried (redeliveries included), for figures per camera such as clock offsets. */
  events: readonly DetectionV1[];
}

export function newIngestStats(): IngestStats {
  return {
    received: 0,
    receivedEvents: 0,
    committedEvents: 0,
    committedDetections: 0,
    duplicates: 0,
    deadLettered: 0,
    storeRefused: 0,
    batches: 0,
    lastBatchSize: 0,
    lastCommitMs: 0,
    lastCommitAtMs: 0,
    commitStartedAtMs: 0,
    failingSinceMs: 0,
    pending: 0,
    storeFailures: 0,
  };
}
