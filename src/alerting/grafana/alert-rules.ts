import { QueryBuilder, RuleBuilder, type Rule } from '@grafana/grafana-foundation-sdk/alerting';
import { TypeMathBuilder, TypeReduceBuilder, TypeThresholdBuilder } from '@grafana/grafana-foundation-sdk/expr';
import type { AlertRule, AlertsConfig } from '../alerts-config.ts';
import { formatDuration, parseDuration } from '../config/duration.ts';
import { DASHBOARD_UID } from './dashboard.ts';
import type { GrafanaQueries } from './queries.ts';
import { RawQueryBuilder } from './raw-query.ts';

export const FOLDER = 'Seamline';
const EXPR = { type: '__expr__', uid: '__expr__' };

/** InfluxQL cannot compute how long a camera has been offline, so there `after` becomes part of the rule's `for`. */
const offlineFor = (rule: AlertRule, q: GrafanaQueries) =>
  rule.kind.kind === 'camera_offline' && q.type === 'influxdb' ? parseDuration(String(rule.params.after)) : 0;

/** Grafana rule uids: at most 40 letters, digits, - and _. */
export const ruleUid = (name: string) => `seamline-${name.replace(/[^a-zA-Z0-9_-]/g, '-')}`.slice(0, 40);

/**
 * One Grafana rule per Seamline rule the datasource can express: the store query (A, B), a reduce to the
 * last value for time series (InfluxQL; SQL tables are numbers already), an optional math step, and the
 * threshold that is the rule's condition. Labels carry the rule's own, severity and `seamline_rule` (which
 * the notification policy matches to apply its shifts' mute timing).
 */
export function buildRule(
  rule: AlertRule,
  config: AlertsConfig,
  q: GrafanaQueries,
  datasource: { type: string; uid: string },
): Rule | undefined {
  const spec = q.rule(rule, config);
  if (!spec) return undefined;
  const builder = new RuleBuilder(rule.name)
    .uid(ruleUid(rule.name))
    .folderUID(FOLDER)
    .ruleGroup('seamline')
    .orgID(1)
    .forDuration(formatDuration(rule.forMs + offlineFor(rule, q)))
    .noDataState(spec.noData)
    .execErrState('Error')
    .labels({ ...rule.labels, severity: rule.severity, seamline_rule: rule.name })
    .annotations({
      summary: `${rule.name}: ${rule.kind.kind} (Seamline)`,
      description: `Exported from the Seamline rule ${rule.name} (${rule.kind.kind}, ${JSON.stringify(rule.params)}). docs/alerting.md says how it differs from Seamline's own engine.`,
      ...(rule.kind.kind === 'silent_camera' ? { __dashboardUid__: DASHBOARD_UID, __panelId__: '2' } : {}),
    });
  const range = { from: spec.lookbackS, to: 0 };
  for (const query of spec.queries) {
    builder.withQuery(
      new QueryBuilder(query.refId)
        .datasourceUid(datasource.uid)
        .relativeTimeRange(range)
        .model(new RawQueryBuilder(datasource, query.refId, query.query, query.format)),
    );
  }
  // Time series (InfluxQL) become numbers through a reduce; names R<refId>.
  const reduced = spec.queries.map((query) => {
    if (query.format === 'table') return query.refId;
    const refId = `R${query.refId}`;
    builder.withQuery(
      new QueryBuilder(refId)
        .datasourceUid('__expr__')
        .relativeTimeRange(range)
        .model(new TypeReduceBuilder().refId(refId).datasource(EXPR).expression(query.refId).reducer('last').settings({ mode: 'dropNN' })),
    );
    return refId;
  });
  let input = reduced[0];
  if (spec.math) {
    let expression = spec.math;
    spec.queries.forEach((query, i) => (expression = expression.replaceAll(`$${query.refId}`, `$${reduced[i]}`)));
    builder.withQuery(
      new QueryBuilder('M')
        .datasourceUid('__expr__')
        .relativeTimeRange(range)
        .model(new TypeMathBuilder().refId('M').datasource(EXPR).expression(expression)),
    );
    input = 'M';
  }
  builder.withQuery(
    new QueryBuilder('T')
      .datasourceUid('__expr__')
      .relativeTimeRange(range)
      .model(
        new TypeThresholdBuilder()
          .refId('T')
          .datasource(EXPR)
          .expression(input)
          .conditions([{ evaluator: { type: spec.threshold.type, params: [spec.threshold.value] } }]),
      ),
  );
  builder.condition('T');
  return builder.build();
}

/**
 * The provisioning file shape of a rule (provisioning/alerting/rules.yaml): the API model the SDK builds, with
 * folder, group and org moved up to the group, and `for` as a duration string.
 */
export function toProvisionedRule(r: Rule) {
  return {
    uid: r.uid,
    title: r.title,
    condition: r.condition,
    data: r.data.map((d) => ({ refId: d.refId, relativeTimeRange: d.relativeTimeRange, datasourceUid: d.datasourceUid, model: d.model })),
    noDataState: r.noDataState,
    execErrState: r.execErrState,
    for: r.for,
    labels: r.labels,
    annotations: r.annotations,
    isPaused: false,
  };
}

/** Grafana evaluates a group every N seconds, a multiple of its 10 s base interval. */
export const groupInterval = (config: AlertsConfig) => `${Math.max(10, Math.ceil(config.evaluateEveryMs / 10_000) * 10)}s`;
