/**
 * PostgreSQL's rollups. The batch statement (store/postgres/batch.ts) inserts events with ON CONFLICT DO
 * NOTHING RETURNING; the CTEs built here roll up exactly the rows that came back, in the same statement
 * and so the same transaction, with additive upserts (a sum adds, min and max keep the extreme). Two
 * consumers writing the same minute both add their own new events and nothing else, so no event is ever
 * counted twice, whoever delivered it and however often. Rows are upserted in key order, so two
 * consumers lock shared rows (a site's or the plant's histogram) in the same order and wait rather than deadlock.
 */
import {
  ALL_CAMERAS,
  CLASSES,
  CLOCK,
  CONSUMERS,
  COUNTS,
  HEARTBEATS,
  keyNames,
  LATENCY,
  LEVELS,
  levelTable,
  plantRowsBackfill,
  rollupDdl,
  ROLLUP_TABLES,
  statusLogDdl,
  type RollupTable,
} from '../rollups/schema.ts';
import type { CameraClock } from '../store.ts';

export const STATUS_LOG = 'camera_status_log';

export type Qualify = (table: string) => string;

/**
 * The latency panel reads the plant rows, a site's rows or the named cameras over a period range; the key
 * leads with period, so without this a day's read scans every camera's buckets (0.5 s for a day of fifty
 * cameras). Camera then site then period: each of those reads is one range. Covering, so the read is
 * index-only where the table is vacuumed.
 */
const latencyByCameraDdl = (q: Qualify) =>
  LEVELS.map(
    (l) =>
      `CREATE INDEX IF NOT EXISTS ${levelTable(LATENCY, l)}_by_camera ON ${q(levelTable(LATENCY, l))} (camera, site, period, kind, bucket) INCLUDE (region, n)`,
  );

export function postgresRollupDdl(q: Qualify): string[] {
  return [
    ...ROLLUP_TABLES.flatMap((t) => LEVELS.map((l) => rollupDdl(t, q(levelTable(t, l)), 'pg', true))),
    ...latencyByCameraDdl(q),
    ...LEVELS.map((l) => plantRowsBackfill(q(levelTable(LATENCY, l)), 'pg')),
    statusLogDdl(q(STATUS_LOG), 'pg'),
  ];
}

const merge = (m: { name: string; agg: string }) =>
  m.agg === 'sum'
    ? `${m.name} = t.${m.name} + excluded.${m.name}`
    : `${m.name} = ${m.agg === 'min' ? 'least' : 'greatest'}(t.${m.name}, excluded.${m.name})`;

/** INSERT ... SELECT ... ON CONFLICT DO UPDATE merging each measure by its rule. `select` yields the table's columns in order. */
export function upsertSql(t: RollupTable, table: string, select: string): string {
  const keys = keyNames(t);
  const cols = [...keys, ...t.measures.map((m) => m.name)];
  return `INSERT INTO ${table} AS t (${cols.join(', ')}) ${select} ORDER BY ${keys.map((_, i) => i + 1).join(', ')}
    ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${t.measures.map(merge).join(', ')}`;
}

/** Group-by positions 1..n for a select whose first n columns are the keys. */
const groupBy = (t: RollupTable) =>
  keyNames(t)
    .map((_, i) => i + 1)
    .join(', ');

/** A measure folded over rows that already hold it (a sum of bigints is numeric in PostgreSQL: cast back). */
const fold = (m: { name: string; agg: string }) => (m.agg === 'sum' ? `sum(${m.name})::int8` : `${m.agg}(${m.name})`);

/**
 * What a batch adds to each rollup, per minute, as a CTE named `<table>_batch` with the table's columns:
 * the finest level, computed once from the stored rows. Every coarser level is a minute's multiple, so it
 * folds these few rows (eventRollupCtes) instead of grouping the batch's rows again.
 */
function minuteCtes(): string[] {
  const minute = (ms: string) => `${ms} - ${ms} % ${LEVELS[0].ms}`;
  const capturedMs = '(extract(epoch FROM captured_at) * 1000)::int8';
  return [
    `${COUNTS.name}_batch AS (SELECT ${minute('captured_ms')} AS period, region, site, camera, count(*) AS events,
       sum(detections) AS detections, min(seq) AS min_seq, max(seq) AS max_seq, max(captured_ms) AS last_captured
       FROM fresh GROUP BY ${groupBy(COUNTS)})`,
    `${CLASSES.name}_batch AS (SELECT ${minute(capturedMs)} AS period, region, site, camera, class, count(*) AS detections
       FROM det GROUP BY ${groupBy(CLASSES)})`,
    `${LATENCY.name}_batch AS (SELECT ${minute('captured_ms')} AS period, region, site, camera, 0::int2 AS kind, inf_bucket AS bucket, count(*) AS n
       FROM fresh GROUP BY 1, 2, 3, 4, 6
       UNION ALL SELECT ${minute('captured_ms')}, region, site, camera, 1::int2, lag_bucket, count(*) FROM fresh GROUP BY 1, 2, 3, 4, 6)`,
  ];
}

/**
 * The rows of one level of a rollup: the batch's minute rows (minuteCtes) folded into the level's periods.
 * Latency rows count each camera's events again under its site (camera ALL_CAMERAS) and the plant.
 */
function levelSelect(t: RollupTable, ms: number): string {
  const measures = t.measures.map(fold).join(', ');
  if (t !== LATENCY) {
    return `SELECT period - period % ${ms}, ${t.keys.map((k) => k.name).join(', ')}, ${measures} FROM ${t.name}_batch GROUP BY ${groupBy(t)}`;
  }
  const all = `'${ALL_CAMERAS}'`;
  return `SELECT b.period - b.period % ${ms}, c.region, c.site, c.camera, b.kind, b.bucket, ${measures}
    FROM ${t.name}_batch b CROSS JOIN LATERAL (VALUES (b.region, b.site, b.camera), (b.region, b.site, ${all}), (${all}, ${all}, ${all}))
      c(region, site, camera)
    GROUP BY ${groupBy(t)}`;
}

/**
 * CTEs appended to the batch statement. They need `input` and `ev` (fresh: the input rows of the events
 * `ev` stored, with captured_ms, inf_bucket and lag_bucket) and `det` (RETURNING region, site, camera,
 * class, captured_at), and read `det` once: a CTE read by two readers is kept whole, and one of tens of
 * thousands of rows then spills past work_mem, where reading while it is written costs PostgreSQL a seek
 * each row (measured: a 20,000-event batch took 4 times as long per event as a 2,000-event one).
 */
export function eventRollupCtes(q: Qualify): string {
  const ctes: string[] = [
    `fresh AS (SELECT region, site, camera, seq, detections, captured_ms, inf_bucket, lag_bucket FROM input WHERE event_id IN (SELECT event_id FROM ev))`,
    ...minuteCtes(),
  ];
  for (const level of LEVELS) {
    for (const t of [COUNTS, CLASSES, LATENCY]) {
      ctes.push(`${levelTable(t, level)} AS (${upsertSql(t, q(levelTable(t, level)), levelSelect(t, level.ms))} RETURNING 1)`);
    }
  }
  return ctes.join(',\n    ');
}

/**
 * One status.v1: the latest-status upsert, a status-log row when the state changed (the previous row is
 * locked first, so two consumers handed the same transition log it once; the log's key catches the rest),
 * and the heartbeat rollups when the message carries outbox figures.
 * $1 region, $2 site, $3 camera, $4 state, $5 at, $6 received_at, $7 body, $8 at (ms), $9 received (ms),
 * $10 outbox_depth, $11 oldest_unsent_ms, $12 drops (null when absent).
 */
export function statusSql(q: Qualify): string {
  const beats = LEVELS.map(
    (l) =>
      `${levelTable(HEARTBEATS, l)} AS (${upsertSql(
        HEARTBEATS,
        q(levelTable(HEARTBEATS, l)),
        `SELECT $9::int8 - $9::int8 % ${l.ms}, $1::text, $2::text, $3::text, coalesce($10::int8, 0), coalesce($11::int8, 0), coalesce($12::int8, 0)
         WHERE coalesce($10::int8, $11::int8, $12::int8) IS NOT NULL`,
      )} RETURNING 1)`,
  );
  return `WITH prev AS (SELECT state FROM ${q('camera_status')} WHERE region = $1 AND site = $2 AND camera = $3 FOR UPDATE),
    up AS (INSERT INTO ${q('camera_status')} AS s VALUES ($1, $2, $3, $4, $5, $6, $7)
      ON CONFLICT (region, site, camera) DO UPDATE
      SET state = excluded.state, status_at = excluded.status_at, received_at = excluded.received_at, body = excluded.body RETURNING 1),
    log AS (INSERT INTO ${q(STATUS_LOG)} SELECT $1, $2, $3, $4, $8::int8, $9::int8
      WHERE NOT EXISTS (SELECT 1 FROM prev WHERE prev.state = $4) ON CONFLICT DO NOTHING RETURNING 1),
    ${beats.join(',\n    ')}
    SELECT 1`;
}

/**
 * A consumer's sample: $1 consumer, $2 at (ms), $3 in flight, $4 pending, and its cameras as parallel
 * arrays: $5 region, $6 site, $7 camera, $8 min lag, $9 max lag, $10 events (empty arrays: none).
 */
export function consumerSampleSql(q: Qualify): string {
  const cameras = `unnest($5::text[], $6::text[], $7::text[], $8::int8[], $9::int8[], $10::int8[]) AS c(region, site, camera, lo, hi, n)`;
  const ctes = LEVELS.flatMap((l) => {
    const period = `$2::int8 - $2::int8 % ${l.ms}`;
    return [
      `${levelTable(CONSUMERS, l)} AS (${upsertSql(CONSUMERS, q(levelTable(CONSUMERS, l)), `SELECT ${period}, $1::text, $3::int8, $4::int8`)} RETURNING 1)`,
      // Grouped, so a camera named twice in one sample cannot make the upsert touch a row twice.
      `${levelTable(CLOCK, l)} AS (${upsertSql(CLOCK, q(levelTable(CLOCK, l)), `SELECT ${period}, region, site, camera, min(lo), max(hi), sum(n) FROM ${cameras} GROUP BY ${groupBy(CLOCK)}`)} RETURNING 1)`,
    ];
  });
  return `WITH ${ctes.join(',\n    ')} SELECT 1`;
}

/** consumerSampleSql's $5..$10: a sample's cameras as parallel arrays. */
export const clockColumns = (cameras: readonly CameraClock[] = []) => [
  cameras.map((c) => c.region),
  cameras.map((c) => c.site),
  cameras.map((c) => c.camera),
  cameras.map((c) => c.minLagMs),
  cameras.map((c) => c.maxLagMs),
  cameras.map((c) => c.events),
];
