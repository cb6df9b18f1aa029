import { cameraKey, type CameraId, type DetectionV1 } from '../contract/index.ts';
import type { CameraClock } from '../store/store.ts';

/**
 * Per camera, how long after their captured_at the events this consumer committed were committed: the
 * smallest and largest commit time - captured_at and the count, since the last drain. The consumer's
 * sampler drains it into the store every few seconds, where the smallest over a few minutes is the
 * camera's clock offset: the pipeline (inference, transit, batching) only ever adds lag, so a healthy
 * camera's floor is tens of ms, one whose clock is an hour behind sits at +3,600,000 ms and one whose clock
 * is ahead goes negative. A backlog drained from an outbox raises the floor too while it drains; the
 * outbox figures of the camera's heartbeat tell the two apart (docs/troubleshooting.md).
 */
export class CaptureOffsets {
  private cameras = new Map<string, CameraClock>();

  /** Every event of one committed batch; redeliveries too, their lag is real and only raises the largest. */
  record(committedAtMs: number, events: readonly DetectionV1[]): void {
    // The contract's timestamps are all of one width and in UTC (TIMESTAMP_PATTERN), so they sort as
    // strings: per camera only the batch's newest and oldest captured_at are parsed, not every event's.
    const batch = new Map<string, { e: DetectionV1; newest: string; oldest: string; n: number }>();
    for (const e of events) {
      const key = cameraKey(e);
      const b = batch.get(key);
      if (!b) batch.set(key, { e, newest: e.captured_at, oldest: e.captured_at, n: 1 });
      else {
        if (e.captured_at > b.newest) b.newest = e.captured_at;
        else if (e.captured_at < b.oldest) b.oldest = e.captured_at;
        b.n++;
      }
    }
    for (const [key, b] of batch) this.add(key, b.e, committedAtMs - Date.parse(b.newest), committedAtMs - Date.parse(b.oldest), b.n);
  }

  private add(key: string, id: CameraId, minLagMs: number, maxLagMs: number, events: number): void {
    // A captured_at no clock can mean (the contract refuses them) must not poison the store's sample.
    if (!Number.isFinite(minLagMs) || !Number.isFinite(maxLagMs)) return;
    const c = this.cameras.get(key);
    if (!c) this.cameras.set(key, { region: id.region, site: id.site, camera: id.camera, minLagMs, maxLagMs, events });
    else {
      c.minLagMs = Math.min(c.minLagMs, minLagMs);
      c.maxLagMs = Math.max(c.maxLagMs, maxLagMs);
      c.events += events;
    }
  }

  /** What was recorded since the last drain, and starts afresh. */
  drain(): CameraClock[] {
    const out = [...this.cameras.values()];
    this.cameras = new Map();
    return out;
  }
}
