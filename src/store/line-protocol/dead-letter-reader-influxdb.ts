import { SeamError } from '../../contract/index.ts';
import type { DeadLetterQuery, DeadLetterReadout, DeadLetterReader, DeadLetterRecord } from '../dead-letter-reader.ts';
import { lineProtocolReaderHttp, type LineProtocolHttp } from './http.ts';
import type { StoreConfig } from '../config.ts';

interface Series {
  columns: string[];
  values: unknown[][];
  /** Set when the server cut the answer at its max-row-limit. */
  partial?: boolean;
}

/** A string as an InfluxQL single-quoted literal. */
const literal = (s: string) => `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;
/** A prefix as an InfluxQL regex literal: RE2's metacharacters and the slash that ends the literal escaped. */
const prefixRegex = (s: string) => `/^${s.replace(/[\\^$.|?*+()[\]{}/]/g, (c) => `\\${c}`)}/`;

/**
 * The `dead_letter` measurement of InfluxDB 1.x (store/line-protocol/encode.ts deadLetterPoint): `code` a tag,
 * `topic`, `reason` and `payload` (base64) fields. Read with InfluxQL; nothing is created or changed.
 */
export class InfluxDbDeadLetterReader implements DeadLetterReader {
  readonly name = 'influxdb';
  private readonly http: LineProtocolHttp;
  private readonly database: string;

  constructor(config: StoreConfig) {
    this.http = lineProtocolReaderHttp(config, 'influxdb', 'http://host:8086');
    this.database = config.database ?? 'seamline';
  }

  private async query(q: string): Promise<Series[]> {
    const text = await this.http.request('dead-letter read', 'query', { query: { q, db: this.database, epoch: 'ms' } });
    const body = JSON.parse(text) as { results?: { error?: string; series?: Series[] }[]; error?: string };
    const failed = body.error ?? body.results?.find((r) => r.error)?.error;
    if (failed) throw new SeamError('SEAM_ERR_CONFIG', `influxdb dead-letter read failed: ${failed}`, { field: 'store' });
    return body.results?.[0]?.series ?? [];
  }

  /** The database must be there: a typo in it would otherwise read as "no dead letters". */
  async open(): Promise<void> {
    const [series] = await this.query('SHOW DATABASES');
    if (!series?.values.some((v) => v[0] === this.database)) {
      throw new SeamError(
        'SEAM_ERR_CONFIG',
        `influxdb at ${this.http.target()} has no database ${this.database}: no consumer has written to it`,
        { field: 'store' },
      );
    }
  }

  async readDeadLetters(q: DeadLetterQuery): Promise<DeadLetterReadout> {
    const where = [
      ...(q.sinceMs !== undefined ? [`time >= ${q.sinceMs}ms`] : []),
      ...(q.untilMs !== undefined ? [`time < ${q.untilMs}ms`] : []),
      ...(q.code !== undefined ? [`"code" = ${literal(q.code)}`] : []),
      ...(q.topicPrefix !== undefined ? [`"topic" =~ ${prefixRegex(q.topicPrefix)}`] : []),
    ];
    const [series] = await this.query(
      `SELECT "topic", "reason", "payload", "code", "letter_id" FROM "dead_letter"${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}` +
        ` ORDER BY time DESC${q.limit !== undefined ? ` LIMIT ${q.limit}` : ''}`,
    );
    if (series?.partial) {
      throw new SeamError(
        'SEAM_ERR_CONFIG',
        `influxdb at ${this.http.target()} cut the answer at its max-row-limit: narrow it with --since, --until or --limit`,
        { field: 'store' },
      );
    }
    // A redelivered letter is a second point with the same letter_id: listed once, as first received.
    const rows = (series?.values ?? []).map((v) => Object.fromEntries(series!.columns.map((c, i) => [c, v[i]])));
    const oldest = new Map<unknown, number>();
    rows.forEach((r, i) => r.letter_id != null && oldest.set(r.letter_id, i));
    const kept = rows.filter((r, i) => r.letter_id == null || oldest.get(r.letter_id) === i);
    const letters = kept.map((r): DeadLetterRecord => {
      return {
        receivedAt: new Date(Number(r.time)),
        topic: String(r.topic),
        code: String(r.code),
        reason: String(r.reason),
        payload: Buffer.from(String(r.payload), 'base64'),
      };
    });
    return { payloads: true, letters };
  }

  async close(): Promise<void> {}
}
