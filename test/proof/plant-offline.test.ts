/**
 * The chaos plant's `camera-offline` rule against a real Mosquitto restart: the smallest plant that shows it
 * (Mosquitto with persistence, two `seamline edge --simulate` hosts of one camera each, one `seamline consumer`
 * into PostgreSQL, the rule evaluated on that store as `seamline alerts run` does).
 *
 * Mosquitto 2.0 stopped cleanly publishes the will of every client connected to it (a will delay changes nothing
 * there), so every camera's stored status turns `offline` at the stop, received then, and back to `online` only once
 * the broker is up and each bridge's reconnect backoff has run out: about 5 s for a 3-s restart. A rule whose `after`
 * is shorter pages every camera for the broker's sake; the plant's `after` is the operator's 30 s, and its killed host
 * stays down longer than that, so a camera that really is offline still pages.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadAlertsConfig } from '../../src/alerting/alerts-config.ts';
import { parseDuration } from '../../src/alerting/config/duration.ts';
import { observe, startTick } from '../../src/alerting/evaluate.ts';
import { RULES } from '../../src/proof/chaos/plant/attribution.ts';
import { writeAlertsConfig } from '../../src/proof/chaos/plant/alerts-config.ts';
import { cameraKey, REGION, SITE } from '../../src/proof/chaos/plant/hosts.ts';
import { PlantProcess } from '../../src/proof/chaos/plant/process.ts';
import { FAULT_SECONDS } from '../../src/proof/chaos/plant/schedule.ts';
import { startMosquitto } from '../../src/proof/services/mosquitto.ts';
import { startPostgres } from '../../src/proof/services/postgres.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const host = (camera: string, url: string, dir: string) =>
  new PlantProcess(
    `host-${camera}`,
    [
      ...['edge', '--simulate', '2', '--url', url, '--client-id', `offline-${camera}`, '--region', REGION, '--site', SITE],
      ...['--camera', camera, '--data-dir', join(dir, camera), '--heartbeat', '5', '--http-port', '-1', '--log-level', 'info'],
    ],
    'edge bridge connected',
  );

test('a 3-s broker restart pages no camera as offline; a host that stays down pages its camera', { timeout: 150_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seamline-plant-offline-'));
  const [broker, postgres] = await Promise.all([startMosquitto(), startPostgres()]);
  const consumer = new PlantProcess(
    'consumer',
    ['consumer', '--url', broker.url, '--store', postgres.url, '--client-id', 'offline-consumer', '--metrics-port', '-1', '--no-evidence'],
    'consumer running',
  );
  const hosts = [host('c1', broker.url, dir), host('c2', broker.url, dir)];
  const store = new PostgresStore({ url: postgres.url });
  try {
    await consumer.start();
    await Promise.all(hosts.map((h) => h.start()));
    await store.open();
    const cameras = ['c1', 'c2'].map(cameraKey);
    const config = loadAlertsConfig(writeAlertsConfig(dir, 'http://127.0.0.1:9/', cameras));
    const rule = config.rules.find((r) => r.name === RULES.offline)!;
    const afterMs = parseDuration((rule.params as { after: string }).after);
    /** One evaluation now, as the engine's tick does: per camera, whether the rule holds and how long it says offline. */
    const evaluate = async () => {
      const o = await observe(rule, await startTick(store, Date.now(), config.expectedCameras));
      return new Map(o.map((x) => [x.camera!.camera, { holds: x.holds, offlineS: x.value }]));
    };
    const watch = async (ms: number, until: (m: Awaited<ReturnType<typeof evaluate>>) => boolean) => {
      const seen: Awaited<ReturnType<typeof evaluate>>[] = [];
      for (const end = Date.now() + ms; Date.now() < end; await sleep(500)) {
        seen.push(await evaluate());
        if (until(seen.at(-1)!)) break;
      }
      return seen;
    };
    await watch(20_000, (m) => [...m.values()].every((c) => c.offlineS === 0));

    await broker.stop();
    await sleep(FAULT_SECONDS['broker-restart'] * 1000);
    await broker.start();
    // Long enough for the bridges and the consumer to come back, and then `after` and two evaluations beyond.
    const during = await watch(afterMs + 6_000, () => false);
    const longest = Math.max(...during.flatMap((m) => [...m.values()].map((c) => c.offlineS)));
    assert.ok(longest > 0, 'the clean stop stored every camera offline (the broker sent the wills): the restart was seen');
    assert.deepEqual(
      during.flatMap((m) => [...m].filter(([, c]) => c.holds).map(([camera]) => camera)),
      [],
      `no camera pages for the broker restart (offline at most ${longest} s, after ${afterMs / 1000} s)`,
    );

    await hosts[1].kill();
    const killed = Date.now();
    const afterKill = await watch(afterMs + 10_000, (m) => m.get('c2')!.holds);
    assert.equal(afterKill.at(-1)!.get('c2')!.holds, true, 'the camera whose host stays down pages');
    assert.ok(Date.now() - killed >= afterMs, 'and not before after');
    assert.ok(
      afterKill.every((m) => !m.get('c1')!.holds),
      'the camera still up does not',
    );
  } finally {
    await store.close();
    await Promise.all(hosts.map((h) => h.stop(15_000).catch(() => {})));
    await consumer.stop(15_000).catch(() => {});
    await Promise.all([broker.close(), postgres.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
});
