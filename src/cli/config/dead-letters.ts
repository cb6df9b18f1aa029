import { hostname } from 'node:os';
import { Type, type Static } from '@sinclair/typebox';
import { ERROR_CODES, SeamError, type ErrorCode } from '../../contract/index.ts';
import type { DeadLetterQuery } from '../../store/dead-letter-reader.ts';
import type { StoreConfig } from '../../store/config.ts';
import { readOnlyStoreFlag, timeFlag } from './flags.ts';

/** The codes a dead letter can carry: every `poison` code of errors.ts. */
export const DEAD_LETTER_CODES = (Object.keys(ERROR_CODES) as ErrorCode[]).filter((c) => ERROR_CODES[c].kind === 'poison');

/** What both subcommands select by, flag for flag. */
const FILTERS = {
  store: Type.String({
    minLength: 1,
    description: 'A DuckDB file, or postgres://..., influxdb+http://..., victoriametrics+http://... (docs/stores.md).',
  }),
  since: Type.Optional(Type.String({ minLength: 1, description: 'Received at or after: a duration back from now, or an ISO time.' })),
  until: Type.Optional(Type.String({ minLength: 1, description: 'Received before: a duration back from now, or an ISO time.' })),
  code: Type.Optional(
    Type.Union(
      DEAD_LETTER_CODES.map((c) => Type.Literal(c)),
      { description: 'Only this code.' },
    ),
  ),
  topicPrefix: Type.Optional(Type.String({ minLength: 1, description: 'Only topics that start with this, e.g. vision/eu/plant-1/.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000, description: 'The newest N that match.' })),
  json: Type.Boolean({ description: 'NDJSON (list) or one JSON summary (replay) on stdout.' }),
};

export const DeadLettersListConfigSchema = Type.Object(
  { ...FILTERS, payload: Type.Boolean({ description: 'With json: each line also holds payload_base64.' }) },
  { additionalProperties: false, title: 'seamline dead-letters list config' },
);
export type DeadLettersListConfig = Static<typeof DeadLettersListConfigSchema>;

export const DeadLettersReplayConfigSchema = Type.Object(
  {
    ...FILTERS,
    url: Type.String({
      pattern: '^mqtts?://',
      description: 'Broker to publish to, mqtt:// or mqtts://.',
      'x-reason': 'must start with mqtt:// or mqtts://',
    }),
    protocol: Type.Union([Type.Literal(5), Type.Literal(4)], { description: 'MQTT protocol version: 5, or 4 for 3.1.1.' }),
    clientId: Type.String({ minLength: 1, maxLength: 128 }),
    username: Type.Optional(Type.String()),
    ca: Type.Optional(Type.String({ description: 'CA certificate file (PEM) for mqtts://.' })),
    cert: Type.Optional(Type.String({ description: 'Client certificate file (PEM).' })),
    key: Type.Optional(Type.String({ description: 'Client key file (PEM).' })),
    rate: Type.Number({ exclusiveMinimum: 0, maximum: 100_000, description: 'Messages a second at most.' }),
    dryRun: Type.Boolean({ description: 'Say what would be replayed and skipped; connect to no broker, publish nothing.' }),
    includeStatus: Type.Boolean({
      description: 'Also replay status messages (skipped by default: an old status would overwrite a newer one).',
    }),
  },
  { additionalProperties: false, title: 'seamline dead-letters replay config' },
);
export type DeadLettersReplayConfig = Static<typeof DeadLettersReplayConfigSchema>;

const STORE_DEFAULT = './data/seamline.duckdb';

export const LIST_DEFAULTS: DeadLettersListConfig = { store: STORE_DEFAULT, limit: 100, json: false, payload: false };

export const REPLAY_DEFAULTS: DeadLettersReplayConfig = {
  store: STORE_DEFAULT,
  url: 'mqtt://127.0.0.1:1883',
  protocol: 5,
  clientId: `seamline-replay-${hostname()
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')}-${process.pid}`,
  rate: 500,
  dryRun: false,
  includeStatus: false,
  json: false,
};

/**
 * The store and the query a valid config asks for; run as configFromFlags' check, so that a refusal names
 * the flag as typed (`--since yesterday must be a duration...`).
 */
export function selection(
  c: DeadLettersListConfig | DeadLettersReplayConfig,
  nowMs = Date.now(),
): { store: StoreConfig; query: DeadLetterQuery } {
  const sinceMs = timeFlag(c.since, 'since', nowMs);
  const untilMs = timeFlag(c.until, 'until', nowMs);
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs >= untilMs) {
    throw new SeamError('SEAM_ERR_CONFIG', `is not before --until ${c.until}: nothing could match`, { field: 'since' });
  }
  const store = readOnlyStoreFlag(c.store);
  return { store, query: { sinceMs, untilMs, code: c.code, topicPrefix: c.topicPrefix, limit: c.limit } };
}
