/**
 * A simulated plant for `bench dashboard`: cameras on sites in regions, each sending `rate` events a
 * second, as batches of simulated time that a consumer would have committed. Latency per camera has its
 * own base and jitter, one camera throttles for two hours (its p99 climbs), one camera is offline for 40
 * minutes (a gap in its line and a bar on the timeline), and the consumer falls behind for half an hour
 * (the lag lines climb). Deterministic: the same options give the same day.
 */
import { v7 as uuidv7 } from 'uuid';
import type { DetectionV1, StatusV1 } from '../../contract/index.ts';

export interface PlantOptions {
  cameras: number;
  /** Events per second per camera. */
  rate: number;
  startMs: number;
  hours: number;
  /** Simulated seconds per write batch. */
  batchSeconds: number;
}

export interface PlantBatch {
  events: DetectionV1[];
  committedAt: Date;
  statuses: { status: StatusV1; receivedAt: Date }[];
  /** Simulated time this batch ends at. */
  atMs: number;
}

const CLASSES = ['scratch', 'dent', 'crack', 'missing_part', 'misprint'];
const HOUR = 3_600_000;
/** A heartbeat per camera every 5 minutes of plant time (a bridge's default is 10 s; the panels read its per-minute maximum). */
const HEARTBEAT_MS = 300_000;

export const plantCamera = (i: number) => ({
  region: i % 2 === 0 ? 'eu' : 'us',
  site: `site-${(i % 10) + 1}`,
  camera: `cam-${String(i + 1).padStart(2, '0')}`,
});

/** Yields the day batch by batch, so 43 million events never sit in memory at once. */
export function* plantDay(o: PlantOptions): Generator<PlantBatch> {
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const cams = Array.from({ length: o.cameras }, (_, i) => ({ ...plantCamera(i), seq: 0, base: 16 + (i % 10) * 4 }));
  const endMs = o.startMs + o.hours * HOUR;
  const step = o.batchSeconds * 1000;
  const outage = { camera: 11 % o.cameras, from: o.startMs + 3 * HOUR, to: o.startMs + 3 * HOUR + 40 * 60_000 };
  const throttled = 7 % o.cameras;
  for (let t = o.startMs; t < endMs; t += step) {
    const events: DetectionV1[] = [];
    const statuses: PlantBatch['statuses'] = [];
    const hour = (t - o.startMs) / HOUR;
    for (let c = 0; c < cams.length; c++) {
      const cam = cams[c];
      const down = c === outage.camera && t >= outage.from && t < outage.to;
      if (!down) {
        // The last batch stops at the end of the day when the batch length does not divide it.
        const span = Math.min(step, endMs - t);
        const n = Math.round((o.rate * span) / 1000);
        for (let k = 0; k < n; k++) {
          const captured = t + Math.floor(((k + random()) * span) / n);
          // The throttling Jetson: its inference time doubles and its tail quadruples between hours 14 and 16.
          const slow = c === throttled && hour >= 14 && hour < 16 ? 2 + 2 * Math.max(0, gauss()) : 1;
          const inference = Math.max(1, Math.round(cam.base * Math.exp(0.25 * gauss()) * slow));
          const boxes = random() < 0.3 ? 0 : 1 + Math.floor(random() * 3);
          events.push({
            schema_version: 'detection.v1',
            event_id: uuidv7(),
            region: cam.region,
            site: cam.site,
            camera: cam.camera,
            seq: cam.seq++,
            captured_at: new Date(captured).toISOString(),
            inferred_at: new Date(captured + inference).toISOString(),
            model: { name: 'yolov8n', version: '8.1.0' },
            frame: { width: 1280, height: 720 },
            detections: Array.from({ length: boxes }, () => {
              const id = Math.min(CLASSES.length - 1, Math.floor(-Math.log(random() + 1e-9) * 1.2));
              return { class: CLASSES[id], class_id: id, confidence: 0.9, bbox: [100, 100, 50, 40] as [number, number, number, number] };
            }),
          });
        }
      }
      if ((t - o.startMs) % HEARTBEAT_MS < step) {
        const state = down ? 'offline' : 'online';
        const status: StatusV1 = {
          schema_version: 'status.v1',
          region: cam.region,
          site: cam.site,
          camera: cam.camera,
          state,
          at: new Date(t).toISOString(),
          ...(down ? {} : { outbox_depth: Math.floor(random() * 4), oldest_unsent_ms: Math.floor(random() * 40), drops: 0 }),
        };
        statuses.push({ status, receivedAt: new Date(t + 5) });
      }
    }
    const behind = hour >= 9 && hour < 9.5 ? 2_000 + Math.floor(random() * 1_000) : 0;
    yield { events, committedAt: new Date(t + step + 15 + Math.floor(random() * 30) + behind), statuses, atMs: t + step };
  }
}
