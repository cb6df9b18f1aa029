/**
 * DuckDB tables. No PRIMARY KEY on purpose: a key index slows inserts as the table grows and its memory
 * grows with it (design.md), so idempotency is a lookup over the batch's captured_at range instead, which
 * row-group min/max pruning keeps flat as the table grows.
 *
 * An event's boxes are kept in one JSON column and `detections` is a view with a row per detection and
 * every column of one. Appending them as rows of their own cost 45 values per two-box event and was most
 * of the consumer's CPU; the view reads a 30-minute window of a busy line (90k events) in about 20 ms.
 */
const BOX_TYPE = `'[{"class":"VARCHAR","class_id":"INTEGER","confidence":"DOUBLE","bbox":"DOUBLE[4]"}]'`;
/**
 * The boxes of one event as a list of structs. Rows are written positionally (boxes-json.ts); rows from
 * before that hold the contract's keyed objects and are read as they are, so no file needs rewriting.
 */
const BOXES = `CASE WHEN starts_with(e.boxes, '[{') THEN from_json(e.boxes, ${BOX_TYPE})
    ELSE list_transform(from_json(e.boxes, '[["VARCHAR"]]'), r -> {'class': r[1], 'class_id': CAST(r[2] AS INTEGER),
      'confidence': CAST(r[3] AS DOUBLE), 'bbox': [CAST(r[4] AS DOUBLE), CAST(r[5] AS DOUBLE), CAST(r[6] AS DOUBLE), CAST(r[7] AS DOUBLE)]::DOUBLE[4]}) END`;

/**
 * Where events are stored: a row per event in `event_rows`, its camera and model as one integer into
 * `event_sources`, and `events` a view with every column of both, which is what everything reads. Five
 * strings that hardly ever change were a third of what a row cost to append, log and compress: written
 * alone, 400,000 two-box events took 4.55 us of CPU each with them in the row and 3.40 with the integer.
 */
export const DUCKDB_EVENT_TABLES = [
  `CREATE TABLE IF NOT EXISTS event_sources (
    source INTEGER NOT NULL, region VARCHAR NOT NULL, site VARCHAR NOT NULL, camera VARCHAR NOT NULL,
    model_name VARCHAR NOT NULL, model_version VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS event_rows (
    event_id VARCHAR NOT NULL, source INTEGER NOT NULL, seq BIGINT NOT NULL, captured_at TIMESTAMP NOT NULL,
    inferred_at TIMESTAMP NOT NULL, committed_at TIMESTAMP NOT NULL, frame_width INTEGER NOT NULL,
    frame_height INTEGER NOT NULL, detections INTEGER NOT NULL, boxes VARCHAR NOT NULL)`,
];

/**
 * Files written before `event_rows` hold `events` as a table with every column. Opening one read-write
 * moves its rows over in one transaction; opened read-only it is read as it is (the columns are the same).
 */
export const DUCKDB_MIGRATE_WIDE_EVENTS = [
  `INSERT INTO event_sources
     SELECT CAST(row_number() OVER (ORDER BY region, site, camera, model_name, model_version) - 1 AS INTEGER),
            region, site, camera, model_name, model_version
     FROM (SELECT DISTINCT region, site, camera, model_name, model_version FROM events)`,
  `INSERT INTO event_rows
     SELECT e.event_id, s.source, e.seq, e.captured_at, e.inferred_at, e.committed_at, e.frame_width,
            e.frame_height, e.detections, e.boxes
     FROM events e JOIN event_sources s USING (region, site, camera, model_name, model_version)
     ORDER BY e.captured_at`,
  `DROP VIEW IF EXISTS detections`,
  `DROP TABLE events`,
];

export const DUCKDB_DDL = [
  ...DUCKDB_EVENT_TABLES,
  `CREATE OR REPLACE VIEW events AS
    SELECT r.event_id, s.region, s.site, s.camera, r.seq, r.captured_at, r.inferred_at, r.committed_at,
           s.model_name, s.model_version, r.frame_width, r.frame_height, r.detections, r.boxes
    FROM event_rows r JOIN event_sources s USING (source)`,
  `CREATE OR REPLACE VIEW detections AS
    SELECT e.event_id, CAST(b.ordinality - 1 AS INTEGER) AS idx, e.region, e.site, e.camera,
           b.unnest.class AS class, b.unnest.class_id AS class_id, b.unnest.confidence AS confidence,
           b.unnest.bbox[1] AS x, b.unnest.bbox[2] AS y, b.unnest.bbox[3] AS w, b.unnest.bbox[4] AS h,
           e.seq, e.captured_at, e.inferred_at, e.committed_at
    FROM events e, unnest(${BOXES}) WITH ORDINALITY AS b`,
  `CREATE TABLE IF NOT EXISTS dead_letters (
    received_at TIMESTAMP NOT NULL, topic VARCHAR NOT NULL, code VARCHAR NOT NULL, reason VARCHAR NOT NULL,
    payload BLOB NOT NULL, letter_id VARCHAR)`,
  // Files from before dead letters had an identity: the column is added, its old rows keep NULL (one letter each).
  `ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS letter_id VARCHAR`,
  `CREATE TABLE IF NOT EXISTS camera_status (
    region VARCHAR NOT NULL, site VARCHAR NOT NULL, camera VARCHAR NOT NULL, state VARCHAR NOT NULL,
    status_at TIMESTAMP NOT NULL, received_at TIMESTAMP NOT NULL, body VARCHAR NOT NULL,
    PRIMARY KEY (region, site, camera))`,
];

/** Connection-local: the ids of the batch being written, to look up which of them are already stored. */
export const DUCKDB_STAGING_DDL = [`CREATE TEMP TABLE IF NOT EXISTS stage_ids (event_id VARCHAR)`];
