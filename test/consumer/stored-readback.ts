/**
 * What each store holds for one camera, read with the server's own query language (not through the code
 * under test), in one shape: so that "stored exactly as sent" can be checked the same way everywhere, on
 * the fields each store keeps (docs/stores.md says which).
 */
import pg from 'pg';
import type { DuckDbStore } from '../../src/store/duckdb/store.ts';

export interface StoredEvent {
  seq: number;
  capturedMs: number;
  /** inferred_at - captured_at, ms. */
  inferenceMs: number;
  /** `name@version`, where the store keeps the model (not VictoriaMetrics). */
  model?: string;
  /** [width, height], where the store keeps the frame (the SQL stores). */
  frame?: [number, number];
  /** [class, class_id, confidence, x, y, w, h] per box, in order. */
  boxes: [string, number, number, number, number, number, number][];
}

/** The status fields a store keeps: state, `at` in ms, and the counters it keeps. */
export type StoredStatus = Record<string, number | string>;

export interface StoreReadback {
  events(site: string, camera: string): Promise<StoredEvent[]>;
  status(site: string, camera: string): Promise<StoredStatus | null>;
  /** Dead letters held: code and, where kept, the raw payload. */
  deadLetters(): Promise<{ code: string; payload?: Buffer }[]>;
  /** Numbers compare to this many significant digits (VictoriaMetrics keeps 12), or exactly when undefined. */
  digits?: number;
  close(): Promise<void>;
}

const COUNTERS = ['outbox_depth', 'outbox_bytes', 'oldest_unsent_ms', 'frames', 'detections', 'drops', 'uptime_s'];
type Box = StoredEvent['boxes'][number];

function statusFromBody(body: Record<string, unknown>): StoredStatus {
  const out: StoredStatus = { state: String(body.state), at: Date.parse(String(body.at)) };
  for (const [k, v] of Object.entries(body)) if (typeof v === 'number') out[k] = v;
  return out;
}

/** DuckDB, on a connection of the store's own instance (the file has one writer). */
export async function duckdbReadback(store: DuckDbStore): Promise<StoreReadback> {
  const conn = await store.connect();
  const rows = async (sql: string, params: Record<string, string> = {}) => (await conn.runAndReadAll(sql, params)).getRows();
  return {
    async events(site, camera) {
      const events = await rows(
        `SELECT event_id, seq, epoch_ms(captured_at), epoch_ms(inferred_at) - epoch_ms(captured_at), model_name || '@' || model_version, frame_width, frame_height
         FROM events WHERE site = $site AND camera = $camera ORDER BY seq`,
        { site, camera },
      );
      const out: StoredEvent[] = [];
      for (const [id, seq, captured, inference, model, w, h] of events) {
        const boxes = await rows(`SELECT class, class_id, confidence, x, y, w, h FROM detections WHERE event_id = $id ORDER BY idx`, {
          id: String(id),
        });
        out.push({
          seq: Number(seq),
          capturedMs: Number(captured),
          inferenceMs: Number(inference),
          model: String(model),
          frame: [Number(w), Number(h)],
          boxes: boxes.map((b) => [String(b[0]), ...b.slice(1).map(Number)] as Box),
        });
      }
      return out;
    },
    async status(site, camera) {
      const [row] = await rows(`SELECT body FROM camera_status WHERE site = $site AND camera = $camera`, { site, camera });
      return row ? statusFromBody(JSON.parse(String(row[0]))) : null;
    },
    async deadLetters() {
      return (await rows(`SELECT code, payload FROM dead_letters`)).map(([code, payload]) => ({
        code: String(code),
        payload: Buffer.from((payload as { bytes: Uint8Array }).bytes),
      }));
    },
    async close() {
      conn.closeSync();
    },
  };
}

/** PostgreSQL, on a client of its own. */
export async function postgresReadback(url: string, schema = 'public'): Promise<StoreReadback> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // Exact text for floats, and numeric epochs: nothing rounded on the way back.
  await client.query('SET extra_float_digits = 3');
  const t = (name: string) => `"${schema}".${name}`;
  return {
    async events(site, camera) {
      const { rows } = await client.query(
        `SELECT event_id, seq, (extract(epoch FROM captured_at) * 1000)::float8 AS captured,
                (extract(epoch FROM inferred_at - captured_at) * 1000)::float8 AS inference,
                model_name || '@' || model_version AS model, frame_width, frame_height
         FROM ${t('events')} WHERE site = $1 AND camera = $2 ORDER BY seq`,
        [site, camera],
      );
      const out: StoredEvent[] = [];
      for (const r of rows) {
        const boxes = await client.query(
          `SELECT class, class_id, confidence, x, y, w, h FROM ${t('detections')} WHERE event_id = $1 ORDER BY idx`,
          [r.event_id],
        );
        out.push({
          seq: Number(r.seq),
          capturedMs: Math.round(r.captured),
          inferenceMs: Math.round(r.inference),
          model: r.model,
          frame: [r.frame_width, r.frame_height],
          boxes: boxes.rows.map(
            (b) => [b.class, b.class_id, Number(b.confidence), Number(b.x), Number(b.y), Number(b.w), Number(b.h)] as Box,
          ),
        });
      }
      return out;
    },
    async status(site, camera) {
      const { rows } = await client.query(`SELECT body FROM ${t('camera_status')} WHERE site = $1 AND camera = $2`, [site, camera]);
      return rows[0] ? statusFromBody(rows[0].body) : null;
    },
    async deadLetters() {
      return (await client.query(`SELECT code, payload FROM ${t('dead_letters')}`)).rows.map((r) => ({ code: r.code, payload: r.payload }));
    },
    async close() {
      await client.end();
    },
  };
}

/**
 * InfluxDB 1.x, with InfluxQL over HTTP. Times come in ns, kept as text (a JavaScript number cannot hold them
 * exactly): the sub-millisecond digits carry seq, and a detection point is its event's by tags and that exact time
 * (docs/stores.md), so captured_at is the ms part and the boxes are matched on the whole.
 */
export function influxReadback(url: string, database: string): StoreReadback {
  const query = async (q: string): Promise<Record<string, unknown>[]> => {
    const res = await fetch(`${url}/query?db=${database}&epoch=ns&q=${encodeURIComponent(q)}`);
    // Each row's first value is its time: quoted before parsing, so that all of its digits survive.
    const body = JSON.parse((await res.text()).replace(/(\[\[|\],\[)(-?\d+),/g, '$1"$2",')) as {
      results: { series?: { columns: string[]; values: unknown[][]; tags?: Record<string, string> }[] }[];
    };
    return (body.results[0].series ?? []).flatMap((s) =>
      s.values.map((v) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) })),
    );
  };
  const where = (site: string, camera: string) => `WHERE "site" = '${site}' AND "camera" = '${camera}'`;
  return {
    async events(site, camera) {
      const events = await query(`SELECT * FROM "event" ${where(site, camera)}`);
      const boxes = await query(`SELECT * FROM "detection" ${where(site, camera)}`);
      const sameEvent = (b: Record<string, unknown>, e: Record<string, unknown>) =>
        b.time === e.time && b.region === e.region && (b.slot ?? null) === (e.slot ?? null);
      return events.map((e) => ({
        seq: Number(e.seq),
        capturedMs: Number(BigInt(e.time as string) / 1_000_000n),
        inferenceMs: Number(e.inference_ms),
        model: String(e.model),
        boxes: boxes
          .filter((b) => sameEvent(b, e))
          .sort((a, b) => Number(a.idx) - Number(b.idx))
          .map(
            (b) => [String(b.class), Number(b.class_id), Number(b.confidence), Number(b.x), Number(b.y), Number(b.w), Number(b.h)] as Box,
          ),
      }));
    },
    async status(site, camera) {
      const [last] = await query(`SELECT * FROM "camera_status" ${where(site, camera)} ORDER BY time DESC LIMIT 1`);
      if (!last) return null;
      const out: StoredStatus = { state: String(last.state), at: Number(last.at_ms) };
      for (const k of COUNTERS) if (typeof last[k] === 'number') out[k] = last[k] as number;
      return out;
    },
    async deadLetters() {
      return (await query(`SELECT * FROM "dead_letter"`)).map((r) => ({
        code: String(r.code),
        payload: Buffer.from(String(r.payload), 'base64'),
      }));
    },
    async close() {},
  };
}

interface Exported {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

/** VictoriaMetrics, through its export API (raw samples): numbers only, 12 significant digits. */
export function victoriaReadback(url: string, database: string): StoreReadback {
  const exportAll = async (match: string): Promise<Exported[]> => {
    await fetch(`${url}/internal/force_flush`);
    const res = await fetch(`${url}/api/v1/export?match[]=${encodeURIComponent(match)}&start=0&end=9999999999`);
    return (await res.text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Exported);
  };
  return {
    digits: 12,
    async events(site, camera) {
      const series = await exportAll(`{db="${database}", site="${site}", camera="${camera}", __name__=~"event_.*|detection_.*"}`);
      type Sampled = { fields: Record<string, number>; boxes: Map<number, Record<string, number | string>> };
      const byTime = new Map<number, Sampled>();
      for (const s of series) {
        const [measurement, field] = [
          s.metric.__name__.startsWith('event_') ? 'event' : 'detection',
          s.metric.__name__.replace(/^(event|detection)_/, ''),
        ];
        s.timestamps.forEach((t, i) => {
          const at: Sampled = byTime.get(t) ?? { fields: {}, boxes: new Map() };
          byTime.set(t, at);
          if (measurement === 'event') at.fields[field] = s.values[i];
          else {
            const idx = Number(s.metric.idx);
            const box = at.boxes.get(idx) ?? { class: s.metric.class };
            box[field] = s.values[i];
            at.boxes.set(idx, box);
          }
        });
      }
      return [...byTime.entries()].map(([t, e]) => ({
        seq: e.fields.seq,
        capturedMs: t,
        inferenceMs: e.fields.inference_ms,
        boxes: [...e.boxes.entries()]
          .sort(([a], [b]) => a - b)
          .map(
            ([, b]) =>
              [String(b.class), Number(b.class_id), Number(b.confidence), Number(b.x), Number(b.y), Number(b.w), Number(b.h)] as Box,
          ),
      }));
    },
    async status(site, camera) {
      const series = await exportAll(`{db="${database}", site="${site}", camera="${camera}", __name__=~"camera_status_.*"}`);
      if (series.length === 0) return null;
      const last = (name: string) => {
        const s = series.find((x) => x.metric.__name__ === `camera_status_${name}`);
        return s ? s.values[s.values.length - 1] : undefined;
      };
      const out: StoredStatus = { state: last('online') === 1 ? 'online' : 'offline', at: last('at_ms')! };
      for (const k of COUNTERS) if (last(k) !== undefined) out[k] = last(k)!;
      return out;
    },
    async deadLetters() {
      const series = await exportAll(`dead_letter_bytes{db="${database}"}`);
      return series.flatMap((s) => s.values.map(() => ({ code: s.metric.code })));
    },
    async close() {},
  };
}
