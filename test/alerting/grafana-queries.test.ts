import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { startInfluxDb, type RunningInfluxDb } from '../../src/proof/services/influxdb.ts';
import { startPostgres, type RunningPostgres } from '../../src/proof/services/postgres.ts';
import { LineProtocolStore } from '../../src/store/line-protocol/store.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import type { Store } from '../../src/store/store.ts';
import { makeEvent, makeStatus } from '../helpers/events.ts';
import { parsed, TARGETS, type Obj } from './grafana-plant.ts';

const S = 1000;

/**
 * Live data, relative to the real clock because the exported queries use now(): cam-a reports every 5 s
 * up to now (a third of its detections cracks), cam-b stopped 10 minutes ago after a seq gap, cam-c is
 * offline by its last will with a backed-up outbox, and there are dead letters.
 */
async function fill(store: Store) {
  const now = Date.now();
  const box = (c: string) => ({ class: c, class_id: 0, confidence: 0.9, bbox: [1, 1, 2, 2] as [number, number, number, number] });
  const a = Array.from({ length: 60 }, (_, i) =>
    makeEvent({
      camera: 'cam-a',
      seq: i,
      captured_at: new Date(now - 295 * S + i * 5 * S).toISOString(),
      detections: [box(i % 3 ? 'part' : 'crack')],
    }),
  );
  const b = [0, 1, 2, 6].map((seq) => makeEvent({ camera: 'cam-b', seq, captured_at: new Date(now - 900 * S + seq * S).toISOString() }));
  await store.write([...a, ...b], new Date(now));
  await store.writeStatus(makeStatus({ camera: 'cam-a', state: 'online', outbox_depth: 0 }), new Date(now - 2 * S));
  await store.writeStatus(
    makeStatus({ camera: 'cam-c', state: 'offline', outbox_depth: 500, oldest_unsent_ms: 120_000 }),
    new Date(now - 60 * S),
  );
  await store.writeDeadLetters(
    // Three distinct messages and the first one redelivered 40 s after it came: the same bytes on the same topic are
    // one letter (store.ts deadLetterId), so three letters.
    [1, 2, 3, 1].map((i, k) => ({
      topic: 'vision/eu/plant-1/cam-a/detection',
      payload: Buffer.from(`{${i}`),
      code: 'SEAM_ERR_MALFORMED_JSON' as const,
      reason: 'bad',
      receivedAt: new Date(now - (50 - k * 10) * S),
    })),
  );
  // A consumer's clock sample: cam-a's clock an hour and two minutes behind, cam-b's 30 s ahead.
  const clock = (camera: string, lag: number) => ({ region: 'eu', site: 'plant-1', camera, minLagMs: lag, maxLagMs: lag + 500, events: 5 });
  await store.writeConsumerSample!({
    consumer: 'c-1',
    atMs: now - 10 * S,
    inFlight: 0,
    pending: 0,
    cameras: [clock('cam-a', 3_720_000), clock('cam-b', -30_000)],
  });
}

/** Grafana's macros as its PostgreSQL datasource expands them, for a one-hour range ending now. */
function expandSql(sql: string): string {
  const from = new Date(Date.now() - 3_600_000).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();
  return sql
    .replace(/\$__timeFilter\((\w+)\)/g, `$1 BETWEEN '${from}' AND '${to}'`)
    .replace(/\$__timeGroupAlias\((\w+), 1m\)/g, `floor(extract(epoch FROM $1) / 60) * 60 AS "time"`);
}

const storeQueries = (f: ReturnType<typeof parsed>) => [
  ...(f.dashboard.panels as Obj[]).map((p) => ({ name: `panel ${p.title}`, text: p.targets[0].rawSql ?? p.targets[0].query })),
  ...(f.rules.groups[0].rules as Obj[]).flatMap((r) =>
    (r.data as Obj[])
      .filter((d) => d.datasourceUid !== '__expr__')
      .map((d) => ({ name: `rule ${r.uid}/${d.refId}`, text: d.model.rawSql ?? d.model.query })),
  ),
];

describe('exported Grafana queries against the real stores', () => {
  let postgres: RunningPostgres;
  let influx: RunningInfluxDb;
  before(async () => {
    [postgres, influx] = await Promise.all([startPostgres(), startInfluxDb()]);
  });
  after(async () => {
    await Promise.all([postgres?.stop(), influx?.stop()]);
  });

  test('PostgreSQL: every panel and alert-rule query runs; the silent-camera query has a zero row for the camera that stopped', {
    timeout: 90_000,
  }, async () => {
    const store = new PostgresStore({ url: postgres.url, timescale: 'off' });
    await store.open();
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      await fill(store);
      const f = parsed(TARGETS[0]);
      const queries = storeQueries(f);
      assert.equal(queries.length, 7 + 10 + 0, 'seven panels and one store query per rule');
      const results = new Map<string, Obj[]>();
      for (const q of queries) {
        try {
          results.set(q.name, (await client.query(expandSql(q.text))).rows as Obj[]);
        } catch (err) {
          assert.fail(`${q.name} failed on PostgreSQL: ${(err as Error).message}\n${q.text}`);
        }
      }
      const silent = results.get('rule seamline-camera-silent/A')!.map((r) => `${r.camera}=${r.value}`);
      assert.deepEqual(
        silent,
        ['cam-a=60', 'cam-b=0', 'cam-c=0', 'cam-never=0'],
        'explicit zeros for the stopped, the offline and the expected camera',
      );
      assert.deepEqual(
        results
          .get('rule seamline-camera-offline/A')!
          .filter((r) => r.value > 30)
          .map((r) => r.camera),
        ['cam-c'],
      );
      assert.deepEqual(
        results
          .get('rule seamline-events-lost/A')!
          .filter((r) => r.value > 0)
          .map((r) => `${r.camera}=${r.value}`),
        ['cam-b=3'],
      );
      assert.deepEqual(
        results
          .get('rule seamline-outbox/A')!
          .filter((r) => r.value > 0)
          .map((r) => r.camera),
        ['cam-c'],
      );
      assert.deepEqual(
        results
          .get('rule seamline-cracks/A')!
          .filter((r) => r.value > 0.2)
          .map((r) => r.camera),
        ['cam-a'],
      );
      assert.equal(Number(results.get('rule seamline-dead-letters/A')![0].value), 0.6);
      assert.deepEqual(
        results.get('rule seamline-clock/A')!.map((r) => `${r.camera}=${r.value}`),
        ['cam-a=3720', 'cam-b=30'],
        'seconds either way from zero',
      );
      assert.ok((results.get('panel Detections per minute, per camera') ?? []).length > 0);
    } finally {
      await client.end();
      await store.close();
    }
  });

  test('InfluxDB 1.x: every panel and alert-rule InfluxQL query runs; the silent-camera query has a zero row for the camera that stopped', {
    timeout: 90_000,
  }, async () => {
    const store = new LineProtocolStore({ flavour: 'influxdb', url: influx.url, database: 'seamline' });
    await store.open();
    try {
      await fill(store);
      const f = parsed(TARGETS[1]);
      const run = async (q: string) => {
        const url = `${influx.url}/query?db=seamline&epoch=ms&q=${encodeURIComponent(q.replaceAll('$timeFilter', 'time > now() - 1h'))}`;
        const body = (await (await fetch(url)).json()) as {
          results: { error?: string; series?: { tags?: Obj; values: unknown[][]; columns: string[] }[] }[];
          error?: string;
        };
        const error = body.error ?? body.results.find((r) => r.error)?.error;
        return { error, series: body.results[0]?.series ?? [] };
      };
      const results = new Map<string, Awaited<ReturnType<typeof run>>>();
      for (const q of storeQueries(f)) {
        const r = await run(q.text);
        assert.equal(r.error, undefined, `${q.name} failed on InfluxDB: ${r.error}\n${q.text}`);
        results.set(q.name, r);
      }
      const value = (name: string) =>
        Object.fromEntries(results.get(name)!.series.map((s) => [s.tags?.camera ?? '*', s.values.at(-1)![s.columns.indexOf('value')]]));
      const silent = value('rule seamline-camera-silent/A');
      assert.deepEqual(Object.keys(silent).sort(), ['cam-a', 'cam-b']);
      // The sum of the last five minute buckets: cam-a's 5-second events, minus what falls before the oldest bucket.
      assert.ok(silent['cam-a'] >= 48 && silent['cam-a'] <= 60, `cam-a ${silent['cam-a']}`);
      assert.equal(silent['cam-b'], 0, 'cam-b stopped: an explicit zero');
      assert.equal(value('rule seamline-camera-offline/A')['cam-c'], 0);
      assert.equal(value('rule seamline-events-lost/A')['cam-b'], 3);
      assert.equal(value('rule seamline-outbox/A')['cam-c'], 500);
      assert.equal(value('rule seamline-dead-letters/A')['*'], 0.6, 'three distinct letters in 5 minutes');
      assert.equal(value('rule seamline-cracks/A')['cam-a'], 20);
      assert.equal(value('rule seamline-cracks/B')['cam-a'], 60);
      // Signed here; the rule's math step takes abs() before the threshold.
      assert.deepEqual(value('rule seamline-clock/A'), { 'cam-a': 3720, 'cam-b': -30 });
      const clockRule = (f.rules.groups[0].rules as Obj[]).find((r) => r.uid === 'seamline-clock')!;
      assert.equal(clockRule.data.find((d: Obj) => d.refId === 'M').model.expression, 'abs($RA)');
    } finally {
      await store.close();
    }
  });
});
