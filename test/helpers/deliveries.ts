import type { DetectionV1 } from '../../src/contract/index.ts';
import type { Delivery } from '../../src/consumer/mqtt/subscriber-session.ts';

/** Event `e` as the subscriber session hands it to the Ingestor: QoS 1 on its own topic, message id i + 1. */
export const deliveryOf = (e: DetectionV1, i: number): Delivery => ({
  topic: `vision/${e.region}/${e.site}/${e.camera}/detection`,
  payload: Buffer.from(JSON.stringify(e)),
  qos: 1,
  dup: false,
  connection: 1,
  messageId: i + 1,
});
