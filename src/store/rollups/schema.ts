/**
 * The rollup tables both SQL stores keep beside the raw rows, so that a dashboard panel over a day or a
 * week reads thousands of rows instead of tens of millions. Each table exists at three resolutions
 * (LEVELS); a panel reads the one its interval asks for. Periods are epoch milliseconds (BIGINT), the
 * start of the minute, five minutes or hour, so the two stores' SQL and the page's arithmetic agree
 * without time zones. Every measure merges by its own rule (sum, min or max), which is what makes a
 * rollup row the same whichever batches, consumers or compactions produced it.
 */

export interface RollupColumn {
  name: string;
  duck: 'VARCHAR' | 'BIGINT' | 'SMALLINT';
  pg: 'text' | 'bigint' | 'smallint';
}

export interface RollupMeasure {
  name: string;
  agg: 'sum' | 'min' | 'max';
}

export interface RollupTable {
  name: string;
  /** Identity of a row besides its period. */
  keys: RollupColumn[];
  measures: RollupMeasure[];
}

export interface RollupLevel {
  suffix: '1m' | '5m' | '1h';
  ms: number;
}

/** Resolutions kept. A window's interval is one of these (src/dashboard/panels/window.ts picks it). */
export const LEVELS: readonly RollupLevel[] = [
  { suffix: '1m', ms: 60_000 },
  { suffix: '5m', ms: 300_000 },
  { suffix: '1h', ms: 3_600_000 },
];

export const levelFor = (ms: number): RollupLevel => {
  const level = LEVELS.find((l) => l.ms === ms);
  if (!level) throw new Error(`no rollup level of ${ms} ms`);
  return level;
};

const text = (name: string): RollupColumn => ({ name, duck: 'VARCHAR', pg: 'text' });
const CAMERA = [text('region'), text('site'), text('camera')];

/**
 * Latency histograms only: camera '*' rows sum all cameras of a site, and the plant row (region, site and
 * camera all '*') sums the whole plant. '*' is no valid identifier (contract/identifiers.ts), so a region
 * or site filter never matches these rows by accident.
 */
export const ALL_CAMERAS = '*';

/**
 * For a store written before plant rows existed: the plant rows from the site rows, once (nothing is
 * inserted when any plant row exists). Run at open, under the schema lock, before this process writes.
 */
export function plantRowsBackfill(table: string, dialect: 'duck' | 'pg'): string {
  const all = `'${ALL_CAMERAS}'`;
  return `INSERT INTO ${table} (period, region, site, camera, kind, bucket, n)
    SELECT period, ${all}, ${all}, ${all}, kind, bucket, sum(n) FROM ${table}
    WHERE camera = ${all} AND site <> ${all} AND NOT EXISTS (SELECT 1 FROM ${table} WHERE camera = ${all} AND region = ${all})
    GROUP BY period, kind, bucket${dialect === 'pg' ? ' ON CONFLICT DO NOTHING' : ''}`;
}

/** Per camera: events and detections stored, seq range (losses) and the newest captured_at. */
export const COUNTS: RollupTable = {
  name: 'rollup_counts',
  keys: CAMERA,
  measures: [
    { name: 'events', agg: 'sum' },
    { name: 'detections', agg: 'sum' },
    { name: 'min_seq', agg: 'min' },
    { name: 'max_seq', agg: 'max' },
    { name: 'last_captured', agg: 'max' },
  ],
};

/** Per camera and class: detections. */
export const CLASSES: RollupTable = {
  name: 'rollup_classes',
  keys: [...CAMERA, text('class')],
  measures: [{ name: 'detections', agg: 'sum' }],
};

/**
 * Per camera, per site under camera ALL_CAMERAS, and for the plant (all three ALL_CAMERAS): bucket counts
 * of inference latency (kind 0) and end-to-end lag (kind 1), store/rollups/histogram.ts. The site and plant rows
 * exist so that a panel over a day reads the rows of what it shows, not fifty cameras' worth.
 */
export const LATENCY: RollupTable = {
  name: 'rollup_latency',
  keys: [...CAMERA, { name: 'kind', duck: 'SMALLINT', pg: 'smallint' }, { name: 'bucket', duck: 'SMALLINT', pg: 'smallint' }],
  measures: [{ name: 'n', agg: 'sum' }],
};

/** Per camera, from status.v1 heartbeats: the largest outbox figures seen in the period. */
export const HEARTBEATS: RollupTable = {
  name: 'rollup_heartbeats',
  keys: CAMERA,
  measures: [
    { name: 'outbox_depth', agg: 'max' },
    { name: 'oldest_unsent_ms', agg: 'max' },
    { name: 'drops', agg: 'max' },
  ],
};

/** Per consumer process, sampled by the consumer: the most messages it held in flight and pending. */
export const CONSUMERS: RollupTable = {
  name: 'rollup_consumers',
  keys: [text('consumer')],
  measures: [
    { name: 'in_flight', agg: 'max' },
    { name: 'pending', agg: 'max' },
  ],
};

/**
 * Per camera, from the consumers' samples (commit time - captured_at of the events each committed): the
 * smallest is the camera's clock offset. Keyed by the sample's period, not captured_at, so a camera whose
 * clock says 1970 still shows in the last five minutes.
 */
export const CLOCK: RollupTable = {
  name: 'rollup_clock',
  keys: CAMERA,
  measures: [
    { name: 'min_lag', agg: 'min' },
    { name: 'max_lag', agg: 'max' },
    { name: 'events', agg: 'sum' },
  ],
};

export const ROLLUP_TABLES: readonly RollupTable[] = [COUNTS, CLASSES, LATENCY, HEARTBEATS, CONSUMERS, CLOCK];

export const levelTable = (t: RollupTable, level: RollupLevel) => `${t.name}_${level.suffix}`;
export const keyNames = (t: RollupTable) => ['period', ...t.keys.map((k) => k.name)];

/** How a measure folds rows together in SQL (both dialects spell these the same). */
export function mergeExpression(m: RollupMeasure): string {
  return `${m.agg}(${m.name})`;
}

/** CREATE TABLE for one level of one rollup; `key` adds the PRIMARY KEY (PostgreSQL's additive upserts need it). */
export function rollupDdl(t: RollupTable, name: string, dialect: 'duck' | 'pg', key: boolean): string {
  const columns = [
    'period BIGINT NOT NULL',
    ...t.keys.map((k) => `${k.name} ${k[dialect]} NOT NULL`),
    ...t.measures.map((m) => `${m.name} BIGINT NOT NULL`),
  ];
  if (key) columns.push(`PRIMARY KEY (${keyNames(t).join(', ')})`);
  return `CREATE TABLE IF NOT EXISTS ${name} (${columns.join(', ')})`;
}

/**
 * Camera status transitions, for the online/offline timeline: one row each time a camera's state
 * changes, at the time the consumer received it (a last will's own `at` is when the bridge connected).
 */
export function statusLogDdl(name: string, dialect: 'duck' | 'pg'): string {
  const t = dialect === 'duck' ? 'VARCHAR' : 'text';
  const key = dialect === 'pg' ? ', PRIMARY KEY (region, site, camera, status_at, state)' : '';
  return `CREATE TABLE IF NOT EXISTS ${name} (region ${t} NOT NULL, site ${t} NOT NULL, camera ${t} NOT NULL,
    state ${t} NOT NULL, status_at BIGINT NOT NULL, received_at BIGINT NOT NULL${key})`;
}
