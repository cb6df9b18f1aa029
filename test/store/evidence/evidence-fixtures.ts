import sharp from 'sharp';
import { v7 as uuidv7 } from 'uuid';
import { decodeEvidence, encodeEvidence, evidenceTopic, type Evidence, type EvidenceFields } from '../../../src/contract/index.ts';

/** A real JPEG from sharp, different for each `seed` (so two images never share a digest by accident). */
export async function makeJpeg(seed: number, width = 64, height = 48): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 31 + seed * 97 + (i >> 7) * seed) % 256;
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

export function evidenceFields(overrides: Partial<EvidenceFields> = {}): EvidenceFields {
  return {
    event_id: uuidv7(),
    region: 'eu',
    site: 'plant-1',
    camera: 'cam-01',
    seq: 0,
    captured_at: new Date().toISOString(),
    frame: { width: 1280, height: 720 },
    detections: [{ class: 'scratch', class_id: 1, confidence: 0.91, bbox: [412, 188, 64, 30] }],
    image: { width: 64, height: 48 },
    masked: false,
    ...overrides,
  };
}

/** A verified evidence message, as the consumer hands it to a store: encoded, then decoded by the contract. */
export function verified(fields: EvidenceFields, jpeg: Buffer): Evidence {
  const payload = encodeEvidence(fields, jpeg);
  const decoded = decodeEvidence(evidenceTopic(fields), payload);
  if (!decoded.ok) throw decoded.error;
  return decoded.evidence;
}

/** `count` images of one camera captured `stepMs` apart from `startMs`, each a different JPEG. */
export async function makeEvidence(
  count: number,
  base: Partial<EvidenceFields> = {},
  startMs = Date.now() - count * 1000,
  stepMs = 1000,
): Promise<Evidence[]> {
  const out: Evidence[] = [];
  for (let i = 0; i < count; i++) {
    const fields = evidenceFields({ ...base, seq: i, captured_at: new Date(startMs + i * stepMs).toISOString() });
    out.push(verified(fields, await makeJpeg(i + (base.seq ?? 0) * 1000 + 1)));
  }
  return out;
}
