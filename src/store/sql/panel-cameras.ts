/**
 * The cameras panel's list (every known camera, all time, from the hourly count rollups and the latest
 * status) and the cameras' clock offsets, from the minute rows of rollup_clock.
 */
import type { PanelDialect } from '../panel-reader.ts';
import { CLOCK_WINDOW_MS, withClockOffsets, type ClockOffsetRow } from '../clock-offsets.ts';
import { emptyCameraRow, type CameraRow } from '../reader.ts';
import { CLOCK, COUNTS, LEVELS } from '../rollups/schema.ts';
import { num, toCameraRow } from './rows.ts';
import { levelSource } from './panel-where.ts';

export async function cameraList(d: PanelDialect, nowMs: number): Promise<CameraRow[]> {
  const hour = LEVELS[LEVELS.length - 1].ms;
  const [rows, offsets] = await Promise.all([
    d.rows(
      `WITH c AS (SELECT region, site, camera, sum(events) AS events, sum(detections) AS detections, max(last_captured) AS last_event
                  FROM ${levelSource(d, COUNTS, hour)} GROUP BY 1, 2, 3)
       SELECT coalesce(c.region, s.region) AS region, coalesce(c.site, s.site) AS site, coalesce(c.camera, s.camera) AS camera,
              s.state, ${d.epochMs('s.received_at')} AS status_at, s.body, c.last_event, c.events, c.detections
       FROM c FULL OUTER JOIN ${d.table('camera_status')} s ON c.region = s.region AND c.site = s.site AND c.camera = s.camera
       ORDER BY 1, 2, 3`,
      [],
    ),
    clockOffsets(d, nowMs),
  ]);
  const list = rows.map((r) => toCameraRow(r, r.body === null || r.body === undefined ? {} : d.body(r.body)));
  return withClockOffsets(list, offsets, emptyCameraRow);
}

/** From the minute rows (the journal too, in DuckDB): whole minutes, from the one five minutes before `nowMs`. */
export async function clockOffsets(d: PanelDialect, nowMs: number): Promise<ClockOffsetRow[]> {
  const minute = LEVELS[0].ms;
  const sinceMs = nowMs - CLOCK_WINDOW_MS;
  let rows: Record<string, unknown>[];
  try {
    rows = await d.rows(
      `SELECT region, site, camera, min(min_lag) AS offset_ms FROM ${levelSource(d, CLOCK, minute)}
       WHERE period >= CAST($1 AS BIGINT) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      [sinceMs - (sinceMs % minute)],
    );
  } catch (err) {
    // A store written before rollup_clock and opened read-only (seamline dashboard) gets it only when a
    // consumer opens it; until then it has no clock figures, which is not a failure of the cameras panel.
    if (/rollup_clock_\w+"? does not exist/.test((err as Error).message)) return [];
    throw err;
  }
  return rows.map((r) => ({ region: String(r.region), site: String(r.site), camera: String(r.camera), offsetMs: num(r.offset_ms) }));
}
