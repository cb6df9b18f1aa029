import type { AlertRule, AlertsConfig } from '../config.ts';

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
