import type { Registry } from 'prom-client';
import type { EvidenceStatusCounters } from '../contract/index.ts';
import type { BridgeOptions } from './bridge/options.ts';
import type { EvidenceCaptureOptions, EvidenceCaptureStats } from './evidence/capture.ts';
import type { EvidenceQueueStats } from './evidence-queue/counters.ts';
import { EvidenceTransport } from './evidence-queue/transport.ts';
import type { RecordImageStats } from './inputs/record-evidence.ts';

/**
 * Evidence for the camera a bridge serves: the image transport (queue and publisher) on the bridge's broker,
 * credentials and data directory, its metrics in the bridge's registry, and the capture settings that offer
 * into it with the bridge's own camera, so an image always names the camera its event does.
 */
export function cameraEvidence(
  s: BridgeOptions,
  registry: Registry,
  capture: Omit<EvidenceCaptureOptions, 'camera' | 'sink' | 'logger'>,
  queue: { maxBytes?: number; maxBytesPerSecond?: number } = {},
): { transport: EvidenceTransport; capture: Omit<EvidenceCaptureOptions, 'logger'> } {
  const transport = new EvidenceTransport({
    url: s.url,
    protocol: s.protocol ?? 5,
    clientId: s.clientId,
    username: s.username,
    password: s.password,
    ca: s.ca,
    cert: s.cert,
    key: s.key,
    dataDir: s.dataDir,
    // The bridge's backoff: images come back when events do, not up to 10 s after them.
    reconnectMinMs: s.reconnectMinMs,
    reconnectMaxMs: s.reconnectMaxMs,
    maxBytes: queue.maxBytes,
    maxBytesPerSecond: queue.maxBytesPerSecond,
    logger: s.logger,
    registry,
  });
  const camera = { region: s.region, site: s.site, camera: s.camera };
  return { transport, capture: { ...capture, camera, sink: transport.queue } };
}

/**
 * The status.v1 evidence counters from the capture's and the queue's own counts; images that HTTP/stdin records
 * carried and that were refused as bad (`records.refused`) count in `evidence_refused` too.
 */
export function evidenceStatus(
  capture: EvidenceCaptureStats | undefined,
  queue: EvidenceQueueStats | undefined,
  records?: RecordImageStats,
): Partial<EvidenceStatusCounters> {
  if (!capture && !queue) return {};
  return {
    evidence_captured: capture?.captured ?? 0,
    evidence_refused: (capture?.refused ?? 0) + (queue?.refused ?? 0) + (records?.refused ?? 0),
    evidence_dropped: queue?.dropped ?? 0,
    evidence_acked: queue?.acked ?? 0,
  };
}
