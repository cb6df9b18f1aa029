/**
 * What the rollups must hold, computed from the raw rows a store kept: the check the rollup tests run
 * after redeliveries, crashes and two consumers. Counts must match exactly, and so must the histogram
 * buckets (the bucket of a raw duration is a pure function), so the percentiles read from the rollups are
 * within RELATIVE_ERROR of the exact ones.
 */
import assert from 'node:assert/strict';
import type pg from 'pg';
import type { DuckDBConnection } from '@duckdb/node-api';
import { seqGapsPerPeriod } from '../../src/dashboard/panels/health.ts';
import type { PanelFilter, PanelQuery, PanelReader } from '../../src/store/panel-reader.ts';
import { bucketOf, bucketValue, exactPercentile, Histogram, RELATIVE_ERROR } from '../../src/store/rollups/histogram.ts';
import { LEVELS } from '../../src/store/rollups/schema.ts';

export interface RawEvent {
  region: string;
  site: string;
  camera: string;
  seq: number;
  captured: number;
  inferred: number;
  committed: number;
  detections: number;
}

export interface Raw {
  events: RawEvent[];
  /** One per stored detection: its event's camera and captured_at, and its class. */
  boxes: { region: string; site: string; camera: string; captured: number; class: string }[];
}

export async function rawFromDuckDb(conn: DuckDBConnection): Promise<Raw> {
  const ev = (
    await conn.runAndReadAll(
      `SELECT region, site, camera, seq, epoch_ms(captured_at), epoch_ms(inferred_at), epoch_ms(committed_at), detections FROM events`,
    )
  ).getRows();
  const boxes = (await conn.runAndReadAll(`SELECT region, site, camera, epoch_ms(captured_at), class FROM detections`)).getRows();
  return {
    events: ev.map(([region, site, camera, seq, c, i, m, d]) => ({
      region: String(region),
      site: String(site),
      camera: String(camera),
      seq: Number(seq),
      captured: Number(c),
      inferred: Number(i),
      committed: Number(m),
      detections: Number(d),
    })),
    boxes: boxes.map(([region, site, camera, c, cls]) => ({
      region: String(region),
      site: String(site),
      camera: String(camera),
      captured: Number(c),
      class: String(cls),
    })),
  };
}

export async function rawFromPostgres(client: pg.Client | pg.Pool): Promise<Raw> {
  const ms = (c: string) => `(extract(epoch FROM ${c}) * 1000)::bigint`;
  const ev = await client.query(
    `SELECT region, site, camera, seq, ${ms('captured_at')} AS c, ${ms('inferred_at')} AS i, ${ms('committed_at')} AS m, detections FROM events`,
  );
  const boxes = await client.query(`SELECT region, site, camera, ${ms('captured_at')} AS c, class FROM detections`);
  return {
    events: ev.rows.map((r) => ({
      region: r.region,
      site: r.site,
      camera: r.camera,
      seq: Number(r.seq),
      captured: Number(r.c),
      inferred: Number(r.i),
      committed: Number(r.m),
      detections: Number(r.detections),
    })),
    boxes: boxes.rows.map((r) => ({ region: r.region, site: r.site, camera: r.camera, captured: Number(r.c), class: r.class })),
  };
}

const period = (ms: number, step: number) => ms - (ms % step);

/**
 * Asserts that the panels' rollups over [fromMs, toMs) equal the raw rows at every level: per camera and
 * period the events, detections, seq range and newest captured_at; per class and period the detections;
 * per period the histogram buckets of inference latency and lag (the plant, a region, a site, a camera),
 * the store's percentile buckets, and so p50/p99 within the bound; the health panel's seq-gap and outbox lines. Returns how many events it compared.
 */
/** Bucket counts per period, the store's percentile buckets per period, and the window's p50/p99, against the raw events. */
async function assertHistogramsMatch(panels: PanelReader, q: PanelQuery, events: readonly RawEvent[], label: string): Promise<void> {
  const expected = new Map<string, number>();
  const perPeriod = new Map<string, Histogram>();
  const values: [number[], number[]] = [[], []];
  const whole = new Map<string, number>();
  for (const e of events) {
    const p = period(e.captured, q.stepMs);
    for (const [kind, v] of [
      [0, e.inferred - e.captured],
      [1, e.committed - e.captured],
    ] as const) {
      const key = `${p}|${kind}|${bucketOf(v)}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
      whole.set(`${kind}|${bucketOf(v)}`, (whole.get(`${kind}|${bucketOf(v)}`) ?? 0) + 1);
      const h = perPeriod.get(`${p}|${kind}`) ?? new Histogram();
      h.add(bucketOf(v));
      perPeriod.set(`${p}|${kind}`, h);
      values[kind].push(v);
    }
  }
  const rows = await panels.histograms(q);
  assert.deepEqual(new Map(rows.map((r) => [`${r.period}|${r.kind}|${r.bucket}`, r.n])), expected, `histograms at ${label}`);
  // The store's nearest-rank bucket per period is exactly the one Histogram.percentile picks.
  const picked = new Map((await panels.percentiles(q, [50, 99])).map((r) => [`${r.period}|${r.kind}`, r.buckets.map(bucketValue)]));
  const wanted = new Map([...perPeriod].map(([k, h]) => [k, [h.percentile(50), h.percentile(99)]]));
  assert.deepEqual(picked, wanted, `percentile buckets at ${label}`);
  assert.deepEqual(
    new Map((await panels.windowBuckets(q)).map((r) => [`${r.kind}|${r.bucket}`, r.n])),
    whole,
    `window buckets at ${label}`,
  );
  for (const kind of [0, 1]) {
    const h = new Histogram();
    for (const r of rows.filter((x) => x.kind === kind)) h.add(r.bucket, r.n);
    for (const pct of [50, 99]) {
      const exact = exactPercentile(values[kind], pct);
      const got = h.percentile(pct);
      if (exact === null || exact <= 0) {
        assert.equal(got, exact === null ? null : 0);
      } else {
        assert.ok(Math.abs(got! - exact) / exact <= RELATIVE_ERROR + 1e-12, `p${pct} kind ${kind} at ${label}: ${got} vs ${exact}`);
      }
    }
  }
}

/** The health panel's store-side lines against the same figures computed here from the per-camera rows. */
async function assertHealthLinesMatch(panels: PanelReader, q: PanelQuery, label: string): Promise<void> {
  const periods: number[] = [];
  for (let p = q.fromMs; p < q.toMs; p += q.stepMs) periods.push(p);
  const gaps = seqGapsPerPeriod(await panels.counts(q), periods).total;
  const gotGaps = new Map((await panels.seqGaps(q)).map((r) => [r.period, r.n]));
  assert.deepEqual(
    periods.map((p) => gotGaps.get(p) ?? 0),
    gaps,
    `seq gaps per period at ${label}`,
  );
  const depth = new Map<number, number>();
  for (const b of await panels.heartbeats(q)) depth.set(b.period, (depth.get(b.period) ?? 0) + b.outboxDepth);
  assert.deepEqual(new Map((await panels.outboxDepth(q)).map((r) => [r.period, r.n])), depth, `outbox depth per period at ${label}`);
}

export async function assertRollupsMatchRaw(panels: PanelReader, raw: Raw, fromMs: number, toMs: number): Promise<number> {
  const events = raw.events.filter((e) => e.captured >= fromMs && e.captured < toMs);
  for (const level of LEVELS) {
    const step = level.ms;
    const q = { fromMs: period(fromMs, step), toMs: period(toMs, step) + step, stepMs: step };
    const inWindow = (ms: number) => ms >= q.fromMs && ms < q.toMs;
    const counts = new Map<string, number[]>();
    for (const e of raw.events.filter((x) => inWindow(x.captured))) {
      const key = `${period(e.captured, step)}|${e.region}/${e.site}/${e.camera}`;
      const c = counts.get(key) ?? [0, 0, Infinity, -Infinity, -Infinity];
      counts.set(key, [c[0] + 1, c[1] + e.detections, Math.min(c[2], e.seq), Math.max(c[3], e.seq), Math.max(c[4], e.captured)]);
    }
    const gotCounts = new Map(
      (await panels.counts(q)).map((r) => [
        `${r.period}|${r.region}/${r.site}/${r.camera}`,
        [r.events, r.detections, r.minSeq, r.maxSeq, r.lastCaptured],
      ]),
    );
    assert.deepEqual(gotCounts, counts, `counts at ${level.suffix}`);

    const classes = new Map<string, number>();
    for (const b of raw.boxes.filter((x) => inWindow(x.captured))) {
      const key = `${period(b.captured, step)}|${b.class}`;
      classes.set(key, (classes.get(key) ?? 0) + 1);
    }
    const gotClasses = new Map((await panels.classes(q)).map((r) => [`${r.period}|${r.class}`, r.detections]));
    assert.deepEqual(gotClasses, classes, `classes at ${level.suffix}`);

    const first = raw.events[0];
    // Unfiltered reads the plant rows, a region or site filter the site rows, a camera filter the camera's.
    const filters: { name: string; filter: PanelFilter; keep: (e: RawEvent) => boolean }[] = [
      { name: 'all cameras', filter: {}, keep: () => true },
      ...(first
        ? [
            { name: `camera ${first.camera}`, filter: { cameras: [first.camera] }, keep: (e: RawEvent) => e.camera === first.camera },
            { name: `site ${first.site}`, filter: { sites: [first.site] }, keep: (e: RawEvent) => e.site === first.site },
            { name: `region ${first.region}`, filter: { regions: [first.region] }, keep: (e: RawEvent) => e.region === first.region },
          ]
        : []),
    ];
    for (const { name, filter, keep } of filters)
      await assertHistogramsMatch(
        panels,
        { ...q, ...filter },
        raw.events.filter((x) => inWindow(x.captured) && keep(x)),
        `${level.suffix} for ${name}`,
      );
    await assertHealthLinesMatch(panels, q, level.suffix);
  }
  return events.length;
}
