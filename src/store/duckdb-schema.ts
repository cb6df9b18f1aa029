/**
 * DuckDB tables. No PRIMARY KEY on purpose: a key index slows inserts as the table grows and its memory
 * grows with it (design.md), so idempotency is an anti-join over the batch's captured_at range instead,
 * which row-group min/max pruning keeps flat as the table grows.
 */
export const DUCKDB_DDL = [
  `CREATE TABLE IF NOT EXISTS events (
    event_id VARCHAR NOT NULL, region VARCHAR NOT NULL, site VARCHAR NOT NULL, camera VARCHAR NOT NULL,
    seq BIGINT NOT NULL, captured_at TIMESTAMP NOT NULL, inferred_at TIMESTAMP NOT NULL,
    committed_at TIMESTAMP NOT NULL, model_name VARCHAR NOT NULL, model_version VARCHAR NOT NULL,
    frame_width INTEGER NOT NULL, frame_height INTEGER NOT NULL, detections INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS detections (
    event_id VARCHAR NOT NULL, idx INTEGER NOT NULL, region VARCHAR NOT NULL, site VARCHAR NOT NULL,
    camera VARCHAR NOT NULL, class VARCHAR NOT NULL, class_id INTEGER NOT NULL, confidence DOUBLE NOT NULL,
    x DOUBLE NOT NULL, y DOUBLE NOT NULL, w DOUBLE NOT NULL, h DOUBLE NOT NULL, seq BIGINT NOT NULL,
    captured_at TIMESTAMP NOT NULL, inferred_at TIMESTAMP NOT NULL, committed_at TIMESTAMP NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS dead_letters (
    received_at TIMESTAMP NOT NULL, topic VARCHAR NOT NULL, code VARCHAR NOT NULL, reason VARCHAR NOT NULL,
    payload BLOB NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS camera_status (
    region VARCHAR NOT NULL, site VARCHAR NOT NULL, camera VARCHAR NOT NULL, state VARCHAR NOT NULL,
    status_at TIMESTAMP NOT NULL, received_at TIMESTAMP NOT NULL, body VARCHAR NOT NULL,
    PRIMARY KEY (region, site, camera))`,
];

/** Connection-local: the ids of the batch being written, to look up which of them are already stored. */
export const DUCKDB_STAGING_DDL = [`CREATE TEMP TABLE IF NOT EXISTS stage_ids (event_id VARCHAR)`];
