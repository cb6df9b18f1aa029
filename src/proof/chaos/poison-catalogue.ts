import { detectionTopic } from '../../contract/index.ts';
import { eventPayload } from '../bench/event-payload.ts';

/**
 * One of every kind of poison the consumer must acknowledge and dead-letter without stopping: each is
 * built from a valid event so that exactly one thing is wrong with it.
 */
export function poisonCatalogue(): { name: string; topic: string; payload: Buffer }[] {
  const good = eventPayload(0, 1, Date.now());
  const event = JSON.parse(good.payload) as Record<string, unknown>;
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  return [
    { name: 'malformed JSON', topic: good.topic, payload: Buffer.from('{"schema_version": "detection.v1", ') },
    { name: 'not UTF-8 JSON', topic: good.topic, payload: Buffer.from([0xff, 0xfe, 0x00, 0x7b]) },
    { name: 'unknown schema_version', topic: good.topic, payload: json({ ...event, schema_version: 'detection.v7' }) },
    { name: 'confidence out of range', topic: good.topic, payload: json({ ...event, detections: [{ class: 'dent', class_id: 2, confidence: 1.7, bbox: [0, 0, 5, 5] }] }) },
    { name: 'seq as a string', topic: good.topic, payload: json({ ...event, seq: '12' }) },
    { name: 'unknown field', topic: good.topic, payload: json({ ...event, shift: 'night' }) },
    { name: 'oversize payload', topic: good.topic, payload: Buffer.alloc(300 * 1024, 0x20) },
    { name: 'camera differs from topic', topic: detectionTopic({ region: 'bench', site: 'line-1', camera: 'cam-9' }), payload: json(event) },
    { name: 'bad identifier in topic', topic: 'vision/bench/Line 1/cam-0/detection', payload: json(event) },
  ];
}
