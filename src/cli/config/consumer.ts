import { hostname } from 'node:os';
import { Type, type Static } from '@sinclair/typebox';
import { Identifier } from '../../contract/index.ts';
import { DEFAULT_SESSION_EXPIRY_SECONDS } from '../../consumer/mqtt/subscriber-session.ts';
import { DEFAULT_BATCH_SIZE, DEFAULT_FLUSH_MS, DEFAULT_MAX_PENDING } from '../../consumer/ingest/defaults.ts';
import { LogLevelSchema } from './log-level.ts';
import { DashboardShiftsConfig } from './dashboard.ts';

/** Everything `seamline consumer` can be told, by flag or config file (flags win). */
export const ConsumerConfigSchema = Type.Object(
  {
    url: Type.String({
      pattern: '^mqtts?://',
      description: 'Broker URL, mqtt:// or mqtts://.',
      'x-reason': 'must start with mqtt:// or mqtts://',
    }),
    protocol: Type.Union([Type.Literal(5), Type.Literal(4)], { description: 'MQTT protocol version: 5, or 4 for 3.1.1.' }),
    group: Identifier('Shared subscription group.'),
    share: Type.Boolean({ description: 'Join the shared subscription; false subscribes directly (one consumer only).' }),
    repair: Type.Boolean({
      description: "Repair seq gaps from the bridges' replay windows (DuckDB and PostgreSQL stores; docs/consumer.md).",
    }),
    repairGrace: Type.Integer({ minimum: 1, maximum: 86_400, description: 'Seconds a gap must be old before it is chased.' }),
    repairRate: Type.Number({
      minimum: 0.1,
      maximum: 1_000,
      description: 'Repair requests per second from this consumer at most (all cameras together).',
    }),
    clientId: Type.String({ minLength: 1, maxLength: 128, description: 'Stable client id: the broker keeps the session under it.' }),
    store: Type.String({
      minLength: 1,
      description: 'A DuckDB file path, or postgres://..., influxdb+http://..., victoriametrics+http://... (docs/stores.md).',
    }),
    connections: Type.Integer({ minimum: 1, maximum: 64, description: 'MQTT connections in the group from this process.' }),
    deadLetterTopic: Type.Optional(
      Type.String({
        pattern: '^(?!vision/)[^#+]{1,200}$',
        description: 'Also announce dead letters here (QoS 0); outside vision/ so it never loops back.',
        'x-reason': 'must be a topic name without wildcards, outside vision/',
      }),
    ),
    batchSize: Type.Integer({ minimum: 1, maximum: 100_000 }),
    flushMs: Type.Integer({ minimum: 1, maximum: 60_000 }),
    maxPending: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    maxPayloadBytes: Type.Integer({ minimum: 1024, maximum: 268_435_455 }),
    receiveMaximum: Type.Integer({ minimum: 1, maximum: 65_535 }),
    sessionExpiry: Type.Integer({ minimum: 0, maximum: 4_294_967_295, description: 'Seconds the broker keeps the session.' }),
    username: Type.Optional(Type.String()),
    ca: Type.Optional(Type.String({ description: 'CA certificate file (PEM) for mqtts://.' })),
    cert: Type.Optional(Type.String({ description: 'Client certificate file (PEM).' })),
    key: Type.Optional(Type.String({ description: 'Client key file (PEM).' })),
    metricsHost: Type.String({ minLength: 1 }),
    metricsPort: Type.Integer({ minimum: -1, maximum: 65535, description: '-1 turns /metrics off; 0 picks a free port.' }),
    dashboardPort: Type.Integer({ minimum: -1, maximum: 65535, description: 'Serve the dashboard from this process; -1 off.' }),
    ...DashboardShiftsConfig,
    retentionDays: Type.Integer({ minimum: 0, maximum: 36_500 }),
    evidence: Type.Boolean({
      description: 'Take the evidence images too, into the evidence store that goes with --store (docs/evidence.md).',
    }),
    evidenceDir: Type.Optional(Type.String({ minLength: 1, description: 'Keep the images in this folder whatever the store.' })),
    evidenceMaxAge: Type.Integer({ minimum: 1, maximum: 36_500, description: 'Days an image is kept.' }),
    evidenceMaxBytes: Type.Integer({ minimum: 1_048_576, description: 'Bytes of images kept at most; the oldest go first.' }),
    logLevel: LogLevelSchema,
  },
  { additionalProperties: false, title: 'seamline consumer config' },
);

export type ConsumerConfig = Static<typeof ConsumerConfigSchema>;

export const CONSUMER_DEFAULTS: ConsumerConfig = {
  url: 'mqtt://127.0.0.1:1883',
  protocol: 5,
  group: 'seamline',
  share: true,
  repair: true,
  repairGrace: 60,
  repairRate: 5,
  clientId: `seamline-consumer-${hostname()
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')}`,
  store: './data/seamline.duckdb',
  connections: 1,
  batchSize: DEFAULT_BATCH_SIZE,
  flushMs: DEFAULT_FLUSH_MS,
  maxPending: DEFAULT_MAX_PENDING,
  maxPayloadBytes: 256 * 1024,
  receiveMaximum: 65_535,
  sessionExpiry: DEFAULT_SESSION_EXPIRY_SECONDS,
  metricsHost: '127.0.0.1',
  metricsPort: 9464,
  dashboardPort: -1,
  retentionDays: 0,
  evidence: true,
  evidenceMaxAge: 30,
  evidenceMaxBytes: 10 * 1024 ** 3,
  logLevel: 'info',
};
