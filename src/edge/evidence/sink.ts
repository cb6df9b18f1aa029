/** What the capture knows of a finished evidence message, beside its bytes. */
export interface EvidenceMeta {
  /** The event the image belongs to (also the image's identity). */
  event_id: string;
  /** The camera's name (the last topic segment). */
  camera: string;
  /** Length of the payload. */
  bytes: number;
}

/**
 * Where finished evidence.v1 payloads go: the edge's on-disk image queue (src/edge/evidence-queue/), or a
 * list in a test. `offer` never blocks and never throws: a full or failing queue drops and counts on its
 * side, so an image can never hold up or push out a detection event. The capture still guards the call.
 */
export interface EvidenceSink {
  offer(payload: Buffer, meta: EvidenceMeta): void;
}
