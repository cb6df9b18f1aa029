import { Type, type Static } from '@sinclair/typebox';
import { AlertsConfigSchema } from '../../alerting/config/schema.ts';
import { LogLevelSchema } from './log-level.ts';

/**
 * Where a dashboard's shift calendar comes from (docs/dashboard.md#shifts): an alerts config file's shifts, else a
 * `shifts` and `daysOff` section of this config, as a start config has them. Shared with `seamline consumer`.
 */
export const DashboardShiftsConfig = {
  alerts: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        "An alerts config file: its shifts and days off are the page's shift calendar, its handover.partClass the summary's part class.",
    }),
  ),
  shifts: AlertsConfigSchema.properties.shifts,
  daysOff: AlertsConfigSchema.properties.daysOff,
};

/** Everything `seamline dashboard` can be told, by flag or by config file (flags win). */
export const DashboardConfigSchema = Type.Object(
  {
    store: Type.String({ minLength: 1, description: 'postgres://... or a DuckDB file no consumer has open (opened read-only).' }),
    host: Type.String({ minLength: 1, description: 'Listen address; anything beyond loopback needs an access token.' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, description: 'Listen port (0 = any free port).' }),
    tokenFile: Type.Optional(
      Type.String({ minLength: 1, description: 'File holding the access token (or set $SEAMLINE_DASHBOARD_TOKEN).' }),
    ),
    evidenceDir: Type.Optional(
      Type.String({ minLength: 1, description: "The consumer's --evidence-dir, when it keeps the images in a folder of its own." }),
    ),
    ...DashboardShiftsConfig,
    logLevel: LogLevelSchema,
  },
  { additionalProperties: false, title: 'seamline dashboard config' },
);

export type DashboardConfig = Static<typeof DashboardConfigSchema>;

export const DASHBOARD_DEFAULTS: DashboardConfig = { store: './data/seamline.duckdb', host: '127.0.0.1', port: 8080, logLevel: 'info' };
