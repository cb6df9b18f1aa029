/**
 * The cameras of `seamline edge`: one camera's pipeline (frames -> detector -> bridge), which the one-camera
 * path starts too, and `--cameras FILE`, where every camera gets its own bridge and pipeline on one shared model.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { createBridge } from '../../edge/bridge/bridge.ts';
import { cameraEvidence, evidenceStatus } from '../../edge/camera-evidence.ts';
import { CameraPipeline } from '../../edge/camera-pipeline.ts';
import type { Detector } from '../../edge/detector/detector.ts';
import { OnnxDetector } from '../../edge/detector/onnx-detector.ts';
import { SharedDetector } from '../../edge/detector/shared-detector.ts';
import { bridgeOptionsOf, type CameraEntry, checkCamerasConfig, type EdgeConfig, readCamerasFile } from '../config/edge.ts';
import { captureSettings } from '../config/evidence-flags.ts';
import { detectorOptions, type InferenceConfig, openSource } from '../config/inference-flags.ts';
import { passwordFromEnv, type TlsFiles } from '../config/tls-files.ts';
import { createLogger } from '../process/logger.ts';
import { serveMetrics, type MetricsServer } from '../process/metrics-server.ts';
import { onShutdown } from '../process/shutdown.ts';
import { withListenFlags } from '../config/listen-flags.ts';
import { type CameraDiskShare, cameraDiskShares } from './camera-disk-shares.ts';

/** frames -> detector -> bridge for one camera: its source opened (paced; a stream with its own watchdog) and running. */
export async function startPipeline(
  config: InferenceConfig,
  detector: Detector,
  bridge: Pick<ReturnType<typeof createBridge>, 'accept'>,
  evidence: ReturnType<typeof cameraEvidence>['capture'] | undefined,
  logger: Logger,
): Promise<CameraPipeline> {
  const source = await openSource(config, { logger, paced: true });
  const pipeline = new CameraPipeline({
    source,
    detector,
    sink: (input) => bridge.accept(input),
    evidence,
    logger: logger.child({ box: 'inference' }),
  });
  await pipeline.start();
  const { model } = detector;
  logger.info({ source: source.kind, model: model.name, layout: model.layout, input: model.input }, 'camera pipeline running');
  return pipeline;
}

interface RunningCamera {
  name: string;
  pipeline: CameraPipeline;
  /** The bridge's counters, and the pipeline's (frames, model, evidence): what /healthz shows of the camera. */
  stats(): Record<string, unknown>;
  stop(): Promise<void>;
}

type BaseBridgeOptions = ReturnType<typeof bridgeOptionsOf> & TlsFiles & { password?: string; logger: Logger };

/**
 * One camera of `--cameras`: its own bridge (client id `<clientId>-<camera>`, so its own status topic and will;
 * outbox in `<dataDir>/<camera>` bounded to its share of the host's disk; its own seq and series on the host's registry), its
 * evidence if on (its image queue bounded to its share), and its pipeline on its own handle of the shared detector.
 */
async function startCamera(
  cam: CameraEntry,
  disk: CameraDiskShare,
  config: EdgeConfig,
  shared: SharedDetector,
  base: BaseBridgeOptions,
  registry: Registry,
): Promise<RunningCamera> {
  const logger = base.logger.child({ camera: cam.camera });
  const options = {
    ...base,
    camera: cam.camera,
    clientId: `${config.clientId}-${cam.camera}`,
    dataDir: join(config.dataDir, cam.camera),
    maxBytes: disk.maxBytes,
    replayMaxBytes: disk.replayMaxBytes,
    logger,
  };
  mkdirSync(options.dataDir, { recursive: true });
  const queue = { maxBytes: disk.evidenceQueueBytes, maxBytesPerSecond: config.evidenceBytesPerSecond };
  const evidence = config.evidence ? cameraEvidence(options, registry, captureSettings(config), queue) : undefined;
  let pipeline: CameraPipeline | undefined;
  const evidenceCounters = () => (evidence ? evidenceStatus(pipeline?.stats().evidence, evidence.transport.stats()) : {});
  const bridge = createBridge({ ...options, registry, statusExtra: () => ({ ...pipeline?.statusCounters(), ...evidenceCounters() }) });
  // The bounds as the outbox and the image queue took them, not as they were asked for.
  const { maxBytes, replayMaxBytes } = bridge.outbox;
  logger.info({ maxBytes, replayMaxBytes, evidenceQueueBytes: evidence?.transport.queue.policy.maxBytes ?? 0 }, 'camera disk share');
  await bridge.start();
  evidence?.transport.start();
  const detector = shared.forCamera(cam.camera);
  const running = await startPipeline(
    { ...config, source: cam.source, fps: cam.fps ?? config.fps },
    detector,
    bridge,
    evidence?.capture,
    logger,
  );
  pipeline = running;
  // Once: a camera whose source ended stops alone, and the process's stop asks again.
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= stopCamera());
  const stopCamera = async () => {
    await running.stop();
    await detector.close();
    logger.info(running.stats(), 'camera pipeline stopped');
    await evidence?.transport.drain(5_000);
    await evidence?.transport.close();
    await bridge.close();
    const s = bridge.stats();
    logger.info({ accepted: s.accepted, acked: s.acked, left_in_outbox: s.outbox_depth, dropped: s.dropped }, 'edge bridge stopped');
  };
  return { name: cam.camera, pipeline: running, stats: () => ({ bridge: bridge.stats(), pipeline: running.stats() }), stop };
}

/**
 * GET /metrics (every camera's series) and GET /healthz (each camera's bridge and pipeline counters) on
 * --http-host:--http-port. Records are not taken over HTTP with --cameras: each camera's events come from its model.
 */
async function serveCameras(config: EdgeConfig, registry: Registry, cameras: RunningCamera[]): Promise<MetricsServer | undefined> {
  if (config.httpPort < 0) return undefined;
  const health = () => ({ ok: true, cameras: Object.fromEntries(cameras.map((c) => [c.name, c.stats()])) });
  return withListenFlags({ port: '--http-port', host: '--http-host' }, () =>
    serveMetrics([registry], config.httpHost, config.httpPort, health, '/healthz'),
  );
}

/** `seamline edge --cameras FILE`: the model loaded once and shared round-robin, one bridge and pipeline per camera. */
export async function runCameras(config: EdgeConfig, tls: TlsFiles): Promise<void> {
  const logger = createLogger(config.logLevel);
  checkCamerasConfig(config);
  const entries = readCamerasFile(config.cameras!);
  const disk = cameraDiskShares(entries, config);
  const shared = new SharedDetector(await OnnxDetector.open(detectorOptions(config)));
  const base: BaseBridgeOptions = { ...bridgeOptionsOf(config), password: passwordFromEnv(), ...tls, logger };
  // One registry: every camera's series on it, labelled by its client id (plumbing/shared-series.ts).
  const registry = new Registry();
  const cameras: RunningCamera[] = [];
  for (const [i, cam] of entries.entries()) cameras.push(await startCamera(cam, disk[i], config, shared, base, registry));
  const metrics = await serveCameras(config, registry, cameras).catch(async (err) => {
    await Promise.all(cameras.map((c) => c.stop()));
    await shared.close();
    throw err;
  });
  let stopping: Promise<void> | undefined;
  const stopAll = async () => {
    await Promise.all(cameras.map((c) => c.stop()));
    await metrics?.close();
    logger.info(shared.stats(), 'shared detector stopped');
    await shared.close();
  };
  const stop = () => (stopping ??= stopAll());
  onShutdown(logger, stop);
  const names = cameras.map((c) => c.name);
  const totals = { maxBytes: config.maxBytes, evidenceQueueBytes: config.evidence ? config.evidenceQueueBytes : 0 };
  logger.info(
    { clientId: config.clientId, cameras: names, dataDir: config.dataDir, model: shared.model.name, http: metrics?.url, ...totals },
    'edge cameras running',
  );
  // A camera whose file or folder ended stops alone (its bridge sends what it holds and says it is offline);
  // the others go on. Once every camera's source has ended, the command exits.
  for (const c of cameras) void c.pipeline.done.then(() => stopping ?? c.stop());
  void Promise.all(cameras.map((c) => c.pipeline.done)).then(async () => {
    if (stopping) return;
    logger.info(shared.stats(), 'every source ended');
    await stop();
    process.exit(0);
  });
}
