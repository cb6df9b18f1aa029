/**
 * InfluxDB line protocol, as InfluxDB 1.x and VictoriaMetrics read it:
 *   measurement,tag=v,tag=v field=1.5,count=2i,text="quoted" <timestamp>
 * A point's identity is measurement + tag set + timestamp: writing the same identity again overwrites it
 * (InfluxDB always; VictoriaMetrics when -dedup.minScrapeInterval is set), which is what makes a
 * redelivered event idempotent here. See docs/stores.md.
 */
import type { DetectionV1, StatusV1 } from '../../contract/index.ts';
import { type DeadLetter, letterIdOf } from '../store.ts';

/** Escapes a measurement name: commas and spaces. Most names need nothing, and then no new string is made. */
export const escapeMeasurement = (s: string) => (/[\\, \n]/.test(s) ? s.replace(/[\\, ]/g, (c) => `\\${c}`).replace(/\n/g, ' ') : s);
/** Escapes a tag key, tag value or field key: commas, equals signs and spaces. */
export const escapeKey = (s: string) => (/[\\,= \n]/.test(s) ? s.replace(/[\\,= ]/g, (c) => `\\${c}`).replace(/\n/g, ' ') : s);
/** Quotes a string field value: backslashes and double quotes escaped; newlines would end the line. */
export const quoteString = (s: string) => `"${/[\\"\n]/.test(s) ? s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ') : s}"`;

export type FieldValue = number | bigint | string | boolean | { int: number };

export interface Point {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  /** In the write's precision (ns for InfluxDB, ms for VictoriaMetrics). */
  time: bigint;
}

/** One line. Tags are sorted by key, as InfluxDB recommends (it sorts them anyway). */
export function encodePoint(p: Point): string {
  let line = escapeMeasurement(p.measurement);
  for (const key of Object.keys(p.tags).sort()) {
    const value = p.tags[key];
    if (value !== '') line += `,${escapeKey(key)}=${escapeKey(value)}`;
  }
  const fields: string[] = [];
  for (const [key, v] of Object.entries(p.fields)) {
    if (typeof v === 'number') {
      if (Number.isFinite(v)) fields.push(`${escapeKey(key)}=${v}`);
    } else if (typeof v === 'bigint') fields.push(`${escapeKey(key)}=${v}i`);
    else if (typeof v === 'string') fields.push(`${escapeKey(key)}=${quoteString(v)}`);
    else if (typeof v === 'boolean') fields.push(`${escapeKey(key)}=${v}`);
    else fields.push(`${escapeKey(key)}=${Math.trunc(v.int)}i`);
  }
  return `${line} ${fields.join(',')} ${p.time}`;
}

/** How a flavour turns an event into point identities. */
export interface IdentityRule {
  /** Write precision query value: `ns` or `ms`. */
  precision: 'ns' | 'ms';
  /**
   * Point time of an event. InfluxDB (ns): captured_at's millisecond plus seq mod 1e6 in the sub-millisecond
   * digits, so two events of one camera in the same millisecond stay apart while a redelivery lands on the
   * same nanosecond. VictoriaMetrics keeps milliseconds only, so it uses the `slot` tag for that instead.
   */
  time(capturedMs: number, seq: number): bigint;
  /** Extra identity tags (VictoriaMetrics: `slot` = seq mod N), or none. */
  slotTags(seq: number): Record<string, string>;
  /** The `slot` tag's value, or '' when there is none (encodePoint leaves empty tags out). */
  slot(seq: number): string;
  /** VictoriaMetrics stores numbers only: string fields would become meaningless 0-valued series. */
  strings: boolean;
}

export function identityRule(flavour: 'influxdb' | 'victoriametrics', slots: number): IdentityRule {
  if (flavour === 'influxdb') {
    return {
      precision: 'ns',
      time: (ms, seq) => BigInt(ms) * 1_000_000n + BigInt(seq % 1_000_000),
      slotTags: () => ({}),
      slot: () => '',
      strings: true,
    };
  }
  return {
    precision: 'ms',
    time: (ms) => BigInt(ms),
    slotTags: (seq): Record<string, string> => (slots > 1 ? { slot: String(seq % slots) } : {}),
    slot: (seq) => (slots > 1 ? String(seq % slots) : ''),
    strings: false,
  };
}

/**
 * The `event` point (one per frame, so frames without detections count) and one `detection` point each. A
 * detection shares its event's tags and time, which is how a query finds its event; it does not repeat the
 * event's seq, offsets, id and model (it did until 2026-12-07: those four fields were a quarter of InfluxDB's
 * CPU a batch, and nothing reads them from a detection).
 */
export function eventPoints(e: DetectionV1, committedMs: number, rule: IdentityRule): Point[] {
  const captured = Date.parse(e.captured_at);
  const time = rule.time(captured, e.seq);
  const base = { region: e.region, site: e.site, camera: e.camera, ...rule.slotTags(e.seq) };
  const offsets = { inference_ms: { int: Date.parse(e.inferred_at) - captured }, lag_ms: { int: committedMs - captured } };
  const ids: Record<string, FieldValue> = rule.strings ? { event_id: e.event_id } : {};
  const points: Point[] = [
    {
      measurement: 'event',
      tags: base,
      fields: {
        detections: { int: e.detections.length },
        seq: { int: e.seq },
        ...offsets,
        ...ids,
        ...(rule.strings ? ({ model: `${e.model.name}@${e.model.version}` } as Record<string, FieldValue>) : {}),
      },
      time,
    },
  ];
  e.detections.forEach((d, idx) => {
    points.push({
      measurement: 'detection',
      tags: { ...base, class: d.class, idx: String(idx) },
      fields: {
        confidence: d.confidence,
        class_id: { int: d.class_id },
        x: d.bbox[0],
        y: d.bbox[1],
        w: d.bbox[2],
        h: d.bbox[3],
      },
      time,
    });
  });
  return points;
}

/** Latest status per camera: a `camera_status` point at receive time; readers take the last one. */
export function statusPoint(s: StatusV1, receivedMs: number, rule: IdentityRule): Point {
  const hb = s as unknown as Record<string, unknown>;
  const numbers: Record<string, FieldValue> = {};
  for (const key of ['outbox_depth', 'outbox_bytes', 'oldest_unsent_ms', 'frames', 'detections', 'drops', 'uptime_s']) {
    if (typeof hb[key] === 'number') numbers[key] = hb[key] as number;
  }
  return {
    measurement: 'camera_status',
    tags: { region: s.region, site: s.site, camera: s.camera },
    fields: {
      online: { int: s.state === 'online' ? 1 : 0 },
      at_ms: { int: Date.parse(s.at) },
      ...numbers,
      ...(rule.strings ? { state: s.state } : {}),
    },
    time: rule.precision === 'ns' ? BigInt(receivedMs) * 1_000_000n : BigInt(receivedMs),
  };
}

/**
 * A dead letter: `n` separates letters received in the same millisecond. InfluxDB keeps topic, reason, the
 * payload (base64) and `letter_id` (the identity a redelivery repeats, which its readers count distinct: a
 * redelivery is a second point, received later); VictoriaMetrics keeps only the count and size per code, one
 * sample a delivery, so the raw bytes and exact counts need InfluxDB, PostgreSQL or DuckDB (docs/consumer.md).
 */
export function deadLetterPoint(l: DeadLetter, n: number, rule: IdentityRule, slots: number): Point {
  const ms = l.receivedAt.getTime();
  return {
    measurement: 'dead_letter',
    tags: { code: l.code, ...(rule.precision === 'ms' && slots > 1 ? { slot: String(n % slots) } : {}) },
    fields: {
      bytes: { int: l.payload.length },
      ...(rule.strings ? { topic: l.topic, reason: l.reason, payload: l.payload.toString('base64'), letter_id: letterIdOf(l) } : {}),
    },
    time: rule.precision === 'ns' ? BigInt(ms) * 1_000_000n + BigInt(n % 1_000_000) : BigInt(ms),
  };
}
