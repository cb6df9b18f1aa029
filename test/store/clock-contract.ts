/**
 * The clock-offset part of the store contract (store-contract.ts runs it against every store): a consumer's
 * sample of commit time - captured_at per camera goes in through writeConsumerSample, and the camera rows
 * the dashboard and the alerts read (StoreReader.cameras, and the panels' cameraList where the store has
 * panels) come back with the smallest figure of the last five minutes as clockOffsetMs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CameraClock } from '../../src/store/store.ts';
import { makeEvents } from '../helpers/events.ts';
import type { StoreUnderTest } from './store-contract.ts';

const HOUR = 3_600_000;
const clock = (camera: string, minLagMs: number, maxLagMs = minLagMs + 500, events = 10): CameraClock => ({
  region: 'eu',
  site: 'plant-1',
  camera,
  minLagMs,
  maxLagMs,
  events,
});
const offsets = (rows: { camera: string; clockOffsetMs: number | null }[]) =>
  Object.fromEntries(rows.map((r) => [r.camera, r.clockOffsetMs]));

export function clockContract(name: string, withStore: (fn: (store: StoreUnderTest) => Promise<void>) => Promise<void>) {
  test(
    `${name}: reads back each camera's clock offset, the smallest lag any consumer sampled in the last five minutes`,
    { timeout: 30_000 },
    () =>
      withStore(async (store) => {
        const now = Date.now();
        // Events of the cameras whose clocks are not wrong, so they are known cameras with events as well.
        await store.write(
          [...makeEvents(3, { camera: 'healthy' }, now - 2_000), ...makeEvents(3, { camera: 'ahead' }, now + 30_000)],
          new Date(now),
        );
        // Two consumers share the cameras and sample in the same minute (the SQL stores merge their rows);
        // the smallest figure of all is the camera's floor. One earlier minute as well.
        const t = now - 5_000 - ((now - 5_000) % 60_000 === 0 ? 1 : 0);
        await store.writeConsumerSample!({
          consumer: 'c-1',
          atMs: now - 60_000,
          inFlight: 0,
          pending: 0,
          cameras: [clock('behind', HOUR + 90), clock('healthy', 45), clock('ahead', -29_990)],
        });
        await store.writeConsumerSample!({
          consumer: 'c-1',
          atMs: t,
          inFlight: 0,
          pending: 0,
          cameras: [clock('behind', HOUR + 50), clock('healthy', 60), clock('ahead', -29_995)],
        });
        await store.writeConsumerSample!({
          consumer: 'c-2',
          atMs: t - 1,
          inFlight: 0,
          pending: 0,
          cameras: [clock('behind', HOUR + 20), clock('healthy', 41), clock('ahead', -30_000)],
        });
        // Ten minutes old: outside the window, so it says nothing about now.
        await store.writeConsumerSample!({
          consumer: 'c-1',
          atMs: now - 600_000,
          inFlight: 0,
          pending: 0,
          cameras: [clock('healthy', -HOUR), clock('gone', 5)],
        });
        const expected = { ahead: -30_000, behind: HOUR + 20, healthy: 41 };
        await (store as { compactRollups?: () => Promise<unknown> }).compactRollups?.();
        assert.deepEqual(offsets(await store.cameras(now)), expected);
        const { panels } = store.capabilities;
        if (panels) assert.deepEqual(offsets(await panels.cameraList(now)), expected);
        assert.deepEqual(Object.fromEntries((await store.clockOffsets!(now)).map((o) => [o.camera, o.offsetMs])), expected);
        // Six minutes on, the samples are out of the window: no figure, not the old one.
        assert.deepEqual(offsets(await store.cameras(now + 360_000)), { ahead: null, healthy: null });
      }),
  );

  test(
    `${name}: a camera whose clock reset to 1970 or 2000 is listed with its offset now, its events where its clock put them`,
    { timeout: 30_000 },
    () =>
      withStore(async (store) => {
        const now = Date.now();
        const epochs = { 'rtc-1970': Date.parse('1970-01-01T00:00:05.000Z'), 'rtc-2000': Date.parse('2000-01-01T00:00:00.000Z') };
        for (const [camera, at] of Object.entries(epochs)) await store.write(makeEvents(2, { camera }, at, 1_000), new Date(now));
        await store.writeConsumerSample!({
          consumer: 'c-1',
          atMs: now,
          inFlight: 0,
          pending: 0,
          cameras: Object.entries(epochs).map(([camera, at]) => clock(camera, now - (at + 1_000), now - at, 2)),
        });
        const rows = offsets(await store.cameras(now));
        assert.equal(rows['rtc-1970'], now - epochs['rtc-1970'] - 1_000);
        assert.equal(rows['rtc-2000'], now - epochs['rtc-2000'] - 1_000);
        const { panels } = store.capabilities;
        if (panels) assert.equal(offsets(await panels.cameraList(now))['rtc-1970'], now - epochs['rtc-1970'] - 1_000);
      }),
  );
}
