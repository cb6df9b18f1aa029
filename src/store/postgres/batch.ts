import type { DetectionV1 } from '../../contract/index.ts';
import { bucketOf } from '../rollups/histogram.ts';
import { eventRollupCtes } from './rollups.ts';

/** A batch as parallel arrays, one per column, for unnest(): one statement whatever the batch size. */
export interface BatchColumns {
  events: unknown[][];
  detections: unknown[][];
  /** captured_at in epoch ms and the histogram buckets of inference latency and lag, per event (rollups). */
  rollup: unknown[][];
}

/**
 * Columns for insertBatchSql. An event repeated inside the batch is sent once (first copy wins): the
 * statement would drop it anyway, but sending it twice costs bytes for nothing.
 */
export function toColumns(batch: readonly DetectionV1[], committedMs: number): BatchColumns {
  const ev: unknown[][] = Array.from({ length: 12 }, () => []);
  const roll: unknown[][] = [[], [], []];
  const det: unknown[][] = Array.from({ length: 9 }, () => []);
  const seen = new Set<string>();
  for (const e of batch) {
    if (seen.has(e.event_id)) continue;
    seen.add(e.event_id);
    const row = [
      e.event_id,
      e.region,
      e.site,
      e.camera,
      e.seq,
      e.captured_at,
      e.inferred_at,
      e.model.name,
      e.model.version,
      e.frame.width,
      e.frame.height,
      e.detections.length,
    ];
    for (let i = 0; i < row.length; i++) ev[i].push(row[i]);
    const captured = Date.parse(e.captured_at);
    roll[0].push(captured);
    roll[1].push(bucketOf(Date.parse(e.inferred_at) - captured));
    roll[2].push(bucketOf(committedMs - captured));
    e.detections.forEach((d, idx) => {
      const drow = [e.event_id, idx, d.class, d.class_id, d.confidence, ...d.bbox];
      for (let i = 0; i < drow.length; i++) det[i].push(drow[i]);
    });
  }
  return { events: ev, detections: det, rollup: roll };
}

/**
 * The batch statement: $1..$12 event columns, $13 committed_at, $14..$22 detection columns, $23..$25
 * the rollup columns. Detections are inserted only for events this statement stored, and take region,
 * site, camera, seq and the timestamps from their event, so a detection row can never disagree with its
 * event row; the rollups (store/postgres/rollups.ts) count exactly the rows the two inserts returned.
 */
export function insertBatchSql(q: (table: string) => string): string {
  const [events, detections] = [q('events'), q('detections')];
  return `WITH input AS (
      SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::timestamptz[],
                           $7::timestamptz[], $8::text[], $9::text[], $10::int4[], $11::int4[], $12::int4[],
                           $23::int8[], $24::int2[], $25::int2[])
        AS t(event_id, region, site, camera, seq, captured_at, inferred_at, model_name, model_version,
             frame_width, frame_height, detections, captured_ms, inf_bucket, lag_bucket)),
    ev AS (
      INSERT INTO ${events} (event_id, region, site, camera, seq, captured_at, inferred_at, committed_at,
                             model_name, model_version, frame_width, frame_height, detections)
      SELECT event_id, region, site, camera, seq, captured_at, inferred_at, $13::timestamptz, model_name,
             model_version, frame_width, frame_height, detections FROM input
      ON CONFLICT DO NOTHING RETURNING event_id, captured_at),
    det AS (
      INSERT INTO ${detections} (event_id, idx, region, site, camera, class, class_id, confidence, x, y, w, h,
                                 seq, captured_at, inferred_at, committed_at)
      SELECT d.event_id, d.idx, i.region, i.site, i.camera, d.class, d.class_id, d.confidence, d.x, d.y, d.w, d.h,
             i.seq, i.captured_at, i.inferred_at, $13::timestamptz
      FROM unnest($14::uuid[], $15::int4[], $16::text[], $17::int4[], $18::float8[], $19::float8[], $20::float8[],
                  $21::float8[], $22::float8[]) AS d(event_id, idx, class, class_id, confidence, x, y, w, h)
      JOIN input i USING (event_id)
      WHERE d.event_id IN (SELECT event_id FROM ev)
      ON CONFLICT DO NOTHING RETURNING event_id, class),
    ${eventRollupCtes(q)}
    SELECT (SELECT count(*) FROM ev) AS events, (SELECT count(*) FROM det) AS detections,
           (SELECT coalesce(array_agg((extract(epoch FROM captured_at) * 1000)::int8), '{}') FROM ev) AS captured`;
}
