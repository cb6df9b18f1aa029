import type pg from 'pg';
import { SeamError } from '../../contract/index.ts';
import { postgresRollupDdl } from './rollups.ts';

/**
 * PostgreSQL / TimescaleDB tables, shaped like DuckDB's (store/duckdb/schema.ts) so the two stores answer the
 * dashboard the same way. Idempotency is a unique index plus INSERT ... ON CONFLICT DO NOTHING.
 *
 * On a TimescaleDB hypertable every unique index must contain the partitioning column, so there the
 * identity index includes captured_at. That is still an identity: a redelivered event carries its
 * original captured_at, so (event_id, captured_at) clashes exactly when event_id does.
 */
export function postgresDdl(schema: string, hypertables: boolean): string[] {
  const q = (t: string) => `${quoteIdent(schema)}.${t}`;
  const eventKey = hypertables ? '(event_id, captured_at)' : '(event_id)';
  return [
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`,
    `CREATE TABLE IF NOT EXISTS ${q('events')} (
      event_id uuid NOT NULL, region text NOT NULL, site text NOT NULL, camera text NOT NULL,
      seq bigint NOT NULL, captured_at timestamptz NOT NULL, inferred_at timestamptz NOT NULL,
      committed_at timestamptz NOT NULL, model_name text NOT NULL, model_version text NOT NULL,
      frame_width integer NOT NULL, frame_height integer NOT NULL, detections integer NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${q('detections')} (
      event_id uuid NOT NULL, idx integer NOT NULL, region text NOT NULL, site text NOT NULL,
      camera text NOT NULL, class text NOT NULL, class_id integer NOT NULL, confidence double precision NOT NULL,
      x double precision NOT NULL, y double precision NOT NULL, w double precision NOT NULL,
      h double precision NOT NULL, seq bigint NOT NULL, captured_at timestamptz NOT NULL,
      inferred_at timestamptz NOT NULL, committed_at timestamptz NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${q('dead_letters')} (
      received_at timestamptz NOT NULL, topic text NOT NULL, code text NOT NULL, reason text NOT NULL,
      payload bytea NOT NULL, letter_id text)`,
    // Tables from before dead letters had an identity: the column is added, its old rows keep NULL (one letter
    // each, as a unique index holds NULLs apart); from then on a redelivered letter is kept once.
    `ALTER TABLE ${q('dead_letters')} ADD COLUMN IF NOT EXISTS letter_id text`,
    `CREATE UNIQUE INDEX IF NOT EXISTS dead_letters_identity ON ${q('dead_letters')} (letter_id)`,
    `CREATE TABLE IF NOT EXISTS ${q('camera_status')} (
      region text NOT NULL, site text NOT NULL, camera text NOT NULL, state text NOT NULL,
      status_at timestamptz NOT NULL, received_at timestamptz NOT NULL, body jsonb NOT NULL,
      PRIMARY KEY (region, site, camera))`,
    ...(hypertables
      ? [
          `SELECT create_hypertable('${schema}.events', 'captured_at', if_not_exists => true)`,
          `SELECT create_hypertable('${schema}.detections', 'captured_at', if_not_exists => true)`,
        ]
      : []),
    `CREATE UNIQUE INDEX IF NOT EXISTS events_identity ON ${q('events')} ${eventKey}`,
    // A detection is written only by the statement that stored its event (batch.ts), so events_identity keeps
    // detections unique as well; their own unique index cost about a tenth of the server's CPU a batch and is dropped.
    `DROP INDEX IF EXISTS ${q('detections_identity')}`,
    // The dashboard's windows are ranges on captured_at; a hypertable brings its own time index.
    ...(hypertables ? [] : [`CREATE INDEX IF NOT EXISTS events_captured_at ON ${q('events')} (captured_at)`]),
    ...(hypertables ? [] : [`CREATE INDEX IF NOT EXISTS detections_captured_at ON ${q('detections')} (captured_at)`]),
    ...postgresRollupDdl(q),
  ];
}

/** Only plain lowercase identifiers: the schema name comes from configuration and ends up in SQL text. */
export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return `"${name}"`;
}

/**
 * Creates what is missing of the schema, in one transaction, and says whether events and detections are
 * TimescaleDB hypertables (`timescale`: PostgresStoreOptions.timescale).
 */
export async function createSchema(
  client: pg.PoolClient,
  schema: string,
  timescale: 'auto' | 'require' | 'off',
  target: string,
): Promise<boolean> {
  try {
    await client.query('BEGIN');
    // Two consumers starting together must not race on CREATE ... IF NOT EXISTS.
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('seamline.schema.' || $1))`, [schema]);
    const hypertables = await decideHypertables(client, schema, timescale, target);
    for (const sql of postgresDdl(schema, hypertables)) await client.query(sql);
    await client.query('COMMIT');
    return hypertables;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

async function decideHypertables(
  client: pg.PoolClient,
  schema: string,
  mode: 'auto' | 'require' | 'off',
  target: string,
): Promise<boolean> {
  if (mode === 'off') return false;
  const available = await client.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'`);
  if (available.rowCount) {
    // CREATE EXTENSION fails when timescaledb is not in shared_preload_libraries; a savepoint keeps the
    // transaction usable so `auto` can fall back to plain tables.
    await client.query('SAVEPOINT ts');
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
      await client.query('RELEASE SAVEPOINT ts');
    } catch {
      await client.query('ROLLBACK TO SAVEPOINT ts');
    }
  }
  const enabled = (await client.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`)).rowCount === 1;
  if (!enabled) {
    if (mode === 'require') {
      throw new SeamError('SEAM_ERR_CONFIG', `timescaledb extension is not available on ${target}`, { field: 'store.timescale' });
    }
    return false;
  }
  // Existing plain tables stay plain: converting a full table is an operator's decision, not a start-up side effect.
  const exists = await client.query(`SELECT to_regclass($1) IS NOT NULL AS found`, [`${schema}.events`]);
  if (!exists.rows[0].found) return true;
  const hyper = await client.query(
    `SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_schema = $1 AND hypertable_name = 'events'`,
    [schema],
  );
  return hyper.rowCount === 1;
}
