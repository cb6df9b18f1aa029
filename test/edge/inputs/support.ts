/**
 * What the record-image tests share: pictures made with sharp, records that carry them, and a rig of real
 * parts — a bridge and its image transport on the file's Mosquitto, the record images' capture, and a real
 * evidence consumer storing into a DirectoryEvidenceStore beside a DuckDB file.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { startEvidenceConsumer, type RunningEvidenceConsumer } from '../../../src/consumer/evidence/start-evidence.ts';
import type { Bridge, BridgeOptions } from '../../../src/edge/bridge/bridge.ts';
import { cameraEvidence } from '../../../src/edge/camera-evidence.ts';
import type { EvidenceTransport } from '../../../src/edge/evidence-queue/transport.ts';
import { RecordImages, type RecordImagesOptions } from '../../../src/edge/inputs/record-evidence.ts';
import { DuckDbStore } from '../../../src/store/duckdb/store.ts';
import { evidenceDirFor } from '../../../src/store/evidence/directory-layout.ts';
import { DirectoryEvidenceStore } from '../../../src/store/evidence/directory-store.ts';
import type { MosquittoSuite } from '../mosquitto-suite.ts';
import { tempDir } from '../support.ts';

export const W = 320;
export const H = 240;

/** A W x H RGB picture: a gradient with a bright block, or noise (JPEG's and PNG's worst case). */
export function rgb(width = W, height = H, noise = false): Buffer {
  const px = Buffer.alloc(width * height * 3);
  let s = 7;
  for (let i = 0; i < px.length; i++) {
    if (noise) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      px[i] = s & 0xff;
    } else {
      const p = Math.floor(i / 3);
      const x = p % width;
      const y = Math.floor(p / width);
      px[i] = x > 40 && x < 120 && y > 30 && y < 90 ? 240 : (x + y * (i % 3)) & 0xff;
    }
  }
  return px;
}

const raw = (width: number, height: number) => ({ raw: { width, height, channels: 3 as const } });
export const jpeg = (width = W, height = H) => sharp(rgb(width, height), raw(width, height)).jpeg({ quality: 90 }).toBuffer();
export const png = (width = W, height = H, noise = false) =>
  sharp(rgb(width, height, noise), raw(width, height))
    .png()
    .toBuffer();

/** A record of W x H frame pixels with one box of `cls`, carrying `image` (base64 of a Buffer, or as given). */
export function record(cls: string, image?: Buffer | unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Date.now();
  return {
    captured_at: new Date(now).toISOString(),
    inferred_at: new Date(now + 15).toISOString(),
    model: { name: 'external-trt', version: '1.0' },
    frame: { width: W, height: H },
    detections: [{ class: cls, class_id: 1, confidence: 0.9, bbox: [40, 30, 80, 60] }],
    ...(image === undefined ? {} : { image: Buffer.isBuffer(image) ? image.toString('base64') : image }),
    ...extra,
  };
}

export interface Rig {
  bridge: Bridge;
  transport: EvidenceTransport;
  images: RecordImages;
  store: DirectoryEvidenceStore;
  consumer: RunningEvidenceConsumer;
}

/** A bridge on camera eu/plant-1/`camera` with record images on, and a consumer storing what it sends. */
export async function rig(suite: MosquittoSuite, name: string, options: Partial<RecordImagesOptions> = {}): Promise<Rig> {
  const tmp = tempDir(`seamline-record-images-${name}-`);
  const opts: BridgeOptions = {
    url: suite.broker.url,
    clientId: `record-${name}-${process.pid}`,
    region: 'eu',
    site: 'plant-1',
    camera: `cam-${name}`,
    dataDir: join(tmp.dir, 'edge'),
  };
  const bridge = suite.bridge(opts);
  const evidence = cameraEvidence(opts, bridge.registry, { intervalSeconds: 60 });
  const images = new RecordImages({
    capture: evidence.capture,
    defaults: { region: 'eu', site: 'plant-1', camera: opts.camera },
    registry: bridge.registry,
    clientId: opts.clientId,
    ...options,
  });
  const path = join(tmp.dir, 'plant.duckdb');
  const deadLetters = new DuckDbStore({ path });
  await deadLetters.open();
  const store = new DirectoryEvidenceStore({ dir: evidenceDirFor(path) });
  await store.open();
  const consumer = await startEvidenceConsumer({
    url: suite.broker.url,
    clientId: `record-consumer-${name}`,
    group: `g-${name}`,
    store,
    deadLetters,
    retention: { everyMs: 0 },
  });
  suite.cleanups.push(async () => {
    await consumer.stop();
    await Promise.all([store.close(), deadLetters.close()]);
    tmp.cleanup();
  });
  // Runs before the bridge closes (cleanups run in reverse).
  suite.cleanups.push(async () => {
    await images.idle();
    await evidence.transport.close();
  });
  await bridge.start();
  evidence.transport.start();
  return { bridge, transport: evidence.transport, images, store, consumer };
}
