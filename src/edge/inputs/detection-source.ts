import type { EdgeDetectionInput } from '../bridge/record.ts';

export type { EdgeDetectionInput };

/**
 * Whatever feeds the bridge in-process: the simulated cameras of `npm start` today, the ONNX detector
 * pipeline later. The sink is `bridge.accept`; it resolves once the event is durable and rejects with a
 * SeamError (SEAM_ERR_INVALID_INPUT, SEAM_ERR_OUTBOX_FULL) when the bridge refuses it. A source should await
 * the sink (or bound how many calls it has pending) so a slow disk slows the source instead of growing memory.
 */
export interface DetectionSource {
  /** Starts producing into `sink`; resolves once the source is running. */
  start(sink: (input: EdgeDetectionInput) => Promise<unknown>): Promise<void>;
  /** Stops producing; resolves once no further sink call will be made. */
  stop(): Promise<void>;
}
