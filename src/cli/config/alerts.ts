import { Type, type Static } from '@sinclair/typebox';
import { LogLevelSchema } from './log-level.ts';

/** What `seamline alerts run` takes besides the rules file. */
export const AlertsRunConfigSchema = Type.Object(
  {
    store: Type.String({ minLength: 1, description: 'postgres://... (several engines, one notifies) or a DuckDB file (one process).' }),
    metricsHost: Type.String({ minLength: 1 }),
    metricsPort: Type.Integer({ minimum: -1, maximum: 65535, description: '-1 turns /metrics off; 0 picks a free port.' }),
    dashboardPort: Type.Integer({
      minimum: -1,
      maximum: 65535,
      description: 'Serve the dashboard (with the alerts panel) from this process; -1 off.',
    }),
    logLevel: LogLevelSchema,
  },
  { additionalProperties: false, title: 'seamline alerts run config' },
);

export type AlertsRunConfig = Static<typeof AlertsRunConfigSchema>;

export const ALERTS_RUN_DEFAULTS: AlertsRunConfig = {
  store: './data/seamline.duckdb',
  metricsHost: '127.0.0.1',
  metricsPort: 9465,
  dashboardPort: -1,
  logLevel: 'info',
};
