import type { AlertRule, AlertsConfig } from '../alerts-config.ts';
import { parseDuration } from '../config/duration.ts';

/** A panel of the exported dashboard, with its query in the datasource's language (Grafana macros allowed). */
export interface PanelQuery {
  title: string;
  kind: 'timeseries' | 'table' | 'barchart';
  description: string;
  /** SQL (PostgreSQL) or InfluxQL. */
  query: string;
  /** PostgreSQL: `time_series` or `table`. */
  format: 'time_series' | 'table';
  unit?: string;
}

/** The operators' panels, the same for every datasource; each language supplies the query text by `key`. */
export const PANELS = [
  {
    key: 'perMinute',
    title: 'Detections per minute, per camera',
    kind: 'timeseries',
    format: 'time_series',
    description: 'A flat line at zero is a camera that sees nothing; a line that stops is a camera that sends nothing.',
  },
  {
    key: 'silent',
    title: 'Silent cameras',
    kind: 'table',
    format: 'table',
    description: 'Every expected camera with its detections in the window; 0 is a silent camera (an explicit zero, not a missing row).',
  },
  {
    key: 'status',
    title: 'Cameras: last status and edge outbox',
    kind: 'table',
    format: 'table',
    description: "offline = the bridge's last will (or clean stop); outbox depth and oldest unsent from its last heartbeat.",
  },
  {
    key: 'lag',
    title: 'End-to-end lag (commit - captured), p50 and p99',
    kind: 'timeseries',
    format: 'time_series',
    unit: 'ms',
    description: 'Climbing lag is a consumer or store falling behind (docs/troubleshooting.md).',
  },
  {
    key: 'deadLetters',
    title: 'Dead letters per minute, by code',
    kind: 'timeseries',
    format: 'time_series',
    description: 'Poison messages acknowledged and kept with their bytes; the code says what was wrong (docs/errors.md).',
  },
  {
    key: 'seqGaps',
    title: 'Events lost upstream (seq gaps), per camera',
    kind: 'table',
    format: 'table',
    description: "seq numbers missing from each camera's stored range in the time range.",
  },
  { key: 'classes', title: 'Defect classes', kind: 'barchart', format: 'table', description: 'Detections per class in the time range.' },
] as const satisfies readonly (Omit<PanelQuery, 'query'> & { key: string })[];

export type PanelKey = (typeof PANELS)[number]['key'];

/** The panels with one language's query texts. */
export const panelsWith = (texts: Record<PanelKey, string>): PanelQuery[] => PANELS.map(({ key, ...p }) => ({ ...p, query: texts[key] }));

/** The silent-camera panel shows the first silent_camera rule's window and selection (5 minutes, all cameras without one). */
export function silentPanelRule(config: AlertsConfig): { windowS: number; rule: AlertRule | undefined } {
  const rule = config.rules.find((r) => r.kind.kind === 'silent_camera');
  return { rule, windowS: rule ? seconds(parseDuration(String(rule.params.window))) : 300 };
}

/** How a Seamline rule becomes a Grafana rule: queries A.., an optional math step, and a threshold. */
export interface RuleQuery {
  queries: { refId: string; query: string; format: 'time_series' | 'table' }[];
  /** A Grafana math expression over the queries, e.g. `$A / $B`; the threshold then applies to it. */
  math?: string;
  threshold: { type: 'gt' | 'lt'; value: number };
  /** What Grafana does when the query returns nothing at all. */
  noData: 'OK' | 'Alerting' | 'NoData';
  /** Seconds of history the queries read (relativeTimeRange.from). */
  lookbackS: number;
}

/** The queries of one datasource language: one file each (postgres-queries.ts, influxql-queries.ts). */
export interface GrafanaQueries {
  /** Grafana datasource plugin id. */
  readonly type: string;
  panels(config: AlertsConfig): PanelQuery[];
  /** The rule as Grafana queries, or undefined when this store cannot express it (said in docs/alerting.md). */
  rule(rule: AlertRule, config: AlertsConfig): RuleQuery | undefined;
}

/** Seconds of a duration param (rules carry their params as validated strings). */
export const seconds = (ms: number) => Math.round(ms / 1000);
