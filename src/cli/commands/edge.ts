import { Command } from 'commander';
import { createBridge } from '../../edge/bridge.ts';
import { startHttpInput, type RunningHttpInput } from '../../edge/http-input.ts';
import { SimulatedCamera } from '../../edge/simulated-camera.ts';
import { runStdinInput } from '../../edge/stdin-input.ts';
import { configFromFlags } from '../config-file.ts';
import { EDGE_DEFAULTS, EdgeConfigSchema, type EdgeConfig } from '../edge-config.ts';
import { choiceOption, integerFlag, numberFlag } from '../flags.ts';
import { createLogger, logLevelOption } from '../logger.ts';
import { withListenFlags } from '../listen-flags.ts';
import { assertLoopback } from '../loopback.ts';
import { onShutdown } from '../shutdown.ts';
import { PASSWORD_ENV, passwordFromEnv, readTlsFiles, type TlsFiles } from '../tls-files.ts';

const d = EDGE_DEFAULTS;

export function edgeCommand(): Command {
  return new Command('edge')
    .summary('the edge bridge of one camera host: HTTP, NDJSON stdin or simulated input, durable outbox')
    .description(
      'The edge bridge of one camera host: accepts detection records (HTTP POST, NDJSON on stdin, or a simulated ' +
        'camera), answers once each is durable in the on-disk outbox, and publishes them at QoS 1 until the broker ' +
        'acknowledges. See docs/edge.md.',
    )
    .option('-c, --config <file>', 'JSON config file; flags override it')
    .option('--url <url>', `broker, mqtt:// or mqtts:// (default ${d.url})`)
    .addOption(choiceOption('--protocol <version>', `MQTT version (default ${d.protocol})`, [5, 4]))
    .option('--client-id <id>', `stable client id of this host (default ${d.clientId})`)
    .option('--region <name>', `region (default ${d.region})`)
    .option('--site <name>', `site (default ${d.site})`)
    .option('--camera <name>', `camera of records that name none (default ${d.camera})`)
    .option('--data-dir <dir>', `outbox directory on local disk (default ${d.dataDir})`)
    .option('--max-bytes <n>', `outbox byte bound (default ${d.maxBytes})`, integerFlag)
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
    .addOption(logLevelOption())
    .action(async (flags: Record<string, unknown> & { config?: string }) => {
      let tls: TlsFiles = {};
      const config = configFromFlags<EdgeConfig>(EdgeConfigSchema, EDGE_DEFAULTS, flags, (c) => {
        assertLoopback(c.httpHost, 'httpHost');
        tls = readTlsFiles(c);
      });
      await runEdge(config, tls);
    });
}

async function runEdge(config: EdgeConfig, tls: TlsFiles): Promise<void> {
  const logger = createLogger(config.logLevel);
  const bridge = createBridge({
    brokerUrl: config.url,
    protocolVersion: config.protocol,
    clientId: config.clientId,
    region: config.region,
    site: config.site,
    camera: config.camera,
    dataDir: config.dataDir,
    maxBytes: config.maxBytes,
    overflow: config.overflow,
    fsync: config.fsync,
    maxInFlight: config.maxInFlight,
    heartbeatSeconds: config.heartbeat,
    username: config.username,
    password: passwordFromEnv(),
    ...tls,
    logger,
  });
  // The listener opens before the bridge connects: a busy port stops the command with nothing published
  // and the outbox closed as it was.
  let http: RunningHttpInput | undefined;
  try {
    if (config.httpPort >= 0) {
      http = await withListenFlags({ port: '--http-port', host: '--http-host' }, () => startHttpInput(bridge, { host: config.httpHost, port: config.httpPort }));
    }
  } catch (err) {
    await bridge.close();
    throw err;
  }
  await bridge.start();
  const sim = config.simulate > 0 ? new SimulatedCamera({ camera: config.camera, eventsPerSecond: config.simulate }) : undefined;
  await sim?.start((input) => bridge.accept(input));
  logger.info({ clientId: config.clientId, http: http?.url, dataDir: config.dataDir }, 'edge bridge running');

  const stop = async () => {
    await sim?.stop();
    await http?.close();
    await bridge.close();
    const s = bridge.stats();
    logger.info({ accepted: s.accepted, acked: s.acked, left_in_outbox: s.outbox_depth, dropped: s.dropped }, 'edge bridge stopped');
  };
  onShutdown(logger, stop);
  if (config.stdin) {
    const result = await runStdinInput(bridge);
    logger.info(result, 'stdin ended');
    await stop();
    process.exit(0);
  }
}
