import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Type, type Static } from '@sinclair/typebox';
import type { Command } from 'commander';
import { assertValid, compile, Identifier, isSeamError, SeamError } from '../../contract/index.ts';
import type { BridgeOptions } from '../../edge/bridge/options.ts';
import { EVIDENCE_DEFAULTS, EvidenceConfigFields } from './evidence-flags.ts';
import { INFERENCE_DEFAULTS, InferenceConfigFields } from './inference-flags.ts';
import { choiceOption, integerFlag, numberFlag } from './flags.ts';
import { LogLevelSchema } from './log-level.ts';
import { PASSWORD_ENV } from './tls-files.ts';

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
    cameras: Type.Optional(
      Type.String({ minLength: 1, description: 'JSON file listing the cameras this host runs the model for (CamerasFileSchema).' }),
    ),
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

/**
 * One camera of `seamline edge --cameras FILE`: its name, its frames, its pace, and optionally its own share of the
 * host's disk bounds (camera-disk-shares.ts); the rest comes from the command line or config.
 */
export const CameraEntrySchema = Type.Object(
  {
    camera: Identifier('Camera name: its events, seq, status topic, client id suffix and outbox folder.'),
    source: Type.String({ minLength: 1, description: 'Video file, stream URL, image or folder of images, or "synthetic".' }),
    fps: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'At most this many frames a second.' })),
    maxBytes: Type.Optional(
      Type.Integer({ minimum: 1_048_576, description: "This camera's outbox bound, out of --max-bytes (the host's total)." }),
    ),
    evidenceQueueBytes: Type.Optional(
      Type.Integer({ minimum: 1_048_576, description: "This camera's image queue bound, out of --evidence-queue-bytes." }),
    ),
  },
  { additionalProperties: false },
);

export const CamerasFileSchema = Type.Object(
  { cameras: Type.Array(CameraEntrySchema, { description: 'The cameras of this host, at least one, names unique.' }) },
  { additionalProperties: false, title: 'seamline edge cameras file' },
);

export type CameraEntry = Static<typeof CameraEntrySchema>;

const validateCameras = compile<Static<typeof CamerasFileSchema>>(CamerasFileSchema);

function camerasError(path: string, field: string, reason: string, cause?: unknown): SeamError {
  return new SeamError('SEAM_ERR_CONFIG', `cameras file ${path}: ${reason}`, { field, cause });
}

/**
 * Reads and checks a `--cameras` file:
 * `{ "cameras": [ { "camera", "source", "fps"?, "maxBytes"?, "evidenceQueueBytes"? }, ... ] }`. An unreadable file, bad JSON, a field the schema refuses, an empty list or a camera named twice is a SEAM_ERR_CONFIG naming
 * the file and the field (`cameras[2].camera`).
 */
export function readCamerasFile(path: string): CameraEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw camerasError(path, 'cameras', `cannot be read as JSON: ${(cause as Error).message}`, cause);
  }
  try {
    assertValid(validateCameras, value, 'seamline edge cameras file');
  } catch (err) {
    if (!isSeamError(err)) throw err;
    throw camerasError(path, err.field ?? 'cameras', err.message, err);
  }
  const { cameras } = value;
  if (cameras.length === 0) throw camerasError(path, 'cameras', 'cameras is empty: list at least one camera');
  const seen = new Map<string, number>();
  cameras.forEach((c, i) => {
    const first = seen.get(c.camera);
    if (first !== undefined)
      throw camerasError(path, `cameras[${i}].camera`, `cameras[${i}].camera "${c.camera}" is already cameras[${first}]`);
    seen.set(c.camera, i);
  });
  return cameras;
}

/**
 * What `--cameras` cannot be combined with: the file names each camera's source, and the HTTP, stdin and
 * simulated inputs feed one bridge while `--cameras` runs one bridge per camera.
 */
export function checkCamerasConfig(config: EdgeConfig): void {
  if (config.cameras === undefined) return;
  if (config.source !== undefined) {
    throw new SeamError('SEAM_ERR_CONFIG', 'source (--source) is not used with --cameras: each camera of the file names its own', {
      field: 'source',
    });
  }
  if (!config.model)
    throw new SeamError('SEAM_ERR_CONFIG', 'model is required with --cameras (--model file.onnx): the cameras share it', {
      field: 'model',
    });
  if (config.stdin)
    throw new SeamError('SEAM_ERR_CONFIG', 'stdin (--stdin) is not available with --cameras: it feeds one bridge', { field: 'stdin' });
  if (config.simulate > 0) {
    throw new SeamError('SEAM_ERR_CONFIG', 'simulate (--simulate) is not available with --cameras: it feeds one bridge', {
      field: 'simulate',
    });
  }
}

/** The flags of `seamline edge` for its bridge, its inputs and `--cameras` (the inference and evidence flags are added beside them). */
export function addEdgeOptions(cmd: Command): Command {
  const d = EDGE_DEFAULTS;
  return cmd
    .option('--url <url>', `broker, mqtt:// or mqtts:// (default ${d.url})`)
    .addOption(choiceOption('--protocol <version>', `MQTT version (default ${d.protocol})`, [5, 4]))
    .option('--client-id <id>', `stable client id of this host (default ${d.clientId})`)
    .option('--region <name>', `region (default ${d.region})`)
    .option('--site <name>', `site (default ${d.site})`)
    .option('--camera <name>', `camera of records that name none (default ${d.camera})`)
    .option('--data-dir <dir>', `outbox directory on local disk (default ${d.dataDir})`)
    .option('--max-bytes <n>', `outbox byte bound, unsent events and replay window together (default ${d.maxBytes})`, integerFlag)
    .option('--replay-max-bytes <n>', `bytes of acknowledged events kept for repair; 0 off (default ${d.replayMaxBytes})`, integerFlag)
    .option('--replay-max-age <s>', `seconds an acknowledged event is kept for repair (default ${d.replayMaxAge})`, integerFlag)
    .addOption(choiceOption('--overflow <policy>', `when the outbox is full (default ${d.overflow})`, ['drop-oldest', 'reject-new']))
    .addOption(choiceOption('--fsync <policy>', `what a power loss may cost (default ${d.fsync})`, ['always', 'batch', 'never']))
    .option('--max-in-flight <n>', `PUBLISHes awaiting PUBACK (default ${d.maxInFlight})`, integerFlag)
    .option('--heartbeat <s>', `seconds between status heartbeats (default ${d.heartbeat})`, integerFlag)
    .option('--username <name>', `MQTT user; the password is read from $${PASSWORD_ENV}`)
    .option('--ca <file>', 'CA certificate (PEM) for mqtts://')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'client key (PEM)')
    .option('--http-host <address>', `HTTP input address (default ${d.httpHost})`)
    .option('--http-port <port>', `POST /detections, GET /metrics and /healthz; -1 off (default ${d.httpPort})`, integerFlag)
    .option('--stdin', 'read NDJSON records from stdin and exit when it ends')
    .option('--simulate <events/s>', 'also feed a simulated camera (demos, soak tests)', numberFlag)
    .option(
      '--cameras <file>',
      'many cameras, one model: JSON {"cameras": [{"camera": "cam-1", "source": "synthetic"|file|URL, "fps": 5}, ...]}; ' +
        'the model loads once and the cameras take turns; each camera gets its own bridge (client id <client-id>-<camera>, ' +
        "status topic and will, outbox in <data-dir>/<camera>, seq); --max-bytes and --evidence-queue-bytes are the host's " +
        'totals, split equally (a camera may set its own "maxBytes", "evidenceQueueBytes"); not with --source, --stdin, --simulate; no HTTP input',
    );
}
