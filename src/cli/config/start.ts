import { Type, type Static } from '@sinclair/typebox';
import { Identifier } from '../../contract/index.ts';
import { AlertsConfigSchema } from '../../alerting/config/schema.ts';
import { LogLevelSchema } from './log-level.ts';

const Port = (description: string) => Type.Integer({ minimum: 0, maximum: 65535, description });

/** Everything `seamline start` can be told, by flag or by config file (flags win). */
export const StartConfigSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, description: 'Address the broker and dashboard listen on.' }),
    mqttPort: Port('Embedded MQTT broker port (0 = any free port).'),
    broker: Type.Optional(
      Type.String({
        pattern: '^mqtt://[^/?#]+/?$',
        description: 'Run against this broker instead of the embedded one: mqtt://host:port, admitting anonymous clients.',
        'x-reason': 'must be mqtt://host:port (a broker that admits anonymous clients; for TLS and passwords see docs/operations.md)',
      }),
    ),
    httpPort: Port('Dashboard port (0 = any free port).'),
    dataDir: Type.String({ minLength: 1, description: 'Where the DuckDB file and the edge outboxes live.' }),
    cameras: Type.Integer({
      minimum: 0,
      maximum: 200,
      description: 'Simulated cameras, spread over the sites; 0 runs none and waits for real bridges.',
    }),
    sites: Type.Integer({ minimum: 1, maximum: 50, description: 'Sites (plants) the cameras are spread over.' }),
    region: Identifier('Region name used in topics.'),
    rate: Type.Number({ exclusiveMinimum: 0, maximum: 10_000, description: 'Mean events per second per camera.' }),
    alerts: Type.String({
      minLength: 1,
      description: 'Alert rules: "default" (built in, to the log), "off", or an alerts config file (docs/alerting.md).',
    }),
    inference: Type.Boolean({
      description: 'Also run one camera through the real detector (the bundled model on the synthetic conveyor), unless cameras is 0.',
    }),
    inferenceFps: Type.Number({ exclusiveMinimum: 0, maximum: 60, description: 'Frames per second of that camera.' }),
    logLevel: LogLevelSchema,
    // The shift calendar of a plant that alerts elsewhere (alerts "off" or another engine): the same shifts
    // and days off as an alerts config has, for the page's shift ranges and `seamline report shift` (docs/shifts.md).
    shifts: AlertsConfigSchema.properties.shifts,
    daysOff: AlertsConfigSchema.properties.daysOff,
  },
  { additionalProperties: false, title: 'seamline start config' },
);

export type StartConfig = Static<typeof StartConfigSchema>;

export const START_DEFAULTS: StartConfig = {
  host: '127.0.0.1',
  mqttPort: 1883,
  httpPort: 8080,
  dataDir: './data',
  cameras: 6,
  sites: 2,
  region: 'eu',
  rate: 4,
  alerts: 'default',
  inference: true,
  inferenceFps: 5,
  logLevel: 'info',
};
