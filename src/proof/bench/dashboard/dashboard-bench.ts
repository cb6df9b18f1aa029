/**
 * `seamline bench dashboard`: a simulated plant day (plant-day.ts) written through each store's own write
 * path, so the rollups are the ones ingest makes, then every panel (dashboard/panels) timed over the last
 * 24 hours and the last 7 days, and the shift summary of the day's second shift (shift-summary-bench.ts).
 * Seven days are extrapolated, not generated: after the load, the day's
 * rollup rows and status changes are copied to the six days before it (the panels read nothing else;
 * the raw rows stay one day). A DuckDB file and a throwaway PostgreSQL; each store is timed on its own.
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { PANELS } from '../../../dashboard/panels/index.ts';
import { parsePanelWindow } from '../../../dashboard/panels/window.ts';
import { DuckDbStore } from '../../../store/duckdb/store.ts';
import { PostgresStore } from '../../../store/postgres/store.ts';
import { LEVELS, levelTable, ROLLUP_TABLES } from '../../../store/rollups/schema.ts';
import type { PanelReader } from '../../../store/panel-reader.ts';
import type { DetectionStore } from '../../../store/store.ts';
import { startPostgres } from '../../services/postgres.ts';
import { percentile, round } from '../percentile.ts';
import { plantDay } from '../plant-day.ts';
import { timeShiftSummary, type ShiftSummaryFigures } from './shift-summary-bench.ts';
import { scratchDir } from '../../../plumbing/scratch-dirs.ts';

export interface DashboardBenchOptions {
  cameras: number;
  /** Events per second per camera in DuckDB. */
  rate: number;
  /** Events per second per camera in PostgreSQL (default a tenth of `rate`). */
  pgRate: number;
  hours: number;
  /** Timed runs of each panel per window. */
  runs: number;
  stores: ('duckdb' | 'postgres')[];
  progress: (line: string) => void;
}

export interface StoreFigures {
  events: number;
  load_s: number;
  load_events_per_s: number;
  /** p95 of each panel, ms, per window. */
  panels: Record<string, { p95_24h_ms: number; p95_7d_ms: number }>;
  slowest_24h_ms: number;
  slowest_7d_ms: number;
  /** The shift summary panel of the loaded day's second shift, p50 and p95 (the panel target: p95 <= 100 ms). */
  shift_summary: ShiftSummaryFigures;
  file_mb?: number;
}

export interface DashboardBenchResult {
  cameras: number;
  hours: number;
  /** Events loaded into all stores. */
  events: number;
  /** The slowest panel's p95 over 24 h, any store. */
  panel_p95_ms: number;
  panel_p95_7d_ms: number;
  /** The shift summary's p95, the slower store. */
  shift_summary_p95_ms: number;
  seven_days: "extrapolated: the loaded day's rollups copied to the six days before it";
  stores: Record<string, StoreFigures>;
}

const DAY = 86_400_000;
/** Simulated seconds per write: about 1,000 events, the consumer's default batch size. */
const batchSeconds = (cameras: number, rate: number) => Math.max(1, Math.round(1_000 / (cameras * rate)));

async function load(
  store: DetectionStore,
  cameras: number,
  rate: number,
  hours: number,
  startMs: number,
  progress: (l: string) => void,
  label: string,
) {
  const started = Date.now();
  let events = 0;
  let lastHour = 0;
  const step = batchSeconds(cameras, rate);
  for (const batch of plantDay({ cameras, rate, startMs, hours, batchSeconds: step })) {
    if (batch.events.length) events += (await store.write(batch.events, batch.committedAt)).events;
    for (const s of batch.statuses) await store.writeStatus(s.status, s.receivedAt);
    if (store.writeConsumerSample && (batch.atMs - startMs) % 10_000 < step * 1000) {
      await store.writeConsumerSample({
        consumer: 'bench-consumer',
        atMs: batch.atMs,
        inFlight: (events * 7) % 1_500,
        pending: (events * 3) % 900,
      });
    }
    const hour = Math.floor((batch.atMs - startMs) / 3_600_000);
    if (hour > lastHour) {
      lastHour = hour;
      const s = (Date.now() - started) / 1000;
      progress(
        `${label}: ${hour} of ${hours} h loaded, ${events.toLocaleString('en-US')} events, ${Math.round(events / s).toLocaleString('en-US')} events/s`,
      );
    }
  }
  return { events, seconds: (Date.now() - started) / 1000 };
}

/** Copies the rollup rows and status changes of [dayStart, dayStart + 1 day) to the `days` days before it. */
async function extrapolate(run: (sql: string) => Promise<unknown>, table: (n: string) => string, dayStart: number, days: number) {
  for (let k = 1; k <= days; k++) {
    const shift = k * DAY;
    for (const t of ROLLUP_TABLES) {
      for (const l of LEVELS) {
        const cols = ['period', ...t.keys.map((c) => c.name), ...t.measures.map((m) => m.name)];
        const name = table(levelTable(t, l));
        await run(
          `INSERT INTO ${name} (${cols.join(', ')}) SELECT period - ${shift}, ${cols.slice(1).join(', ')} FROM ${name} WHERE period >= ${dayStart} AND period < ${dayStart + DAY}`,
        );
      }
    }
    const log = table('camera_status_log');
    await run(
      `INSERT INTO ${log} SELECT region, site, camera, state, status_at - ${shift}, received_at - ${shift} FROM ${log} WHERE received_at >= ${dayStart} AND received_at < ${dayStart + DAY}`,
    );
  }
}

async function timePanels(reader: PanelReader, now: number, runs: number) {
  const out: Record<string, { p95_24h_ms: number; p95_7d_ms: number }> = {};
  for (const [name, panel] of Object.entries(PANELS)) {
    const figures: number[] = [];
    for (const range of ['24h', '7d']) {
      const w = parsePanelWindow({ range }, now);
      const times: number[] = [];
      for (let i = 0; i < runs + 2; i++) {
        const t = performance.now();
        await panel(reader, w, now);
        if (i >= 2) times.push(performance.now() - t);
      }
      figures.push(round(percentile(times, 95)!, 1)!);
    }
    out[name] = { p95_24h_ms: figures[0], p95_7d_ms: figures[1] };
  }
  return out;
}

function figures(events: number, seconds: number, panels: StoreFigures['panels'], shift: ShiftSummaryFigures): StoreFigures {
  return {
    shift_summary: shift,
    events,
    load_s: Math.round(seconds),
    load_events_per_s: Math.round(events / seconds),
    panels,
    slowest_24h_ms: Math.max(...Object.values(panels).map((p) => p.p95_24h_ms)),
    slowest_7d_ms: Math.max(...Object.values(panels).map((p) => p.p95_7d_ms)),
  };
}

/** A store's figures as soon as they are known, so a long run that fails later has not hidden them. */
function timedLine(label: string, f: StoreFigures): string {
  const each = Object.entries(f.panels)
    .map(([name, p]) => `${name} ${p.p95_24h_ms}/${p.p95_7d_ms}`)
    .join(', ');
  const s = f.shift_summary;
  return (
    `${label}: panel p95 ms (24 h / 7 d): ${each}; slowest ${f.slowest_24h_ms} / ${f.slowest_7d_ms}; ` +
    `shift summary ${s.run} (${s.hours} h, ${s.rows} rows, ${s.events.toLocaleString('en-US')} events) p50 ${s.p50_ms} p95 ${s.p95_ms}`
  );
}

export async function runDashboardBench(o: DashboardBenchOptions): Promise<DashboardBenchResult> {
  const dir = scratchDir('seamline-bench-dash-');
  // The loaded day ends at the last whole hour before now, so "the last 24 h" covers it.
  const now = Date.now();
  const dayEnd = now - (now % 3_600_000);
  const startMs = dayEnd - o.hours * 3_600_000;
  const dayStart = dayEnd - DAY;
  const stores: Record<string, StoreFigures> = {};
  try {
    if (o.stores.includes('duckdb')) {
      const path = join(dir, 'day.duckdb');
      const store = new DuckDbStore({ path });
      await store.open();
      try {
        const l = await load(store, o.cameras, o.rate, o.hours, startMs, o.progress, 'duckdb');
        await store.compactRollups();
        const conn = await store.connect();
        await extrapolate(
          (sql) => conn.run(sql),
          (n) => n,
          dayStart,
          6,
        );
        conn.closeSync();
        o.progress('duckdb: loaded; timing panels');
        const shift = await timeShiftSummary(store.capabilities.shiftCounts, startMs, dayEnd, o.runs);
        stores.duckdb = {
          ...figures(l.events, l.seconds, await timePanels(store.capabilities.panels, now, o.runs), shift),
          file_mb: Math.round(statSync(path).size / 1048576),
        };
        o.progress(timedLine('duckdb', stores.duckdb));
      } finally {
        await store.close();
      }
    }
    if (o.stores.includes('postgres')) {
      const server = await startPostgres();
      const store = new PostgresStore({ url: server.url });
      try {
        await store.open();
        const l = await load(store, o.cameras, o.pgRate, o.hours, startMs, o.progress, 'postgres');
        const pool = new pg.Pool({ connectionString: server.url });
        await extrapolate(
          (sql) => pool.query(sql),
          (n) => `public.${n}`,
          dayStart,
          6,
        );
        await pool.query('VACUUM ANALYZE');
        // A day loaded in ten minutes and then vacuumed leaves gigabytes of dirty pages: flushed now, they are not
        // written out in bursts of 100-600 MB under the first timed panels, as a plant at its own pace never sees.
        await pool.query('CHECKPOINT');
        await pool.end();
        o.progress('postgres: loaded; timing panels');
        const shift = await timeShiftSummary(store.capabilities.shiftCounts, startMs, dayEnd, o.runs);
        stores.postgres = figures(l.events, l.seconds, await timePanels(store.capabilities.panels, now, o.runs), shift);
        o.progress(timedLine('postgres', stores.postgres));
      } finally {
        await store.close();
        await server.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const all = Object.values(stores);
  return {
    cameras: o.cameras,
    hours: o.hours,
    events: all.reduce((a, s) => a + s.events, 0),
    panel_p95_ms: Math.max(...all.map((s) => s.slowest_24h_ms)),
    panel_p95_7d_ms: Math.max(...all.map((s) => s.slowest_7d_ms)),
    shift_summary_p95_ms: Math.max(...all.map((s) => s.shift_summary.p95_ms)),
    seven_days: "extrapolated: the loaded day's rollups copied to the six days before it",
    stores,
  };
}
