import { hostname } from 'node:os';
import { Type, type Static } from '@sinclair/typebox';
import { Identifier } from '../../contract/index.ts';
import type { BridgeOptions } from '../../edge/bridge/options.ts';
import { EVIDENCE_DEFAULTS, EvidenceConfigFields } from './evidence-flags.ts';
import { INFERENCE_DEFAULTS, InferenceConfigFields } from './inference-flags.ts';
import { LogLevelSchema } from './log-level.ts';

/** Everything `seamline edge` can be told, by flag or config file (flags win). */
export const EdgeConfigSchema = Type.Object(
  {
    url: Type.String({ pattern: '^mqtts?://', description: 'Broker URL.', 'x-reason': 'must start with mqtt:// or mqtts://' }),
    protocol: Type.Union([Type.Literal(5), Type.Literal(4)]),
    clientId: Type.String({ minLength: 1, maxLength: 128 }),
    region: Identifier('Region of this camera host.'),
    site: Identifier('Site of this camera host.'),
    camera: Identifier('Camera of records that name none, and of the status topic.'),
    dataDir: Type.String({ minLength: 1, description: 'Outbox directory (LMDB), on local disk.' }),
    maxBytes: Type.Integer({
      minimum: 1_048_576,
      description: 'Outbox byte bound: events not yet acknowledged and the replay window together.',
    }),
    replayMaxBytes: Type.Integer({
      minimum: 0,
      description: 'Byte bound of the replay window (acknowledged events kept for repair); 0 turns it off.',
    }),
    replayMaxAge: Type.Integer({
      minimum: 0,
      maximum: 30 * 86_400,
      description: 'Seconds an acknowledged event stays in the replay window.',
    }),
    overflow: Type.Union([Type.Literal('drop-oldest'), Type.Literal('reject-new')]),
    fsync: Type.Union([Type.Literal('always'), Type.Literal('batch'), Type.Literal('never')]),
    maxInFlight: Type.Integer({ minimum: 1, maximum: 65_535 }),
    heartbeat: Type.Integer({ minimum: 1, maximum: 3600, description: 'Seconds between status heartbeats.' }),
    username: Type.Optional(Type.String()),
    ca: Type.Optional(Type.String()),
    cert: Type.Optional(Type.String()),
    key: Type.Optional(Type.String()),
    httpHost: Type.String({ minLength: 1 }),
    httpPort: Type.Integer({
      minimum: -1,
      maximum: 65535,
      description: 'POST /detections, GET /metrics, GET /healthz; -1 off, 0 any free port.',
    }),
    stdin: Type.Boolean({ description: 'Read NDJSON records from stdin; exits when stdin ends.' }),
    simulate: Type.Number({ minimum: 0, maximum: 10_000, description: 'Also feed a simulated camera at this many events/s (0 off).' }),
    logLevel: LogLevelSchema,
    // Edge inference: frames from --source through --model into this bridge (docs/inference.md).
    ...InferenceConfigFields,
    // Evidence: images of the frames the capture policy picks, sent beside the events (docs/evidence.md).
    ...EvidenceConfigFields,
  },
  { additionalProperties: false, title: 'seamline edge config' },
);

export type EdgeConfig = Static<typeof EdgeConfigSchema>;

/**
 * The keys of an edge config that are the bridge's own options, under the same names: the command hands
 * them over without renaming one. `ca`, `cert` and `key` are not among them: here they name PEM files, which
 * the command reads into the bridge's options of the same names; the password comes from the environment.
 */
const BRIDGE_KEYS = [
  'url',
  'protocol',
  'clientId',
  'region',
  'site',
  'camera',
  'dataDir',
  'maxBytes',
  'replayMaxBytes',
  'replayMaxAge',
  'overflow',
  'fsync',
  'maxInFlight',
  'heartbeat',
  'username',
] as const satisfies readonly (keyof EdgeConfig & keyof BridgeOptions)[];

/** The bridge options an edge config sets; a key renamed on either side fails to compile here. */
export function bridgeOptionsOf(config: EdgeConfig): Pick<BridgeOptions, (typeof BRIDGE_KEYS)[number]> {
  const picked: Partial<Pick<EdgeConfig, (typeof BRIDGE_KEYS)[number]>> = {};
  for (const key of BRIDGE_KEYS) (picked as Record<string, unknown>)[key] = config[key];
  return picked as Pick<EdgeConfig, (typeof BRIDGE_KEYS)[number]>;
}

const host =
  hostname()
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
    .slice(0, 64) || 'edge';

export const EDGE_DEFAULTS: EdgeConfig = {
  url: 'mqtt://127.0.0.1:1883',
  protocol: 5,
  clientId: `seamline-edge-${host}`,
  region: 'default',
  site: 'default',
  camera: host,
  dataDir: './data/edge',
  maxBytes: 4 * 1024 ** 3,
  // A day of a busy camera: 30 events/s of ~600 bytes is ~1.5 GiB a day (docs/edge.md).
  replayMaxBytes: 2 * 1024 ** 3,
  replayMaxAge: 86_400,
  overflow: 'drop-oldest',
  fsync: 'always',
  maxInFlight: 1000,
  heartbeat: 10,
  httpHost: '127.0.0.1',
  httpPort: 8787,
  stdin: false,
  simulate: 0,
  logLevel: 'info',
  ...INFERENCE_DEFAULTS,
  ...EVIDENCE_DEFAULTS,
};
