/**
 * The DuckDB store's write path on its writer connection: which events of a batch are new, and appending
 * them (with their sources and rollups) in one transaction; dead letters and statuses. store.ts runs these
 * one at a time, and is the file's only writer: both are what the newest marks and source ids rest on.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { cameraKey, type DetectionV1, type StatusV1 } from '../../contract/index.ts';
import { rollupEvents, type EventTimes } from '../rollups/batch.ts';
import { type DeadLetter, letterIdOf, type WriteResult } from '../store.ts';
import { duckdbError } from './errors.ts';
import { CHUNK_ROWS, eventChunk } from './event-chunk.ts';
import { NewestPerCamera } from './newest-per-camera.ts';
import { ts } from './reader.ts';
import type { DuckDbRollups } from './rollups.ts';
import { DuckDbSources } from './sources.ts';
import { inTransaction } from './transaction.ts';

const parseMs = (iso: string) => Date.parse(iso);

export class DuckDbEventWriter {
  /** Which events cannot be stored yet, so only late ones are looked up. */
  private readonly newest = new NewestPerCamera();
  private readonly sources = new DuckDbSources();

  constructor(private readonly rollups: DuckDbRollups) {}

  async write(conn: DuckDBConnection, events: readonly DetectionV1[], committedMs: number, freshOut?: number[]): Promise<WriteResult> {
    const unique = new Map<string, DetectionV1>();
    for (const e of events) if (!unique.has(e.event_id)) unique.set(e.event_id, e);
    const batch = [...unique.values()];
    // Parsed once here: the stored-id check, the newest mark and the row all need it.
    const captured = batch.map((e) => parseMs(e.captured_at));
    const cameras = batch.map((e) => cameraKey(e));
    try {
      const stored = await this.storedIds(conn, batch, captured, cameras);
      const fresh: DetectionV1[] = [];
      const freshCaptured: number[] = [];
      const freshCameras: string[] = [];
      for (let i = 0; i < batch.length; i++) {
        if (stored.has(batch[i].event_id)) continue;
        fresh.push(batch[i]);
        freshCaptured.push(captured[i]);
        freshCameras.push(cameras[i]);
      }
      let detections = 0;
      if (fresh.length > 0) {
        // The appender writes inside this transaction: a failure leaves nothing of the batch behind.
        detections = await inTransaction(conn, () => this.appendFresh(conn, fresh, freshCameras, freshCaptured, committedMs));
        for (let i = 0; i < fresh.length; i++) this.newest.record(freshCameras[i], freshCaptured[i], fresh[i].event_id);
      }
      freshOut?.push(...freshCaptured);
      return { events: fresh.length, detections, duplicates: events.length - fresh.length };
    } catch (cause) {
      // A failed COMMIT may still have landed: read the newest marks and the sources from the tables again.
      this.newest.forget();
      this.sources.forget();
      throw duckdbError('write', cause);
    }
  }

  /**
   * Events not stored yet, with their sources and their rollups, inside the caller's transaction. Resolves
   * with the boxes written. The probe (store.ts) writes its event this way too, and rolls it back.
   */
  async appendFresh(conn: DuckDBConnection, fresh: DetectionV1[], cameras: string[], captured: number[], committedMs: number) {
    const times = { captured, inferred: fresh.map((e) => parseMs(e.inferred_at)) };
    const sources = await this.sources.idsFor(conn, fresh, cameras);
    const boxes = await this.append(conn, fresh, sources, times, committedMs);
    // Only what this write stored: a redelivered event never reaches its rollups twice.
    await this.rollups.appendEvents(conn, rollupEvents(fresh, cameras, times, committedMs));
    return boxes;
  }

  /** After a rolled-back probe: the source ids it handed out were rolled back with it. */
  forgetSources(): void {
    this.sources.forget();
  }

  /**
   * Which of these events are already stored. Only events captured no later than their camera's newest
   * stored one can be (NewestPerCamera); live traffic skips the lookup. For the rest, a redelivered event
   * carries its original captured_at, so only rows in their captured_at range can clash, and row-group
   * min/max pruning keeps this flat as the table grows. Safe without a lock because this process is the
   * file's only writer and writes one batch at a time.
   */
  private async storedIds(conn: DuckDBConnection, events: DetectionV1[], captured: number[], cameras: string[]): Promise<Set<string>> {
    if (!this.newest.known) {
      const rows = await conn.runAndReadAll(
        `SELECT region || '/' || site || '/' || camera, epoch_ms(max(captured_at)) FROM events GROUP BY ALL`,
      );
      this.newest.load(rows.getRows().map(([camera, ms]) => ({ camera: String(camera), ms: Number(ms) })));
    }
    let min = Infinity;
    let max = -Infinity;
    const late: DetectionV1[] = [];
    for (let i = 0; i < events.length; i++) {
      if (this.newest.isNew(cameras[i], captured[i], events[i].event_id)) continue;
      late.push(events[i]);
      if (captured[i] < min) min = captured[i];
      if (captured[i] > max) max = captured[i];
    }
    if (late.length === 0) return new Set();
    await conn.run('DELETE FROM stage_ids');
    const ids = await conn.createAppender('stage_ids', 'main', 'temp');
    try {
      for (const e of late) {
        ids.appendVarchar(e.event_id);
        ids.endRow();
      }
      ids.flushSync();
    } finally {
      ids.closeSync();
    }
    const result = await conn.runAndReadAll(
      `SELECT s.event_id FROM stage_ids s SEMI JOIN
         (SELECT event_id FROM event_rows WHERE captured_at BETWEEN $min AND $max) e ON s.event_id = e.event_id`,
      { min: ts(min), max: ts(max) },
    );
    return new Set(result.getRows().map((r) => String(r[0])));
  }

  /**
   * Through data chunks rather than value by value through the appender (store/duckdb/event-chunk.ts); the
   * appender's flush writes them into the transaction. Resolves with the boxes written.
   */
  private async append(
    conn: DuckDBConnection,
    events: DetectionV1[],
    sources: Int32Array<ArrayBuffer>,
    times: EventTimes,
    committedMs: number,
  ): Promise<number> {
    const app = await conn.createAppender('event_rows');
    let boxes = 0;
    try {
      for (let start = 0; start < events.length; start += CHUNK_ROWS) {
        app.appendDataChunk(eventChunk(events, sources, times, committedMs, start, Math.min(CHUNK_ROWS, events.length - start)));
      }
      app.flushSync();
    } finally {
      app.closeSync();
    }
    for (const e of events) boxes += e.detections.length;
    return boxes;
  }

  /**
   * Appends the letters whose id the table does not hold yet (nor an earlier letter of the same call): a
   * redelivered poison message is kept once. One process writes a DuckDB file, so the look-up cannot race.
   */
  async appendDeadLetters(conn: DuckDBConnection, letters: readonly DeadLetter[]): Promise<void> {
    const ids = [...new Set(letters.map(letterIdOf))];
    // Ids are SHA-256 hex (or 'probe'), so quoting them inline is safe.
    const held = await conn.runAndReadAll(
      `SELECT letter_id FROM dead_letters WHERE letter_id IN (${ids.map((id) => `'${id.replace(/'/g, "''")}'`).join(', ')})`,
    );
    const seen = new Set(held.getRows().map((r) => String(r[0])));
    const fresh = letters.filter((l) => !seen.has(letterIdOf(l)) && (seen.add(letterIdOf(l)), true));
    if (fresh.length === 0) return;
    const app = await conn.createAppender('dead_letters');
    try {
      for (const l of fresh) {
        app.appendTimestamp(ts(l.receivedAt.getTime()));
        app.appendVarchar(l.topic);
        app.appendVarchar(l.code);
        app.appendVarchar(l.reason);
        app.appendBlob(l.payload);
        app.appendVarchar(letterIdOf(l));
        app.endRow();
      }
      app.flushSync();
    } finally {
      app.closeSync();
    }
  }

  async upsertStatus(conn: DuckDBConnection, status: StatusV1, receivedAt: Date): Promise<void> {
    await conn.run(`INSERT OR REPLACE INTO camera_status VALUES ($region, $site, $camera, $state, $at, $received, $body)`, {
      region: status.region,
      site: status.site,
      camera: status.camera,
      state: status.state,
      at: ts(parseMs(status.at)),
      received: ts(receivedAt.getTime()),
      body: JSON.stringify(status),
    });
  }
}
