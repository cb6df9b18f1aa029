import { parseDuration } from '../config/duration.ts';
import type { AlertRule, AlertsConfig } from '../alerts-config.ts';
import { regexPattern, type CameraSelector } from '../config/selector.ts';
import { panelsWith, seconds, silentPanelRule, type GrafanaQueries, type PanelQuery, type RuleQuery } from './queries.ts';

const CAMERA = 'GROUP BY "region", "site", "camera"';

/**
 * Grafana's InfluxDB datasource in InfluxQL mode, over the measurements of store/line-protocol/encode.ts
 * (`event`, `detection`, `camera_status`, `dead_letter`) and store/line-protocol/clock.ts (`camera_clock`).
 * InfluxQL has no join, so the set of cameras that should be reporting is those that wrote anything in the
 * lookback (6 h): fill(0) over per-minute buckets gives each of them an explicit zero.
 */
export class InfluxQlQueries implements GrafanaQueries {
  readonly type = 'influxdb';

  private where(select: CameraSelector): string {
    const parts = (['region', 'site', 'camera'] as const)
      .filter((k) => select[k] !== undefined && select[k] !== '*')
      .map((k) => `"${k}" =~ /${regexPattern(select[k]).replaceAll('/', '\\/')}/`);
    return parts.length ? ` AND ${parts.join(' AND ')}` : '';
  }

  /**
   * Per-minute counts with fill(0) for every camera that wrote in the last 6 h, and the sum of the last N of
   * them (moving_average x N; the newest minute is the current, partial one): a camera that stopped is a
   * series of zeros, not a missing series. Grafana reduces it to the last value.
   */
  silent(windowS: number, signal: 'events' | 'detections', select: CameraSelector): string {
    const inner = signal === 'events' ? 'count("detections")' : 'sum("detections")';
    const n = Math.max(1, Math.ceil(windowS / 60));
    return `SELECT moving_average(${inner}, ${n}) * ${n} AS "value" FROM "event" WHERE time > now() - 6h${this.where(select)} GROUP BY time(1m), "region", "site", "camera" fill(0)`;
  }

  panels(config: AlertsConfig): PanelQuery[] {
    const { windowS, rule } = silentPanelRule(config);
    return panelsWith({
      perMinute: `SELECT sum("detections") FROM "event" WHERE $timeFilter GROUP BY time(1m), "region", "site", "camera" fill(0)`,
      silent: this.silent(windowS, 'detections', rule?.select ?? {}),
      status: `SELECT last("online") AS "online", last("outbox_depth") AS "outbox_depth", last("oldest_unsent_ms") AS "oldest_unsent_ms", last("drops") AS "drops" FROM "camera_status" ${CAMERA}`,
      lag: `SELECT percentile("lag_ms", 50) AS "lag_p50_ms", percentile("lag_ms", 99) AS "lag_p99_ms" FROM "event" WHERE $timeFilter GROUP BY time(1m)`,
      // Distinct letter_id: a redelivered dead letter is a second point with the same id (docs/consumer.md#dead-letters).
      deadLetters: `SELECT count(distinct("letter_id")) FROM "dead_letter" WHERE $timeFilter GROUP BY time(1m), "code" fill(0)`,
      seqGaps: `SELECT max("seq") - min("seq") + 1 - count(distinct("seq")) AS "missing" FROM "event" WHERE $timeFilter ${CAMERA}`,
      classes: `SELECT count("confidence") AS "detections" FROM "detection" WHERE $timeFilter GROUP BY "class"`,
    });
  }

  rule(rule: AlertRule): RuleQuery | undefined {
    const p = rule.params as Record<string, unknown>;
    const s = (key: string, fallback?: string) => seconds(parseDuration(String(p[key] ?? fallback)));
    const one = (query: string, type: 'gt' | 'lt', value: number, noData: RuleQuery['noData'] = 'OK', lookbackS = 6 * 3600): RuleQuery => ({
      queries: [{ refId: 'A', query, format: 'time_series' }],
      threshold: { type, value },
      noData,
      lookbackS,
    });
    const cams = this.where(rule.select);
    switch (rule.kind.kind) {
      case 'silent_camera':
        return one(this.silent(s('window'), (p.signal as 'events' | 'detections') ?? 'detections', rule.select), 'lt', 1, 'Alerting');
      case 'stale_camera':
        return one(this.silent(s('olderThan'), 'events', rule.select), 'lt', 1, 'Alerting');
      case 'camera_offline':
        // InfluxQL cannot subtract a point's time from now(): the offline duration becomes the rule's `for`.
        return one(`SELECT last("online") AS "value" FROM "camera_status" WHERE time > now() - 30d${cams} ${CAMERA}`, 'lt', 1);
      case 'lag_p99':
        return one(
          `SELECT percentile("lag_ms", 99) AS "value" FROM "event" WHERE time > now() - ${s('window')}s`,
          'gt',
          Number(p.thresholdMs),
        );
      case 'dead_letters':
        return one(
          `SELECT count(distinct("letter_id")) / ${s('window') / 60} AS "value" FROM "dead_letter" WHERE time > now() - ${s('window')}s`,
          'gt',
          Number(p.perMinute),
        );
      case 'seq_gaps':
        return one(
          `SELECT max("seq") - min("seq") + 1 - count(distinct("seq")) AS "value" FROM "event" WHERE time > now() - ${s('window')}s AND time <= now() - ${s('settle', '30s')}s${cams} ${CAMERA}`,
          'gt',
          0,
        );
      case 'outbox_backlog': {
        const field = p.depth !== undefined ? 'outbox_depth' : 'oldest_unsent_ms';
        const limit = p.depth !== undefined ? Number(p.depth) : s('oldestUnsent') * 1000;
        return one(`SELECT last("${field}") AS "value" FROM "camera_status" WHERE time > now() - 30d${cams} ${CAMERA}`, 'gt', limit);
      }
      case 'defect_rate': {
        const w = `time > now() - ${s('window')}s${cams}`;
        return {
          queries: [
            {
              refId: 'A',
              query: `SELECT count("confidence") AS "value" FROM "detection" WHERE ${w} AND "class" = '${String(p.class).replaceAll("'", "\\'")}' ${CAMERA}`,
              format: 'time_series',
            },
            { refId: 'B', query: `SELECT count("detections") AS "value" FROM "event" WHERE ${w} ${CAMERA}`, format: 'time_series' },
          ],
          math: `($B >= ${Number(p.minEvents ?? 20)}) * ($A / $B)`,
          threshold: { type: 'gt', value: Number(p.perEvent) },
          noData: 'OK',
          lookbackS: s('window'),
        };
      }
      case 'clock_offset':
        // The camera_clock points of the last five minutes (store/line-protocol/clock.ts). InfluxQL's abs()
        // over an aggregate wants GROUP BY time, so Grafana's math takes the distance from zero.
        return {
          ...one(
            `SELECT min("min_lag_ms") / 1000 AS "value" FROM "camera_clock" WHERE time > now() - 5m${cams} ${CAMERA}`,
            'gt',
            s('maxOffset', '60s'),
            'OK',
            300,
          ),
          math: 'abs($A)',
        };
      default:
        return undefined;
    }
  }
}
