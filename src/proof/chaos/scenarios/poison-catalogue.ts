import { detectionTopic, statusTopic } from '../../../contract/index.ts';
import { eventPayload } from '../../bench/event-payload.ts';

/**
 * One of every kind of poison the consumer must acknowledge and dead-letter without stopping: each is
 * built from a valid event so that exactly one thing is wrong with it.
 */
export function poisonCatalogue(): { name: string; topic: string; payload: Buffer }[] {
  const good = eventPayload(0, 1, Date.now());
  const event = JSON.parse(good.payload) as Record<string, unknown>;
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const [head, tail] = good.payload.split('"yolov8n"');
  const notUtf8 = Buffer.concat([Buffer.from(`${head}"yolo`), Buffer.from([0xff]), Buffer.from(`"${tail}`)]);
  const ids = { region: event.region as string, site: event.site as string, camera: event.camera as string };
  return [
    { name: 'malformed JSON', topic: good.topic, payload: Buffer.from('{"schema_version": "detection.v1", ') },
    { name: 'not UTF-8 JSON', topic: good.topic, payload: Buffer.from([0xff, 0xfe, 0x00, 0x7b]) },
    { name: 'unknown schema_version', topic: good.topic, payload: json({ ...event, schema_version: 'detection.v7' }) },
    {
      name: 'confidence out of range',
      topic: good.topic,
      payload: json({ ...event, detections: [{ class: 'dent', class_id: 2, confidence: 1.7, bbox: [0, 0, 5, 5] }] }),
    },
    { name: 'seq as a string', topic: good.topic, payload: json({ ...event, seq: '12' }) },
    { name: 'unknown field', topic: good.topic, payload: json({ ...event, shift: 'night' }) },
    { name: 'oversize payload', topic: good.topic, payload: Buffer.alloc(300 * 1024, 0x20) },
    {
      name: 'camera differs from topic',
      topic: detectionTopic({ region: 'bench', site: 'line-1', camera: 'cam-9' }),
      payload: json(event),
    },
    { name: 'bad identifier in topic', topic: 'vision/bench/Line 1/cam-0/detection', payload: json(event) },
    // Schema-valid before 2026-12-06, and each stopped or wedged a consumer on some store (issue 23).
    { name: 'captured on February 30', topic: good.topic, payload: json({ ...event, captured_at: '2026-02-30T08:00:00.000Z' }) },
    { name: 'captured in year 0000', topic: good.topic, payload: json({ ...event, captured_at: '0000-01-01T00:00:00.000Z' }) },
    { name: 'captured at a leap second', topic: good.topic, payload: json({ ...event, captured_at: '2016-12-31T23:59:60.000Z' }) },
    { name: 'a NUL in the model name', topic: good.topic, payload: json({ ...event, model: { name: 'yolo\u0000', version: '1' } }) },
    {
      name: 'an unpaired surrogate in the model version',
      topic: good.topic,
      payload: json({ ...event, model: { name: 'yolo', version: '\ud800' } }),
    },
    { name: 'a byte that is not UTF-8 inside a string', topic: good.topic, payload: notUtf8 },
    {
      name: 'a heartbeat with an outbox depth of 2^64 - 1',
      topic: statusTopic(ids),
      payload: Buffer.from(
        JSON.stringify({ schema_version: 'status.v1', ...ids, state: 'online', at: new Date().toISOString() }).replace(
          '}',
          ',"outbox_depth":18446744073709551615}',
        ),
      ),
    },
  ];
}
