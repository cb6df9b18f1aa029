import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { camerasPanel } from '../../src/dashboard/panels/cameras.ts';
import { parsePanelWindow } from '../../src/dashboard/panels/window.ts';
import type { InferenceCounters } from '../../src/contract/index.ts';
import { StatusMessages, type HeartbeatCounters } from '../../src/edge/bridge/status.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { burst, MINUTE } from './events.ts';

const NOW = Date.UTC(2026, 0, 5, 8, 30, 0);
const ID = { region: 'eu', site: 'plant-1', camera: 'cam-edge' };

// Distinct values, so a figure shown under the wrong name cannot pass.
const HEARTBEAT: HeartbeatCounters = {
  outbox_depth: 3,
  outbox_bytes: 900,
  oldest_unsent_ms: 0,
  frames: 411,
  detections: 77,
  drops: 0,
  uptime_s: 60,
};
const INFERENCE: InferenceCounters = { frames_read: 420, frames_inferred: 401, frames_skipped: 19, source_restarts: 2, model_ms_p50: 43.5 };

describe('cameras panel: the figures a camera pipeline reports, inference and clock', () => {
  let store: DuckDbStore;

  before(async () => {
    store = new DuckDbStore({ path: ':memory:' });
    await store.open();
    await store.write(burst(ID.camera, NOW - 5 * MINUTE, 2), new Date(NOW));
    // The bytes the edge itself publishes, so the panel is checked against the real field names.
    const body = JSON.parse(new StatusMessages(ID).online({ ...HEARTBEAT, ...INFERENCE }).toString());
    await store.writeStatus(body, new Date(NOW - MINUTE));
    // A consumer's sample two minutes ago: this camera's events arrive an hour and two minutes after their captured_at.
    await store.writeConsumerSample({
      consumer: 'c-1',
      atMs: NOW - 2 * MINUTE,
      inFlight: 0,
      pending: 0,
      cameras: [{ ...ID, minLagMs: 3_720_000, maxLagMs: 3_721_000, events: 8 }],
    });
  });

  after(async () => {
    await store.close();
  });

  test('shows every inference counter of status.v1 with the value the bridge sent', { timeout: 30_000 }, async () => {
    const w = parsePanelWindow({ range: '1h' }, NOW);
    const { cameras } = await camerasPanel(store.capabilities.panels, w, NOW);
    const cam = cameras.find((c) => c.camera === ID.camera);
    assert.ok(cam, `camera ${ID.camera} is listed`);
    assert.deepEqual(cam.edge, { frames: HEARTBEAT.frames, ...INFERENCE });
  });

  test("shows the camera's clock offset of the five minutes before the panel's instant, and none ten minutes on", {
    timeout: 30_000,
  }, async () => {
    const at = async (now: number) =>
      (await camerasPanel(store.capabilities.panels, parsePanelWindow({ range: '1h' }, now), now)).cameras.find(
        (c) => c.camera === ID.camera,
      )?.clockOffsetMs;
    assert.equal(await at(NOW), 3_720_000);
    assert.equal(await at(NOW + 10 * MINUTE), null);
  });
});
