import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { clockMetrics } from '../../consumer/clock-metrics.ts';
import { startConsumer, type RunningConsumer } from '../../consumer/consumer.ts';
import { startDashboard, type Dashboard } from '../../dashboard/server.ts';
import { createBridge, type Bridge, type BridgeOptions } from '../../edge/bridge/bridge.ts';
import { CameraPipeline } from '../../edge/camera-pipeline.ts';
import { BUNDLED_MODEL } from '../../edge/detector/model/bundled-model.ts';
import { OnnxDetector } from '../../edge/detector/onnx-detector.ts';
import { SyntheticSource } from '../../edge/frames/synthetic-source.ts';
import { SimulatedCamera } from '../../edge/inputs/simulated-camera.ts';
import { DuckDbStore } from '../../store/duckdb/store.ts';
import { evidenceDirFor } from '../../store/evidence/directory-layout.ts';
import { DirectoryEvidenceStore } from '../../store/evidence/directory-store.ts';
import { cameraEvidence, evidenceStatus } from '../../edge/camera-evidence.ts';
import type { EvidenceTransport } from '../../edge/evidence-queue/transport.ts';
import { Registry } from 'prom-client';
import { alertRoutes, alertViews } from '../../alerting/http-routes.ts';
import { alertsConfigFor, openAlerting, type RunningAlerting } from './alerting-service.ts';
import { dashboardShifts } from './dashboard-shifts.ts';
import { shiftCalendarFrom } from '../../alerting/shifts/calendar-source.ts';
import { withListenFlags } from '../config/listen-flags.ts';
import { boundedStep } from '../../plumbing/bounded-step.ts';
import { embeddedBroker, existingBroker, type PipelineBroker } from './pipeline-broker.ts';
import type { StartConfig } from '../config/start.ts';

/**
 * The group of `seamline start`'s consumer on a broker that offers shared subscriptions. Not the default
 * `seamline`: consumers of the distributed shape on the same broker would otherwise split the traffic with it.
 */
export const START_GROUP = 'seamline-start';

export interface EmbeddedPipeline {
  broker: PipelineBroker;
  store: DuckDbStore;
  consumer: RunningConsumer;
  dashboard: Dashboard;
  cameras: { camera: SimulatedCamera; bridge: Bridge }[];
  /** The alerting engine over the same DuckDB file, unless alerts are off. */
  alerting: RunningAlerting | undefined;
  /**
   * The camera that runs the real detector (bundled model, synthetic conveyor), unless --no-inference or
   * --cameras 0. It starts in the background (loading a model in a worker thread takes seconds on a busy
   * machine, which the dashboard and the simulated cameras need not wait for); a model that fails to load
   * is logged and leaves the rest running.
   */
  inference?: Promise<InferenceCamera | undefined>;
  /** Stops producers first and the broker last, so everything the broker accepted is committed. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Camera i of n: sites are filled round-robin, names are stable across restarts (outbox dirs use them). */
export function cameraLayout(cameras: number, sites: number): { site: string; camera: string }[] {
  return Array.from({ length: cameras }, (_, i) => ({
    site: `site-${(i % sites) + 1}`,
    camera: `cam-${String(i + 1).padStart(2, '0')}`,
  }));
}

/**
 * Everything `seamline start` runs in one process: a broker (Aedes, or the one `--broker` names), one
 * consumer into DuckDB, the dashboard with alerting, and simulated cameras that publish through the real edge bridge.
 * Listeners open before anything subscribes or publishes; if a step fails, what was started is stopped in
 * reverse order before the error is thrown, so a busy port costs nothing that was acknowledged.
 */
export async function startEmbeddedPipeline(config: StartConfig, logger: Logger): Promise<EmbeddedPipeline> {
  const dataDir = resolve(config.dataDir);
  // Validated before anything starts: a bad rule stops `seamline start` with its field named.
  const alertsConfig = alertsConfigFor(config.alerts);
  // The page's shift ranges: the alerts config's shifts, else the start config's own (alerting/shifts/calendar-source.ts).
  const calendar = shiftCalendarFrom({ alerts: alertsConfig, section: config, builtInAlerts: config.alerts === 'default' });
  const opened: (() => Promise<unknown>)[] = [];
  try {
    const broker = config.broker ? await existingBroker(config.broker) : await embeddedBroker(config.host, config.mqttPort);
    opened.push(() => broker.close());
    const dbPath = join(dataDir, 'seamline.duckdb');
    const store = new DuckDbStore({ path: dbPath });
    await store.open();
    opened.push(() => store.close());
    // The conveyor camera's images land beside the DuckDB file, as `seamline consumer` keeps them (docs/evidence.md).
    const evidence = new DirectoryEvidenceStore({ dir: evidenceDirFor(dbPath), logger: logger.child({ box: 'consumer' }) });
    await evidence.open();
    opened.push(() => evidence.close());
    const alerting = alertsConfig ? await openAlerting(alertsConfig, store, logger.child({ box: 'alerting' }), evidence) : undefined;
    if (alerting) opened.push(() => alerting.close());
    let consumer: RunningConsumer | undefined;
    const dashboard = await withListenFlags({ port: '--http-port', host: '--host' }, () =>
      startDashboard({
        reader: store,
        host: config.host,
        port: config.httpPort,
        logger: logger.child({ box: 'dashboard' }),
        // The consumer's writer, read in the same process: the page shows images as they are stored.
        evidence,
        plugins: alerting ? [alertRoutes(alerting.engine)] : [],
        metrics: alerting?.engine.metrics.registry,
        alerts: alerting ? () => alertViews(alerting.engine.instances()) : undefined,
        shifts: dashboardShifts(calendar, store, { evidence, partClass: alertsConfig?.handover?.partClass }),
        extra: async () => {
          const stats = consumer?.ingestor.stats;
          return {
            received: stats?.received ?? 0,
            dead_lettered: stats?.deadLettered ?? 0,
            duplicates: stats?.duplicates ?? 0,
            in_flight: consumer?.session.inFlight ?? 0,
            last_commit_ms: stats?.lastCommitMs ?? 0,
          };
        },
      }),
    );
    opened.push(() => dashboard.close());
    alerting?.engine.linkDashboard(dashboard.url);
    const running = await startConsumer({
      url: broker.url,
      protocol: broker.protocolVersion,
      share: broker.sharedSubscriptions,
      group: START_GROUP,
      clientId: 'seamline-start-consumer',
      store,
      evidence,
      logger: logger.child({ box: 'consumer' }),
    });
    consumer = running;
    opened.push(() => running.stop(2_000));

    const cameras: EmbeddedPipeline['cameras'] = [];
    for (const { site, camera } of cameraLayout(config.cameras, config.sites)) {
      const bridge = createBridge(cameraBridgeOptions(broker, config, dataDir, logger, { site, camera }));
      opened.push(() => bridge.close());
      await bridge.start();
      const sim = new SimulatedCamera({ camera, eventsPerSecond: config.rate });
      opened.push(() => sim.stop());
      await sim.start((input) => bridge.accept(input));
      cameras.push({ camera: sim, bridge });
    }
    // --cameras 0 means "no cameras, wait for real bridges": the inference camera is one of the cameras.
    const inference =
      config.inference && config.cameras > 0
        ? startInferenceCamera(config, broker, dataDir, logger).catch((err: Error) => {
            logger.error({ err: err.message }, 'the inference camera did not start');
            return undefined;
          })
        : undefined;
    if (alerting) clockMetrics(alerting.engine.metrics.registry, store);
    alerting?.start();
    return pipeline(broker, store, running, dashboard, cameras, alerting, inference, logger);
  } catch (err) {
    for (const close of opened.reverse()) await close().catch(() => {});
    throw err;
  }
}

function pipeline(
  broker: PipelineBroker,
  store: DuckDbStore,
  consumer: RunningConsumer,
  dashboard: Dashboard,
  cameras: EmbeddedPipeline['cameras'],
  alerting: RunningAlerting | undefined,
  inference: Promise<InferenceCamera | undefined> | undefined,
  logger: Logger,
): EmbeddedPipeline {
  const stats = consumer.ingestor.stats;
  return {
    broker,
    store,
    consumer,
    dashboard,
    cameras,
    alerting,
    inference,
    async stop(timeoutMs = 9_000) {
      const deadline = Date.now() + timeoutMs;
      const left = () => Math.max(500, deadline - Date.now());
      // Every step is bounded: one that hangs is logged by name and the store is still closed (plumbing/bounded-step.ts).
      // A loaded machine gets at least 5 s a step, past the deadline: the bound is there for a hang, not for slowness.
      const step = (name: string, work: () => unknown, ms = Math.max(5_000, left())) => boundedStep(logger, name, ms, work);
      await step('alerting', () => alerting?.close());
      let camera: InferenceCamera | undefined;
      await step('inference camera start', async () => (camera = await inference));
      await step('cameras', () => Promise.all([...cameras.map((c) => c.camera.stop()), camera?.pipeline.stop()]));
      await step('detector', () => camera?.detector.close());
      await step('images', async () => {
        await camera?.evidence.drain(1_000);
        await camera?.evidence.close();
      });
      // Bridges wait (bounded) for their last PUBACKs; what is still unsent stays in their outboxes on disk.
      const bridges = [...cameras.map((c) => c.bridge), ...(camera ? [camera.bridge] : [])];
      await step('bridges', () => Promise.all(bridges.map((b) => b.close())));
      // Aedes keeps queued messages in memory only: let the consumer take everything the broker
      // acknowledged before stopping it, or those messages would be gone with the process. (An existing
      // broker keeps them in the consumer's session, but taking them now makes the stop line complete.)
      const published = bridges.reduce((sum, b) => sum + b.stats().acked, 0);
      while (stats.receivedEvents < published && deadline - Date.now() > 1_500) await new Promise((r) => setTimeout(r, 25));
      await step('consumer', () => consumer.stop(left() - 1_000), left() + 5_000);
      await step('dashboard', () => dashboard.close(), 3_000);
      await step('store', () => store.close(), 10_000);
      await step('broker', () => broker.close(), 3_000);
    },
  };
}

export interface InferenceCamera {
  camera: string;
  pipeline: CameraPipeline;
  detector: OnnxDetector;
  /** Its images' queue and publisher. */
  evidence: EvidenceTransport;
  bridge: Bridge;
  stop(): Promise<void>;
}

/** One camera through the real edge path: synthetic conveyor -> bundled ONNX model (worker thread) -> bridge. */
async function startInferenceCamera(
  config: StartConfig,
  broker: PipelineBroker,
  dataDir: string,
  logger: Logger,
): Promise<InferenceCamera> {
  const site = 'site-1';
  const camera = 'conveyor-1';
  const detector = await OnnxDetector.open({ model: BUNDLED_MODEL });
  let pipeline: CameraPipeline | undefined;
  const options = cameraBridgeOptions(broker, config, dataDir, logger, { site, camera });
  const registry = new Registry();
  // Evidence at the default policy: the first image of each class in seconds, then one a minute per class.
  const evidence = cameraEvidence(options, registry, {});
  const bridge = createBridge({
    ...options,
    registry,
    statusExtra: () => ({ ...pipeline?.statusCounters(), ...evidenceStatus(pipeline?.stats().evidence, evidence.transport.stats()) }),
  });
  await bridge.start();
  evidence.transport.start();
  pipeline = new CameraPipeline({
    source: new SyntheticSource({ fps: config.inferenceFps }),
    detector,
    sink: (input) => bridge.accept(input),
    evidence: evidence.capture,
    logger: logger.child({ box: 'inference', camera }),
  });
  await pipeline.start();
  const running = pipeline;
  return {
    camera,
    pipeline: running,
    detector,
    bridge,
    evidence: evidence.transport,
    async stop() {
      await running.stop();
      await detector.close();
      await evidence.transport.close();
      await bridge.close();
    },
  };
}

/** The bridge of one embedded camera: its own client id and outbox directory under the data directory. */
function cameraBridgeOptions(
  broker: PipelineBroker,
  config: StartConfig,
  dataDir: string,
  logger: Logger,
  { site, camera }: { site: string; camera: string },
): BridgeOptions {
  return {
    url: broker.url,
    protocol: broker.protocolVersion,
    clientId: `seamline-edge-${site}-${camera}`,
    region: config.region,
    site,
    camera,
    dataDir: join(dataDir, 'edge', `${site}-${camera}`),
    logger: logger.child({ box: 'edge', camera }),
  };
}
