import { Command } from 'commander';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { SeamError } from '../../contract/errors.ts';
import type { CameraPipeline } from '../../edge/camera-pipeline.ts';
import type { RunningHttpInput } from '../../edge/inputs/http.ts';
import type { RecordImages } from '../../edge/inputs/record-evidence.ts';
import { configFromFlags } from '../config/config-file.ts';
import { addEdgeOptions, bridgeOptionsOf, EDGE_DEFAULTS, EdgeConfigSchema, type EdgeConfig } from '../config/edge.ts';
import { addEvidenceOptions, captureSettings } from '../config/evidence-flags.ts';
import { addInferenceOptions, detectorOptions } from '../config/inference-flags.ts';
import type { cameraEvidence } from '../../edge/camera-evidence.ts';
import { logLevelOption } from '../config/log-level.ts';
import { createLogger } from '../process/logger.ts';
import { withListenFlags } from '../config/listen-flags.ts';
import { assertLoopback } from '../../plumbing/loopback.ts';
import { onShutdown } from '../process/shutdown.ts';
import { passwordFromEnv, readTlsFiles, type TlsFiles } from '../config/tls-files.ts';

/** What the edge runs, loaded only when it runs (its --help and flag errors need none of it). */
async function edgeBoxes() {
  const [bridge, detector, http, records, record, simulated, stdin, cameras, evidence, metrics] = await Promise.all([
    import('../../edge/bridge/bridge.ts'),
    import('../../edge/detector/onnx-detector.ts'),
    import('../../edge/inputs/http.ts'),
    import('../../edge/inputs/record-evidence.ts'),
    import('../../edge/inputs/record-image.ts'),
    import('../../edge/inputs/simulated-camera.ts'),
    import('../../edge/inputs/stdin.ts'),
    import('./edge-cameras.ts'),
    import('../../edge/camera-evidence.ts'),
    import('../process/metrics-server.ts'),
  ]);
  return {
    ...bridge,
    ...detector,
    ...http,
    ...records,
    ...record,
    ...simulated,
    ...stdin,
    ...cameras,
    ...evidence,
    newRegistry: metrics.newRegistry,
  };
}
type EdgeBoxes = Awaited<ReturnType<typeof edgeBoxes>>;

export function edgeCommand(): Command {
  const cmd = new Command('edge')
    .summary('the edge bridge of one camera host: detector on frames, HTTP, NDJSON stdin or simulated input, durable outbox')
    .description(
      'The edge bridge of one camera host: accepts detection records (HTTP POST, NDJSON on stdin, or a simulated ' +
        'camera), answers once each is durable in the on-disk outbox, and publishes them at QoS 1 until the broker ' +
        'acknowledges. See docs/edge.md.',
    )
    .option('-c, --config <file>', 'JSON config file; flags override it');
  addEdgeOptions(cmd).addOption(logLevelOption());
  return addEvidenceOptions(
    addInferenceOptions(cmd, 'run a detector on frames from: a video file, a stream URL (rtsp://...), an image folder, or "synthetic"'),
  ).action(async (flags: Record<string, unknown> & { config?: string }) => {
    let tls: TlsFiles = {};
    const config = configFromFlags<EdgeConfig>(EdgeConfigSchema, EDGE_DEFAULTS, flags, (c) => {
      assertLoopback(c.httpHost, 'httpHost');
      tls = readTlsFiles(c);
    });
    const boxes = await edgeBoxes();
    await (config.cameras === undefined ? runEdge(config, tls, boxes) : boxes.runCameras(config, tls));
  });
}

interface EdgeEvidence {
  evidence?: ReturnType<typeof cameraEvidence>;
  images?: RecordImages;
  /** Connects the image transport now with a model or images queued by a previous run, else at the first record image kept. */
  start(): void;
  /** With a model or once a record carried an image: until then an HTTP/stdin edge's heartbeats carry no evidence counters, as before. */
  active(): boolean;
}

/**
 * Evidence goes with a model (images of the frames it detected on) and with the HTTP/stdin inputs (the images
 * their records carry), sent beside their events; `--no-evidence` turns both off.
 */
function edgeEvidence(
  config: EdgeConfig,
  bridge: Parameters<typeof cameraEvidence>[0] & { registry: Registry; logger: Logger },
  model: boolean,
  { cameraEvidence, RecordImages }: EdgeBoxes,
): EdgeEvidence {
  const inputs = config.httpPort >= 0 || config.stdin;
  if (!config.evidence || !(model || inputs)) return { start: () => {}, active: () => false };
  const evidence = cameraEvidence(bridge, bridge.registry, captureSettings(config), {
    maxBytes: config.evidenceQueueBytes,
    maxBytesPerSecond: config.evidenceBytesPerSecond,
  });
  let started = false;
  const connect = () => {
    if (started) return;
    started = true;
    evidence.transport.start();
  };
  const images = inputs
    ? new RecordImages({
        capture: evidence.capture,
        defaults: { region: config.region, site: config.site, camera: config.camera },
        logger: bridge.logger.child({ box: 'record-images' }),
        registry: bridge.registry,
        clientId: config.clientId,
        onKept: connect,
      })
    : undefined;
  return {
    evidence,
    images,
    start: () => (model || evidence.transport.stats().queued > 0 ? connect() : undefined),
    active: () => started || Object.values(images?.stats() ?? {}).some((n) => n > 0),
  };
}

async function runEdge(config: EdgeConfig, tls: TlsFiles, boxes: EdgeBoxes): Promise<void> {
  const { OnnxDetector, newRegistry, evidenceStatus, sumCaptureStats, createBridge, startHttpInput, SimulatedCamera, startPipeline } =
    boxes;
  // Largest HTTP body and stdin line: room for a record's image at its cap even with --no-evidence, so a producer that
  // sends images to an edge whose evidence is off still gets its events accepted (the image answered `off`), not a 413.
  const recordLimit = boxes.recordWithImageBytes();
  const logger = createLogger(config.logLevel);
  if (config.model && !config.source) {
    throw new SeamError('SEAM_ERR_CONFIG', 'model needs a source: --source <file|rtsp://...|dir|synthetic> (or leave --model out)', {
      field: 'source',
    });
  }
  // The model loads before anything connects: a bad model fails the command at once, naming it.
  const detector = config.source ? await OnnxDetector.open(detectorOptions(config)) : undefined;
  let pipeline: CameraPipeline | undefined;
  const bridgeOptions = { ...bridgeOptionsOf(config), password: passwordFromEnv(), ...tls, logger };
  const registry = newRegistry();
  const edgeImages = edgeEvidence(config, { ...bridgeOptions, registry }, detector !== undefined, boxes);
  const { evidence, images } = edgeImages;
  const evidenceCounters = () =>
    edgeImages.active()
      ? evidenceStatus(sumCaptureStats(pipeline?.stats().evidence, images?.captureStats()), evidence?.transport.stats(), images?.stats())
      : {};
  const bridge = createBridge({
    ...bridgeOptions,
    registry,
    statusExtra: () => ({ ...pipeline?.statusCounters(), ...evidenceCounters() }),
  });
  // The listener opens before the bridge connects: a busy port stops the command with nothing published
  // and the outbox closed as it was.
  let http: RunningHttpInput | undefined;
  try {
    if (config.httpPort >= 0) {
      http = await withListenFlags({ port: '--http-port', host: '--http-host' }, () =>
        startHttpInput(bridge, { host: config.httpHost, port: config.httpPort, images, maxBodyBytes: recordLimit }),
      );
    }
  } catch (err) {
    await evidence?.transport.close();
    await bridge.close();
    throw err;
  }
  await bridge.start();
  edgeImages.start();
  const sim = config.simulate > 0 ? new SimulatedCamera({ camera: config.camera, eventsPerSecond: config.simulate }) : undefined;
  await sim?.start((input) => bridge.accept(input));
  if (detector) pipeline = await startPipeline(config, detector, bridge, evidence?.capture, logger);

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopAll());
  const stopAll = async () => {
    await pipeline?.stop();
    await detector?.close();
    if (pipeline) logger.info(pipeline.stats(), 'camera pipeline stopped');
    await sim?.stop();
    await http?.close();
    await images?.idle();
    if (images) logger.info({ ...images.stats(), capture: images.captureStats() }, 'record images stopped');
    // A file that ended leaves its last images queued: a few seconds to send them, the rest stays on disk.
    await evidence?.transport.drain(5_000);
    await evidence?.transport.close();
    await bridge.close();
    const s = bridge.stats();
    logger.info({ accepted: s.accepted, acked: s.acked, left_in_outbox: s.outbox_depth, dropped: s.dropped }, 'edge bridge stopped');
  };
  onShutdown(logger, stop);
  // Announced only once a signal stops it cleanly (before, SIGINT would kill the process mid-start).
  logger.info({ clientId: config.clientId, http: http?.url, dataDir: config.dataDir }, 'edge bridge running');
  if (pipeline) {
    // A file or folder ends; the bridge then sends what it holds and the command exits, as with --stdin.
    void pipeline.done.then(async () => {
      if (stopping) return;
      logger.info(pipeline!.stats(), 'source ended');
      await stop();
      process.exit(0);
    });
  }
  if (config.stdin) {
    const result = await boxes.runStdinInput(bridge, { images, maxLineBytes: recordLimit });
    logger.info(result, 'stdin ended');
    await stop();
    process.exit(0);
  }
}
