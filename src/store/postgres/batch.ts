import type { DetectionV1 } from '../../contract/index.ts';
import { bucketOf } from '../rollups/histogram.ts';
import { CLASSES } from '../rollups/schema.ts';
import { eventRollupCtes } from './rollups.ts';

/**
 * A batch as one PostgreSQL array literal per column (`{"a","b"}`, `{1,2}`), for unnest(): one statement
 * whatever the batch size. Built here as text in one pass rather than handed to node-postgres as JS
 * arrays, which it would turn into the same literals element by element (escaping and quoting each one,
 * measured at about a third of this store's client CPU in `seamline bench consumer --store postgres`).
 */
export interface BatchColumns {
  events: string[];
  detections: string[];
  /** captured_at in epoch ms and the histogram buckets of inference latency and lag, per event (rollups). */
  rollup: string[];
}

/** One array literal being written: its elements, joined by commas inside braces by `end()`. */
class ArrayLiteral {
  private readonly elements: (number | string)[] = [];

  /** A number (written as JavaScript writes it, which float8 and int input read) or a string, quoted. */
  add(v: number | string): void {
    this.elements.push(typeof v === 'number' ? v : quote(v));
  }

  end(): string {
    return `{${this.elements.join(',')}}`;
  }
}

/** An array element as text: always quoted (so `NULL` or a comma stay text), `\` and `"` escaped. */
const quote = (s: string) => (/[\\"]/.test(s) ? `"${s.replace(/[\\"]/g, '\\$&')}"` : `"${s}"`);

const literals = (n: number) => Array.from({ length: n }, () => new ArrayLiteral());

/**
 * Columns for insertBatchSql. An event repeated inside the batch is sent once (first copy wins): the
 * statement would drop it anyway, but sending it twice costs bytes for nothing.
 */
export function toColumns(batch: readonly DetectionV1[], committedMs: number): BatchColumns {
  const ev = literals(12);
  const roll = literals(3);
  const det = literals(9);
  const seen = new Set<string>();
  for (const e of batch) {
    if (seen.has(e.event_id)) continue;
    seen.add(e.event_id);
    ev[0].add(e.event_id);
    ev[1].add(e.region);
    ev[2].add(e.site);
    ev[3].add(e.camera);
    ev[4].add(e.seq);
    ev[5].add(e.captured_at);
    ev[6].add(e.inferred_at);
    ev[7].add(e.model.name);
    ev[8].add(e.model.version);
    ev[9].add(e.frame.width);
    ev[10].add(e.frame.height);
    ev[11].add(e.detections.length);
    const captured = Date.parse(e.captured_at);
    roll[0].add(captured);
    roll[1].add(bucketOf(Date.parse(e.inferred_at) - captured));
    roll[2].add(bucketOf(committedMs - captured));
    for (let idx = 0; idx < e.detections.length; idx++) {
      const d = e.detections[idx];
      det[0].add(e.event_id);
      det[1].add(idx);
      det[2].add(d.class);
      det[3].add(d.class_id);
      det[4].add(d.confidence);
      for (let i = 0; i < 4; i++) det[5 + i].add(d.bbox[i]);
    }
  }
  const end = (columns: ArrayLiteral[]) => columns.map((c) => c.end());
  return { events: end(ev), detections: end(det), rollup: end(roll) };
}

/**
 * The batch statement: $1..$12 event columns, $13 committed_at, $14..$22 detection columns, $23..$25
 * the rollup columns. Detections are joined to the event rows this statement stored (`ev` RETURNING) and
 * take region, site, camera, seq and the timestamps from them, so a detection row can never disagree with
 * its event row, and a detection is written exactly when its event is: the events' unique index is the
 * detections' identity too (schema.ts), with no index of their own to maintain. The rollups
 * (store/postgres/rollups.ts) count exactly the rows the two inserts returned.
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
      ON CONFLICT DO NOTHING RETURNING event_id, region, site, camera, seq, captured_at, inferred_at),
    det AS (
      INSERT INTO ${detections} (event_id, idx, region, site, camera, class, class_id, confidence, x, y, w, h,
                                 seq, captured_at, inferred_at, committed_at)
      SELECT d.event_id, d.idx, i.region, i.site, i.camera, d.class, d.class_id, d.confidence, d.x, d.y, d.w, d.h,
             i.seq, i.captured_at, i.inferred_at, $13::timestamptz
      FROM unnest($14::uuid[], $15::int4[], $16::text[], $17::int4[], $18::float8[], $19::float8[], $20::float8[],
                  $21::float8[], $22::float8[]) AS d(event_id, idx, class, class_id, confidence, x, y, w, h)
      JOIN ev i USING (event_id)
      RETURNING region, site, camera, class, captured_at),
    ${eventRollupCtes(q)}
    SELECT (SELECT count(*) FROM fresh) AS events,
           (SELECT coalesce(sum(detections), 0) FROM ${CLASSES.name}_batch) AS detections,
           (SELECT coalesce(array_agg(captured_ms), '{}') FROM fresh) AS captured`;
}
