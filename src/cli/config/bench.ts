import { Type, type Static } from '@sinclair/typebox';

/** Cameras of the simulated plant of `bench dashboard` and `bench evidence` when --cameras is not given. */
export const PLANT_CAMERAS = 50;

/** Everything `seamline bench` can be told besides its target, by flag or config file (flags win). */
export const BenchConfigSchema = Type.Object(
  {
    json: Type.Boolean({ description: 'Print one JSON object as the last line.' }),
    events: Type.Integer({
      minimum: 2,
      maximum: 100_000_000,
      description: 'edge: events accepted plus drained; consumer: events per throughput phase.',
    }),
    rounds: Type.Integer({
      minimum: 1,
      maximum: 100,
      description: 'consumer: ceiling-then-consumer rounds; the median ratio is reported.',
    }),
    lagRate: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'consumer: paced events/s of the lag phase.' }),
    lagSeconds: Type.Integer({ minimum: 1, maximum: 86_400, description: 'consumer: length of the lag phase in seconds.' }),
    evidenceRate: Type.Integer({
      minimum: 0,
      maximum: 1_000,
      description: 'consumer: evidence images per second beside the events, each round paired with a run without (0: none).',
    }),
    store: Type.Union([Type.Literal('duckdb'), Type.Literal('postgres'), Type.Literal('influxdb'), Type.Literal('victoriametrics')], {
      description: 'consumer: the store the consumer writes into; a server store is started by the bench on loopback.',
    }),
    profile: Type.Boolean({ description: 'consumer: CPU-profile the consumer runs (where the time goes).' }),
    images: Type.Integer({ minimum: 10, maximum: 10_000_000, description: 'evidence: images written to each store.' }),
    days: Type.Integer({ minimum: 1, maximum: 365, description: 'evidence: days the images are spread over, ending now.' }),
    model: Type.Optional(Type.String({ minLength: 1, description: 'inference: an ONNX model of yours, timed beside the bundled one.' })),
    seconds: Type.Integer({ minimum: 1, maximum: 3600, description: 'inference: seconds of each end-to-end run.' }),
    threads: Type.Integer({ minimum: 1, maximum: 64, description: 'inference: onnxruntime intra-op threads.' }),
    realistic: Type.Boolean({ description: 'inference: also time the YOLOv8n-shaped random-weights graph.' }),
    cameras: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1_000,
        description: `dashboard, evidence: cameras of the simulated plant (default ${PLANT_CAMERAS}); inference: synthetic cameras at 5 fps on one shared model, run after one camera alone (default 0: not run).`,
      }),
    ),
    batch: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: 64 }), {
        minItems: 1,
        maxItems: 16,
        description: 'inference: batch sizes; the bundled model ms per frame, N runs of one frame against one run of N frames.',
      }),
    ),
    rate: Type.Integer({ minimum: 1, maximum: 1_000, description: 'dashboard: events per second per camera (DuckDB).' }),
    hours: Type.Integer({ minimum: 1, maximum: 24, description: 'dashboard: hours of plant time loaded.' }),
    runs: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1_000,
        description: 'dashboard: timed runs of each panel per window; evidence: of each request (20); start: runs of each figure (5).',
      }),
    ),
    pgFull: Type.Boolean({ description: 'dashboard: load PostgreSQL at the full rate too, instead of a tenth.' }),
    stores: Type.Union([Type.Literal('duckdb,postgres'), Type.Literal('duckdb'), Type.Literal('postgres')], {
      description: 'dashboard, evidence: stores to load and time (for evidence, duckdb is the folder beside the DuckDB file).',
    }),
    quick: Type.Boolean({ description: 'all: small counts for every bench (CI), each figure still measured.' }),
    report: Type.Optional(Type.String({ minLength: 1, description: 'all: write a report here, .html or .md, charts as SVG beside it.' })),
  },
  { additionalProperties: false, title: 'seamline bench config' },
);

export type BenchConfig = Static<typeof BenchConfigSchema>;

export const BENCH_DEFAULTS: BenchConfig = {
  json: false,
  events: 200_000,
  rounds: 3,
  lagRate: 2_000,
  lagSeconds: 15,
  evidenceRate: 0,
  store: 'duckdb',
  profile: true,
  images: 10_000,
  days: 7,
  seconds: 10,
  threads: 1,
  realistic: true,
  rate: 10,
  hours: 24,
  pgFull: false,
  stores: 'duckdb,postgres',
  quick: false,
};

/** `seamline chaos` takes only --json besides its scenario; a config file may set it too. */
export const ChaosConfigSchema = Type.Object(
  {
    json: Type.Boolean({ description: 'One JSON object per scenario, the last line holding all of them.' }),
    partitionSeconds: Type.Integer({
      minimum: 1,
      maximum: 86_400,
      description: 'partition: how long the edge cannot reach the broker, seconds.',
    }),
    events: Type.Optional(
      Type.Integer({
        minimum: 1_000,
        maximum: 10_000_000,
        description: 'every scenario but partition (which runs for a time and passes 100,000 by itself): events each is run with.',
      }),
    ),
  },
  { additionalProperties: false, title: 'seamline chaos config' },
);

export type ChaosConfig = Static<typeof ChaosConfigSchema>;

export const CHAOS_DEFAULTS: ChaosConfig = { json: false, partitionSeconds: 120 };
