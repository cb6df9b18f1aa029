/**
 * What the evidence ingest tests publish: good evidence messages built with encodeEvidence around real JPEGs,
 * and one of each kind of poison, with the code each must be dead-lettered with.
 */
import mqtt from 'mqtt';
import sharp from 'sharp';
import { DEFAULT_MAX_EVIDENCE_BYTES, encodeEvidence, evidenceTopic, type ErrorCode, type Evidence } from '../../../src/contract/index.ts';
import { evidenceFields, makeJpeg, verified } from '../../store/evidence/evidence-fixtures.ts';

export interface Message {
  topic: string;
  payload: Buffer;
}

export interface Poison extends Message {
  kind: string;
  code: ErrorCode;
}

export async function goodMessages(count: number, camera = 'cam-01'): Promise<{ messages: Message[]; evidence: Evidence[] }> {
  const messages: Message[] = [];
  const evidence: Evidence[] = [];
  for (let i = 0; i < count; i++) {
    const fields = evidenceFields({ camera, seq: i, captured_at: new Date(Date.now() - (count - i) * 1000).toISOString() });
    const jpeg = await makeJpeg(i + 1 + camera.length * 1000);
    messages.push({ topic: evidenceTopic(fields), payload: encodeEvidence(fields, jpeg) });
    evidence.push(verified(fields, jpeg));
  }
  return { messages, evidence };
}

/** One message of each way an evidence message can be broken on the wire. */
export async function poisonMessages(): Promise<Poison[]> {
  const fields = evidenceFields();
  const topic = evidenceTopic(fields);
  const jpeg = await makeJpeg(4242);
  const good = encodeEvidence(fields, jpeg);
  const flipped = Buffer.from(good);
  flipped[flipped.length - 40] ^= 0xff; // inside the image, not its FF D8 FF start or FF D9 end
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
  const header = good.subarray(0, good.indexOf(0x0a)).toString();
  const withHeader = (text: string) => Buffer.concat([Buffer.from(text), good.subarray(good.indexOf(0x0a))]);
  return [
    { kind: 'no newline', topic, payload: Buffer.from('not an evidence message'), code: 'SEAM_ERR_MALFORMED_JSON' },
    { kind: 'oversize', topic, payload: Buffer.alloc(DEFAULT_MAX_EVIDENCE_BYTES + 1, 0x41), code: 'SEAM_ERR_PAYLOAD_TOO_LARGE' },
    { kind: 'digest mismatch', topic, payload: flipped, code: 'SEAM_ERR_SCHEMA_VIOLATION' },
    {
      kind: 'cut short',
      topic,
      payload: Buffer.concat([good.subarray(0, -10), Buffer.from([0xff, 0xd9])]),
      code: 'SEAM_ERR_SCHEMA_VIOLATION',
    },
    { kind: 'not a JPEG', topic, payload: encodeEvidence(evidenceFields(), png), code: 'SEAM_ERR_SCHEMA_VIOLATION' },
    { kind: 'other camera', topic: topic.replace('cam-01', 'cam-77'), payload: good, code: 'SEAM_ERR_TOPIC_MISMATCH' },
    {
      kind: 'unknown version',
      topic,
      payload: withHeader(header.replace('evidence.v1', 'evidence.v9')),
      code: 'SEAM_ERR_UNKNOWN_SCHEMA_VERSION',
    },
    {
      kind: 'bad header field',
      topic,
      payload: withHeader(header.replace('"masked":false', '"masked":"no"')),
      code: 'SEAM_ERR_SCHEMA_VIOLATION',
    },
    { kind: 'header not JSON', topic, payload: withHeader('{"schema_version":'), code: 'SEAM_ERR_MALFORMED_JSON' },
  ];
}

/** Poison spread among the good ones: one after every few good messages. */
export function interleave(good: readonly Message[], poison: readonly Message[]): Message[] {
  const out: Message[] = [];
  const every = Math.max(1, Math.floor(good.length / (poison.length + 1)));
  let p = 0;
  good.forEach((m, i) => {
    out.push(m);
    if ((i + 1) % every === 0 && p < poison.length) out.push(poison[p++]);
  });
  out.push(...poison.slice(p));
  return out;
}

/** Publishes at QoS 1, one after another, on a connection of its own; resolves when the broker took them all. */
export async function publishAll(url: string, messages: readonly Message[], protocolVersion: 4 | 5 = 5): Promise<void> {
  const client = await mqtt.connectAsync(url, {
    protocolVersion,
    clientId: `evidence-publisher-${process.pid}-${Date.now()}`,
    reconnectPeriod: 0,
  });
  try {
    for (const m of messages) await client.publishAsync(m.topic, m.payload, { qos: 1 });
  } finally {
    await client.endAsync();
  }
}
