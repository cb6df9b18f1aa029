import { SeamError } from '../../contract/index.ts';
import type { DeadLetterCount, DeadLetterQuery, DeadLetterReadout, DeadLetterReader } from '../dead-letter-reader.ts';
import { lineProtocolReaderHttp, type LineProtocolHttp } from './http.ts';
import type { StoreConfig } from '../config.ts';

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** What this reader says instead of the letters. */
export const VICTORIA_NO_PAYLOADS =
  'victoriametrics keeps no payload, topic or reason of a dead letter, only a count and a size per code: nothing ' +
  'can be listed in full or replayed from it. Keep dead letters with their bytes in DuckDB, PostgreSQL or InfluxDB (docs/stores.md)';

/** "Everything" for a window without a start: as far back as VictoriaMetrics answers (see store/line-protocol/victoria.ts). */
const ALL_TIME_MS = 30 * 365 * 86_400_000;

/**
 * VictoriaMetrics keeps a dead letter as one `dead_letter_bytes` sample labelled with its code
 * (store/line-protocol/encode.ts deadLetterPoint), so this reader answers with counts and sizes per code.
 */
export class VictoriaDeadLetterReader implements DeadLetterReader {
  readonly name = 'victoriametrics';
  private readonly http: LineProtocolHttp;
  private readonly database: string;

  constructor(config: StoreConfig) {
    this.http = lineProtocolReaderHttp(config, 'victoriametrics', 'http://host:8428');
    this.database = config.database ?? 'seamline';
  }

  /** Checks that it answers, and the credentials (its /health needs none). */
  async open(): Promise<void> {
    await this.http.request('credentials check', 'api/v1/query', { query: { query: '1' } });
  }

  async readDeadLetters(q: DeadLetterQuery): Promise<DeadLetterReadout> {
    if (q.topicPrefix !== undefined) {
      throw new SeamError(
        'SEAM_ERR_CONFIG',
        'victoriametrics keeps no topic of a dead letter, so it cannot be filtered by one: leave the topic prefix out',
        { field: 'topicPrefix' },
      );
    }
    // Samples become searchable about a second after they arrive unless flushed; a guarded endpoint only delays them.
    await this.http.request('flush', 'internal/force_flush').catch(() => {});
    const untilMs = q.untilMs ?? Date.now() + 86_400_000;
    const sinceMs = q.sinceMs ?? untilMs - ALL_TIME_MS;
    const labels = [`db=${JSON.stringify(this.database)}`, ...(q.code !== undefined ? [`code=${JSON.stringify(q.code)}`] : [])].join(',');
    // Its windows are (t - d, t]: evaluated at untilMs - 1 over untilMs - sinceMs, that is [sinceMs, untilMs).
    const over = (fn: string) => `sum by (code) (${fn}(dead_letter_bytes{${labels}}[${untilMs - sinceMs}ms]))`;
    const [counts, bytes] = await Promise.all([
      this.instant(over('count_over_time'), untilMs),
      this.instant(over('sum_over_time'), untilMs),
    ]);
    const size = new Map(bytes.map((s) => [s.metric.code, Number(s.value[1])]));
    const rows: DeadLetterCount[] = counts
      .map((s) => ({ code: s.metric.code, count: Number(s.value[1]), bytes: size.get(s.metric.code) ?? 0 }))
      .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
    return { payloads: false, counts: rows, why: VICTORIA_NO_PAYLOADS };
  }

  private async instant(expr: string, untilMs: number): Promise<Sample[]> {
    const text = await this.http.request('dead-letter count', 'api/v1/query', {
      query: { query: expr, time: String((untilMs - 1) / 1000), nocache: '1' },
    });
    return (JSON.parse(text) as { data: { result: Sample[] } }).data.result;
  }

  async close(): Promise<void> {}
}
