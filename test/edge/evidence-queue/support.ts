import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import sharp from 'sharp';
import { v7 as uuidv7 } from 'uuid';
import { decodeEvidence, encodeEvidence, EVIDENCE_FILTER, type SeamError } from '../../../src/contract/index.ts';

export const CAMERA = { region: 'eu', site: 'plant-1', camera: 'cam-01' };

/** A real JPEG of random pixels (random pixels barely compress, so the side sets the size). */
export async function noiseJpeg(side: number, quality = 90): Promise<Buffer> {
  const raw = randomBytes(side * side * 3);
  return sharp(raw, { raw: { width: side, height: side, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}

/** A JPEG of random pixels just under `maxBytes`, for the "about a megabyte" images. */
export async function jpegNear(maxBytes: number): Promise<Buffer> {
  for (let side = 900; side > 16; side -= 20) {
    const jpeg = await noiseJpeg(side, 100);
    if (jpeg.byteLength <= maxBytes) return jpeg;
  }
  throw new Error(`no JPEG under ${maxBytes} bytes`);
}

export interface Offered {
  event_id: string;
  payload: Buffer;
  meta: { event_id: string; camera: string; bytes: number };
}

// Six digits from the start, so every message of one JPEG has the same length (the byte-bound tests count bytes).
let seq = 100_000;

/** One evidence.v1 message for a new event of `camera`, built with the contract's own encoder. */
export function evidenceFor(jpeg: Buffer, camera = CAMERA): Offered {
  const event_id = uuidv7();
  const payload = encodeEvidence(
    {
      event_id,
      ...camera,
      seq: seq++,
      captured_at: new Date().toISOString(),
      frame: { width: 1280, height: 720 },
      detections: [{ class: 'scratch', class_id: 1, confidence: 0.91, bbox: [412, 188, 64, 30] }],
      image: { width: 640, height: 360 },
      masked: false,
    },
    jpeg,
  );
  return { event_id, payload, meta: { event_id, camera: camera.camera, bytes: payload.byteLength } };
}

/**
 * Evidence messages of one JPEG for ever new events, its digest computed once: a test that pushes images for as
 * long as something else runs spends a copy per image, not a SHA-256 of a megabyte.
 */
export function evidenceStream(jpeg: Buffer, camera = CAMERA): () => Offered {
  const template = evidenceFor(jpeg, camera).payload;
  const end = template.indexOf(0x0a);
  const header = JSON.parse(template.subarray(0, end).toString('utf8')) as Record<string, unknown>;
  const image = template.subarray(end);
  return () => {
    const event_id = uuidv7();
    const payload = Buffer.concat([Buffer.from(JSON.stringify({ ...header, event_id, seq: seq++ })), image]);
    return { event_id, payload, meta: { event_id, camera: camera.camera, bytes: payload.byteLength } };
  };
}

/** A subscriber on every evidence topic that decodes each message as the consumer will. */
export interface EvidenceCollector {
  client: MqttClient;
  /** event_id -> payload as received (last copy). */
  byId: Map<string, Buffer>;
  /** Every arrival, duplicates included. */
  received: number;
  /** Messages decodeEvidence refused. */
  poison: SeamError[];
  waitFor(distinct: number, timeoutMs: number, context?: () => unknown): Promise<void>;
  close(): Promise<void>;
}

/** `persistent` keeps a broker session, so images published while it reconnects after a broker restart are queued for it. */
export async function collectEvidence(url: string, protocolVersion: 4 | 5 = 5, persistent = false): Promise<EvidenceCollector> {
  const client = await mqtt.connectAsync(url, {
    protocolVersion,
    clientId: `evidence-collector-${process.pid}-${Math.random().toString(16).slice(2)}`,
    clean: !persistent,
    reconnectPeriod: 100,
    properties: protocolVersion === 5 && persistent ? { sessionExpiryInterval: 3600 } : undefined,
  });
  const c: EvidenceCollector = {
    client,
    byId: new Map(),
    received: 0,
    poison: [],
    async waitFor(distinct, timeoutMs, context) {
      const until = Date.now() + timeoutMs;
      while (c.byId.size < distinct) {
        if (Date.now() > until) {
          const extra = context ? `; ${JSON.stringify(context())}` : '';
          throw new Error(`received ${c.byId.size} distinct images of ${distinct} after ${timeoutMs} ms${extra}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => client.endAsync(true),
  };
  client.on('message', (topic, payload) => {
    c.received++;
    const decoded = decodeEvidence(topic, payload);
    if (!decoded.ok) c.poison.push(decoded.error);
    else c.byId.set(decoded.evidence.header.event_id, Buffer.from(payload));
  });
  await client.subscribeAsync(EVIDENCE_FILTER, { qos: 1 });
  return c;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `ready` every 10 ms until true; throws after `timeoutMs` naming what it waited for. */
export async function until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** What the image queue's stamp (src/edge/evidence-queue/stamp.ts) adds to a header for image number `seq`. */
export const stampBytes = (seq: number) => `,"image_stream":{"id":"0123456789abcdef","seq":${seq}}`.length;

/**
 * A message as the queue sent it, split into the queue's `image_stream` stamp and the message without it: the
 * latter is byte for byte what was offered (the stamp is appended to the header; the image is untouched).
 */
export function unstamp(payload: Buffer): { payload: Buffer; stream: { id: string; seq: number } | undefined } {
  const end = payload.indexOf(0x0a);
  const { image_stream: stream, ...header } = JSON.parse(payload.subarray(0, end).toString('utf8'));
  return { payload: Buffer.concat([Buffer.from(JSON.stringify(header)), payload.subarray(end)]), stream };
}

/** True when `sent` is `offered` with the queue's stamp and nothing else changed. */
export const sentAsOffered = (sent: Buffer | undefined, offered: Buffer) =>
  sent !== undefined && unstamp(sent).stream !== undefined && unstamp(sent).payload.equals(offered);
