import mqtt, { type MqttClient } from 'mqtt';
import { encodeEvidence, evidenceTopic, type EvidenceFields } from '../../contract/index.ts';

export const BENCH_IMAGE = { width: 1280, height: 720 };

/**
 * One JPEG for the bench to send again and again: 1280x720 at quality 80 (the capture's defaults), a gradient
 * under blurred noise so it compresses like a camera scene rather than a flat test card (about 96 KB, inside
 * the 100-250 KB docs/evidence.md expects of a real factory frame at the low end). Made once per run.
 */
export async function makeBenchJpeg(): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  const { width: w, height: h } = BENCH_IMAGE;
  const pixels = Buffer.alloc(w * h * 3);
  let s = 12345;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const n = (s >>> 24) % 40;
      pixels[i] = ((x * 255) / w + n) & 255;
      pixels[i + 1] = ((y * 255) / h + n) & 255;
      pixels[i + 2] = (((x + y) * 100) / (w + h) + n) & 255;
    }
  }
  return sharp(pixels, { raw: { width: w, height: h, channels: 3 } })
    .blur(1.5)
    .jpeg({ quality: 80 })
    .toBuffer();
}

/** The evidence.v1 message of a bench detection.v1 payload (event-payload.ts): same event_id, camera, seq, boxes. */
export function evidenceFor(eventPayload: string, jpeg: Buffer): { topic: string; payload: Buffer } {
  const e = JSON.parse(eventPayload) as EvidenceFields;
  const fields: EvidenceFields = {
    event_id: e.event_id,
    region: e.region,
    site: e.site,
    camera: e.camera,
    seq: e.seq,
    captured_at: e.captured_at,
    model: e.model,
    frame: e.frame,
    detections: e.detections,
    image: BENCH_IMAGE,
    masked: false,
  };
  return { topic: evidenceTopic(fields), payload: encodeEvidence(fields, jpeg) };
}

/**
 * Publishes images beside a publisher's events, as a camera host's image queue would: its own MQTT connection,
 * QoS 1, at `rate` images a second, each the image of a distinct event the publisher has just sent.
 * `latest()` names that event; an image is skipped (not owed) while no new event has been sent since the last.
 */
export class ImagePacer {
  published = 0;
  private sent = 0;
  private lastPayload: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private started = 0;
  private client!: MqttClient;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly o: { url: string; clientId: string; protocolVersion: 4 | 5; rate: number; jpeg: Buffer },
    private readonly latest: () => string | undefined,
  ) {}

  async start(): Promise<void> {
    this.client = await mqtt.connectAsync(this.o.url, { protocolVersion: this.o.protocolVersion, clientId: this.o.clientId, clean: true });
    this.started = Date.now();
    this.timer = setInterval(() => this.tick(), 10);
  }

  private tick(): void {
    const due = Math.floor(((Date.now() - this.started) / 1000) * this.o.rate);
    while (this.sent < due) {
      this.sent++;
      const event = this.latest();
      if (event === undefined || event === this.lastPayload) continue;
      this.lastPayload = event;
      const { topic, payload } = evidenceFor(event, this.o.jpeg);
      const p = this.client.publishAsync(topic, payload, { qos: 1 }).then(() => void this.published++);
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
    }
  }

  /** Stops sending, waits for the PUBACKs of what was sent, disconnects; resolves with the images acknowledged. */
  async stop(): Promise<number> {
    clearInterval(this.timer);
    await Promise.all(this.inFlight);
    await this.client.endAsync();
    return this.published;
  }
}
