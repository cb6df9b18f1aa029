import { parseDuration } from '../config/duration.ts';
import type { AlertRule, AlertsConfig } from '../alerts-config.ts';
import { likePattern, type CameraSelector } from '../config/selector.ts';
import { panelsWith, seconds, silentPanelRule, type GrafanaQueries, type PanelQuery, type RuleQuery } from './queries.ts';

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * Grafana's PostgreSQL datasource (grafana-postgresql-datasource). Panels use Grafana's macros
 * ($__timeFilter, $__timeGroupAlias); alert rules use fixed windows relative to now(), so what they compute
 * does not depend on the rule's query time range. Table results: the text columns become labels, `value`
 * the number Grafana compares.
 */
export class PostgresQueries implements GrafanaQueries {
  readonly type = 'grafana-postgresql-datasource';

  constructor(private readonly schema = 'public') {}

  private t(table: string) {
    return this.schema === 'public' ? table : `"${this.schema}".${table}`;
  }

  private where(select: CameraSelector, prefix = '') {
    const parts = (['region', 'site', 'camera'] as const)
      .filter((k) => select[k] !== undefined && select[k] !== '*')
      .map((k) => `${prefix}${k} LIKE ${lit(likePattern(select[k]))}`);
    return parts.length ? parts.join(' AND ') : 'true';
  }

  /**
   * Every camera that should be reporting, each with its count in the window, zero when it sent nothing:
   * known cameras are those with a status row, an event in the last day, or listed in expectedCameras.
   */
  silent(windowS: number, signal: 'events' | 'detections', select: CameraSelector, expected: readonly string[]): string {
    const configured = expected.map((k) => `(${k.split('/').map(lit).join(', ')})`);
    return `WITH expected AS (
  SELECT region, site, camera FROM ${this.t('camera_status')}
  UNION SELECT DISTINCT region, site, camera FROM ${this.t('events')} WHERE captured_at > now() - interval '1 day'${
    configured.length ? `\n  UNION SELECT * FROM (VALUES ${configured.join(', ')}) AS v(region, site, camera)` : ''
  }
), seen AS (
  SELECT region, site, camera, count(*) AS events, sum(detections) AS detections FROM ${this.t('events')}
  WHERE captured_at > now() - interval '${windowS} seconds' GROUP BY 1, 2, 3
)
SELECT x.region, x.site, x.camera, coalesce(s.${signal}, 0)::float8 AS value
FROM expected x LEFT JOIN seen s USING (region, site, camera)
WHERE ${this.where(select, 'x.')}
ORDER BY 1, 2, 3`;
  }

  panels(config: AlertsConfig): PanelQuery[] {
    const { windowS, rule } = silentPanelRule(config);
    return panelsWith({
      perMinute: `SELECT $__timeGroupAlias(captured_at, 1m), region || '/' || site || '/' || camera AS metric, sum(detections) AS value
FROM ${this.t('events')} WHERE $__timeFilter(captured_at) GROUP BY 1, 2 ORDER BY 1`,
      silent: this.silent(windowS, 'detections', rule?.select ?? {}, config.expectedCameras),
      status: `SELECT region, site, camera, state, received_at, (body->>'outbox_depth')::int AS outbox_depth,
  (body->>'oldest_unsent_ms')::bigint AS oldest_unsent_ms, (body->>'drops')::int AS drops
FROM ${this.t('camera_status')} ORDER BY 1, 2, 3`,
      lag: `SELECT $__timeGroupAlias(captured_at, 1m),
  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM committed_at - captured_at) * 1000) AS lag_p50_ms,
  percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM committed_at - captured_at) * 1000) AS lag_p99_ms
FROM ${this.t('events')} WHERE $__timeFilter(captured_at) GROUP BY 1 ORDER BY 1`,
      deadLetters: `SELECT $__timeGroupAlias(received_at, 1m), code AS metric, count(*) AS value
FROM ${this.t('dead_letters')} WHERE $__timeFilter(received_at) GROUP BY 1, 2 ORDER BY 1`,
      seqGaps: `SELECT region, site, camera, max(seq) - min(seq) + 1 - count(DISTINCT seq) AS missing
FROM ${this.t('events')} WHERE $__timeFilter(captured_at) GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2, 3`,
      classes: `SELECT class, count(*) AS detections FROM ${this.t('detections')} WHERE $__timeFilter(captured_at) GROUP BY 1 ORDER BY 2 DESC`,
    });
  }

  rule(rule: AlertRule, config: AlertsConfig): RuleQuery | undefined {
    const p = rule.params as Record<string, unknown>;
    const s = (key: string, fallback?: string) => seconds(parseDuration(String(p[key] ?? fallback)));
    const table = (query: string, type: 'gt' | 'lt', value: number, noData: RuleQuery['noData'] = 'OK', lookbackS = 600): RuleQuery => ({
      queries: [{ refId: 'A', query, format: 'table' }],
      threshold: { type, value },
      noData,
      lookbackS,
    });
    const cams = this.where(rule.select);
    switch (rule.kind.kind) {
      case 'silent_camera':
        return table(
          this.silent(s('window'), (p.signal as 'events' | 'detections') ?? 'detections', rule.select, config.expectedCameras),
          'lt',
          1,
          'Alerting',
        );
      case 'camera_offline':
        return table(
          `SELECT region, site, camera, CASE WHEN state = 'offline' THEN extract(epoch FROM now() - received_at) ELSE 0 END::float8 AS value
FROM ${this.t('camera_status')} WHERE ${cams} ORDER BY 1, 2, 3`,
          'gt',
          s('after') - 0.001,
        );
      case 'stale_camera':
        return table(this.silent(s('olderThan'), 'events', rule.select, config.expectedCameras), 'lt', 1, 'Alerting');
      case 'lag_p99':
        return table(
          `SELECT coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM committed_at - captured_at) * 1000), 0)::float8 AS value
FROM ${this.t('events')} WHERE captured_at > now() - interval '${s('window')} seconds'`,
          'gt',
          Number(p.thresholdMs),
        );
      case 'dead_letters':
        return table(
          `SELECT count(*)::float8 / ${s('window') / 60} AS value FROM ${this.t('dead_letters')} WHERE received_at > now() - interval '${s('window')} seconds'`,
          'gt',
          Number(p.perMinute),
        );
      case 'seq_gaps':
        return table(
          `SELECT region, site, camera, (max(seq) - min(seq) + 1 - count(DISTINCT seq))::float8 AS value FROM ${this.t('events')}
WHERE captured_at > now() - interval '${s('window')} seconds' AND captured_at <= now() - interval '${s('settle', '30s')} seconds' AND ${cams}
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
          'gt',
          0,
        );
      case 'outbox_backlog': {
        const depth = p.depth === undefined ? 'false' : `coalesce((body->>'outbox_depth')::bigint, 0) > ${Number(p.depth)}`;
        const age =
          p.oldestUnsent === undefined ? 'false' : `coalesce((body->>'oldest_unsent_ms')::bigint, 0) > ${s('oldestUnsent') * 1000}`;
        return table(
          `SELECT region, site, camera, CASE WHEN ${depth} OR ${age} THEN 1 ELSE 0 END::float8 AS value
FROM ${this.t('camera_status')} WHERE ${cams} ORDER BY 1, 2, 3`,
          'gt',
          0,
        );
      }
      case 'defect_rate': {
        const w = `captured_at > now() - interval '${s('window')} seconds'`;
        return table(
          `WITH e AS (SELECT region, site, camera, count(*) AS n FROM ${this.t('events')} WHERE ${w} AND ${cams} GROUP BY 1, 2, 3),
d AS (SELECT region, site, camera, count(*) AS k FROM ${this.t('detections')} WHERE ${w} AND class = ${lit(String(p.class))} GROUP BY 1, 2, 3)
SELECT e.region, e.site, e.camera, CASE WHEN e.n >= ${Number(p.minEvents ?? 20)} THEN coalesce(d.k, 0)::float8 / e.n ELSE 0 END AS value
FROM e LEFT JOIN d USING (region, site, camera) ORDER BY 1, 2, 3`,
          'gt',
          Number(p.perEvent),
        );
      }
      case 'clock_offset':
        // The smallest commit - captured_at per camera over the last five minutes of consumer samples
        // (rollup_clock, store/clock-offsets.ts), in seconds either way from zero.
        return table(
          `SELECT region, site, camera, abs(min(min_lag))::float8 / 1000 AS value FROM ${this.t('rollup_clock_1m')}
WHERE period >= ((extract(epoch FROM now()) * 1000)::bigint - 300000) / 60000 * 60000 AND ${cams}
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
          'gt',
          s('maxOffset', '60s'),
        );
      default:
        return undefined;
    }
  }
}
