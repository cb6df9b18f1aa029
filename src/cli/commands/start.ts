import { Command } from 'commander';
import { redactUrl } from '../../plumbing/redact.ts';
import { configFromFlags } from '../config/config-file.ts';
import { integerFlag, numberFlag } from '../config/flags.ts';
import { logLevelOption } from '../config/log-level.ts';
import { createLogger } from '../process/logger.ts';
import { assertLoopback } from '../../plumbing/loopback.ts';
import { onShutdown } from '../process/shutdown.ts';
import type { PipelineBroker } from '../services/pipeline-broker.ts';
import { START_DEFAULTS, StartConfigSchema, type StartConfig } from '../config/start.ts';

export function startCommand(): Command {
  return new Command('start')
    .description(
      'Run the whole pipeline in one process on embedded defaults: MQTT broker (Aedes), simulated cameras ' +
        'through the real edge bridge, the consumer into DuckDB under the data directory, and the dashboard. ' +
        'With --broker, the broker already running there instead of Aedes.',
    )
    .option('-c, --config <file>', 'JSON config file; flags override it')
    .option('--host <address>', `listen address for broker and dashboard (default ${START_DEFAULTS.host})`)
    .option('--mqtt-port <port>', `embedded MQTT broker port (default ${START_DEFAULTS.mqttPort})`, integerFlag)
    .option(
      '--broker <url>',
      'use the MQTT broker already at this mqtt://host:port instead of the embedded one (MQTT 5 and a shared subscription when it offers them)',
    )
    .option('--http-port <port>', `dashboard port (default ${START_DEFAULTS.httpPort})`, integerFlag)
    .option('--data-dir <dir>', `DuckDB file and edge outboxes (default ${START_DEFAULTS.dataDir})`)
    .option('--cameras <n>', `simulated cameras; 0 waits for real bridges (default ${START_DEFAULTS.cameras})`, integerFlag)
    .option('--sites <n>', `sites the cameras are spread over (default ${START_DEFAULTS.sites})`, integerFlag)
    .option('--region <name>', `region in topics (default ${START_DEFAULTS.region})`)
    .option('--rate <events/s>', `mean events per second per camera (default ${START_DEFAULTS.rate})`, numberFlag)
    .option('--alerts <file>', 'alert rules: an alerts config file, "default" (built-in rules, notifications to the log) or "off"')
    .option('--no-inference', 'do not run the inference camera (the bundled model on the synthetic conveyor)')
    .option('--inference-fps <n>', `frames per second of the inference camera (default ${START_DEFAULTS.inferenceFps})`, numberFlag)
    .addOption(logLevelOption())
    .action(async (flags: Record<string, unknown> & { config?: string }) => {
      await runStart(configFromFlags<StartConfig>(StartConfigSchema, START_DEFAULTS, flags, (c) => assertLoopback(c.host, 'host')));
    });
}

async function runStart(config: StartConfig): Promise<void> {
  const logger = createLogger(config.logLevel);
  const started = Date.now();
  // Loaded when it runs, not for --help or a flag error.
  const { startEmbeddedPipeline, START_GROUP } = await import('../services/embedded-pipeline.ts');
  const pipeline = await startEmbeddedPipeline(config, logger);
  const out = process.stdout;
  // Ctrl-C is handled before the banner says "running": a signal in between would kill the process unstopped.
  onShutdown(logger, async () => {
    await pipeline.stop();
    const s = pipeline.consumer.ingestor.stats;
    out.write(`stopped: ${s.committedEvents} events (${s.committedDetections} detections) committed this run.\n`);
  });
  // A store broken for good stops ingest; the whole pipeline then stops, loudly, rather than run without it.
  pipeline.consumer.ingestor.onFatal((err) => {
    process.stderr.write(`seamline: ${err.code}: ${err.message}\n`);
    void pipeline.stop().finally(() => process.exit(2));
  });
  out.write(`\nSeamline is running (${Date.now() - started} ms to start).\n`);
  out.write(`  dashboard  ${pipeline.dashboard.url}\n`);
  out.write(`  MQTT       ${brokerLine(pipeline.broker, START_GROUP)}\n`);
  out.write(`  store      ${config.dataDir}/seamline.duckdb\n`);
  out.write(
    `  alerts     ${pipeline.alerting ? `${config.alerts === 'default' ? 'built-in rules' : config.alerts}, /api/alerts and /metrics on the dashboard` : 'off'}\n`,
  );
  out.write(`  cameras    ${config.cameras} simulated on ${config.sites} site(s), ~${config.rate} events/s each\n`);
  if (pipeline.inference) {
    out.write(
      `  inference  conveyor-1: the bundled model (models/seamline-conveyor.onnx) on the synthetic conveyor, ${config.inferenceFps} frames/s\n`,
    );
  }
  out.write('Press Ctrl-C to stop.\n\n');
}

/** Which broker the pipeline uses and how: what an operator must know before pointing a bridge at it. */
function brokerLine(broker: PipelineBroker, group: string): string {
  const version = broker.protocolVersion === 5 ? 'MQTT 5' : 'MQTT 3.1.1';
  const subscription = broker.sharedSubscriptions
    ? `shared subscription $share/${group}/vision/+/+/+/detection`
    : 'no shared subscription: one consumer';
  return `${redactUrl(broker.url)}  (${broker.kind === 'embedded' ? 'embedded broker' : 'existing broker'}, ${version}, ${subscription})`;
}
