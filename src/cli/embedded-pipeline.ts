import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { startEmbeddedBroker, type RunningBroker } from '../broker/embedded.ts';
import { startConsumer, type RunningConsumer } from '../consumer/consumer.ts';
import { startDashboard, type Dashboard } from '../dashboard/server.ts';
import { createBridge, type Bridge } from '../edge/bridge.ts';
import { SimulatedCamera } from '../edge/simulated-camera.ts';
import { DuckDbStore } from '../store/duckdb.ts';
import { alertRoutes } from '../alerting/http-routes.ts';
import { alertsConfigFor, openAlerting, type RunningAlerting } from './alerting-service.ts';
import type { StartConfig } from './start-config.ts';

export interface EmbeddedPipeline {
  broker: RunningBroker;
  store: DuckDbStore;
  consumer: RunningConsumer;
  dashboard: Dashboard;
  cameras: { camera: SimulatedCamera; bridge: Bridge }[];
  /** The alerting engine over the same DuckDB file, unless alerts are off. */
  alerting: RunningAlerting | undefined;
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
 * Everything `seamline start` runs in one process: Aedes, one consumer into DuckDB, the dashboard,
 * and simulated cameras that publish through the real edge bridge.
 */
export async function startEmbeddedPipeline(config: StartConfig, logger: Logger): Promise<EmbeddedPipeline> {
  const dataDir = resolve(config.dataDir);
  // Validated before anything starts: a bad rule stops `seamline start` with its field named.
  const alertsConfig = alertsConfigFor(config.alerts);
  const broker = await startEmbeddedBroker({ host: config.host, port: config.mqttPort });
  const store = new DuckDbStore({ path: join(dataDir, 'seamline.duckdb') });
  await store.open();
  const consumer = await startConsumer({
    url: broker.url,
    protocolVersion: 4,
    clientId: 'seamline-consumer-1',
    store,
    logger: logger.child({ box: 'consumer' }),
  });
  const stats = consumer.ingestor.stats;
  const dbPath = join(dataDir, 'seamline.duckdb');
  const alerting = alertsConfig ? await openAlerting(alertsConfig, store, { kind: 'duckdb', url: dbPath }, logger.child({ box: 'alerting' })) : undefined;
  const dashboard = await startDashboard({
    reader: store,
    host: config.host,
    port: config.httpPort,
    logger: logger.child({ box: 'dashboard' }),
    plugins: alerting ? [alertRoutes(alerting.engine)] : [],
    metrics: alerting?.engine.metrics.registry,
    extra: async () => ({
      received: stats.received,
      dead_lettered: stats.deadLettered,
      duplicates: stats.duplicates,
      in_flight: consumer.session.inFlight,
      last_commit_ms: stats.lastCommitMs,
    }),
  });

  const cameras: EmbeddedPipeline['cameras'] = [];
  for (const { site, camera } of cameraLayout(config.cameras, config.sites)) {
    const bridge = createBridge({
      brokerUrl: broker.url,
      protocolVersion: 4,
      clientId: `seamline-edge-${site}-${camera}`,
      region: config.region,
      site,
      camera,
      dataDir: join(dataDir, 'edge', `${site}-${camera}`),
      logger: logger.child({ box: 'edge', camera }),
    });
    await bridge.start();
    const sim = new SimulatedCamera({ camera, eventsPerSecond: config.rate });
    await sim.start((input) => bridge.accept(input));
    cameras.push({ camera: sim, bridge });
  }
  alerting?.start();

  return {
    broker,
    store,
    consumer,
    dashboard,
    cameras,
    alerting,
    async stop(timeoutMs = 9_000) {
      const deadline = Date.now() + timeoutMs;
      const left = () => Math.max(500, deadline - Date.now());
      await alerting?.close();
      await Promise.all(cameras.map((c) => c.camera.stop()));
      // Bridges wait (bounded) for their last PUBACKs; what is still unsent stays in their outboxes on disk.
      await Promise.all(cameras.map((c) => c.bridge.close()));
      // Aedes keeps queued messages in memory only: let the consumer take everything the broker
      // acknowledged before stopping it, or those messages would be gone with the process.
      const published = cameras.reduce((sum, c) => sum + c.bridge.stats().acked, 0);
      while (stats.receivedEvents < published && deadline - Date.now() > 1_500) await new Promise((r) => setTimeout(r, 25));
      await consumer.stop(left() - 1_000);
      await dashboard.close();
      await store.close();
      await broker.close();
    },
  };
}
