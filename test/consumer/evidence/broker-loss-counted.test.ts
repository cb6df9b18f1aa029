/**
 * The loss events have repair for and images do not: Mosquitto acknowledges images to the edge (which then
 * forgets them) and is SIGKILLed before it delivered or saved them. They are gone; the store must count them.
 * Real Mosquitto, the edge's real image queue and connection, the consumer's evidence session, a folder store.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startEvidenceConsumer } from '../../../src/consumer/evidence/start-evidence.ts';
import { startMosquitto } from '../../../src/proof/services/mosquitto.ts';
import { DuckDbStore } from '../../../src/store/duckdb/store.ts';
import { evidenceDirFor } from '../../../src/store/evidence/directory-layout.ts';
import { DirectoryEvidenceStore } from '../../../src/store/evidence/directory-store.ts';
import { evidenceFor, noiseJpeg, type Offered } from '../../edge/evidence-queue/support.ts';
import { transportOn } from '../../edge/evidence-queue/transport-support.ts';
import { waitFor } from '../../helpers/wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'seamline-evidence-broker-loss-'));
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

test('images Mosquitto acknowledged and lost in a SIGKILL are counted missing by the store, exactly', { timeout: 90_000 }, async () => {
  // Snapshots only on a clean stop: what arrives after the restart below dies with the SIGKILL.
  const broker = await startMosquitto({ autosaveInterval: 0 });
  cleanups.push(() => broker.close());
  const path = join(dir, 'loss.duckdb');
  const deadLetters = new DuckDbStore({ path });
  await deadLetters.open();
  const store = new DirectoryEvidenceStore({ dir: evidenceDirFor(path) });
  await store.open();
  cleanups.push(() => Promise.all([store.close(), deadLetters.close()]));
  // Plain subscription (Mosquitto restores those, not shared ones) on a session that outlives the consumer.
  const opts = { url: broker.url, clientId: 'broker-loss', share: false, store, deadLetters, retention: { everyMs: 0 } };
  await (await startEvidenceConsumer(opts)).stop();
  await broker.restart(); // SIGTERM: the consumer's session and subscription saved

  const jpeg = await noiseJpeg(48);
  const transport = transportOn(broker.url, { reconnectMaxMs: 200 }, cleanups);
  transport.start();
  const publish = async (n: number, all: Offered[]) => {
    for (let i = 0; i < n; i++) {
      const o = evidenceFor(jpeg);
      all.push(o);
      transport.queue.offer(o.payload, o.meta);
    }
    await waitFor(() => transport.stats().acked === all.length, 20_000, `${all.length} images acknowledged`);
  };
  const lost: Offered[] = [];
  await publish(10, lost); // acknowledged, queued for the stopped consumer in Mosquitto's memory only
  await broker.kill();
  await broker.start();
  const kept: Offered[] = [...lost];
  await publish(5, kept);
  const s = transport.stats();
  assert.deepEqual([s.acked, s.dropped, s.queued], [15, 0, 0], 'the edge had every image acknowledged and dropped none');

  const consumer = await startEvidenceConsumer(opts);
  await waitFor(() => consumer.ingest.stats.stored === 5 && consumer.ingest.stats.pending === 0, 20_000, 'the 5 images after the crash');
  await new Promise((r) => setTimeout(r, 500)); // nothing more is coming: the 10 died with the broker
  await consumer.stop();
  assert.equal((await store.stats()).images, 5, 'the 10 images before the SIGKILL are gone');
  for (const o of lost) assert.equal(await store.get(o.event_id), null);
  const [gaps, ...others] = await store.imageGaps();
  assert.equal(others.length, 0);
  // Numbers 0-9 never arrived, 10-14 did: each lost image counted, although the edge counted no drop.
  assert.deepEqual([gaps.camera, gaps.newest, gaps.received, gaps.missing], ['cam-01', 14, 5, 10]);
});
