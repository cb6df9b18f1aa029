import { Command } from 'commander';
import type { RunningConsumer } from '../../consumer/consumer.ts';
import type { ConsumerPhase } from '../../consumer/health.ts';
import type { Dashboard } from '../../dashboard/server.ts';
import type { Logger } from 'pino';
import type { Store } from '../../store/store.ts';
import type { EvidenceStore } from '../../store/evidence/evidence-store.ts';
import { isSeamError, SeamError } from '../../contract/errors.ts';
import { storeConfigFromUrl, type StoreConfig } from '../../store/config.ts';
import { configFromFlags } from '../config/config-file.ts';
import { CONSUMER_DEFAULTS, ConsumerConfigSchema, type ConsumerConfig } from '../config/consumer.ts';
import { choiceOption, integerFlag, numberFlag } from '../config/flags.ts';
import { logLevelOption } from '../config/log-level.ts';
import { createLogger } from '../process/logger.ts';
import type { MetricsServer } from '../process/metrics-server.ts';
import { withListenFlags } from '../config/listen-flags.ts';
import { assertLoopback } from '../../plumbing/loopback.ts';
import { onShutdown } from '../process/shutdown.ts';
import { PASSWORD_ENV, passwordFromEnv, readTlsFiles, type TlsFiles } from '../config/tls-files.ts';

const d = CONSUMER_DEFAULTS;

export function consumerCommand(): Command {
  return new Command('consumer')
    .description(
      'Ingest detections from the broker into a store: shared subscription, persistent session, batched ' +
        'idempotent writes, PUBACK only after commit. Run several with distinct --client-id to scale out.',
    )
    .option('-c, --config <file>', 'JSON config file; flags override it')
    .option('--url <url>', `broker, mqtt:// or mqtts:// (default ${d.url})`)
    .addOption(choiceOption('--protocol <version>', `MQTT version (default ${d.protocol})`, [5, 4]))
    .option('--group <name>', `shared subscription group (default ${d.group})`)
    .option('--no-share', 'subscribe directly instead of through the shared subscription: one consumer only (docs/operations.md)')
    .option('--no-repair', "do not repair seq gaps from the bridges' replay windows (docs/consumer.md)")
    .option('--repair-grace <s>', `a gap is chased once it is this old (default ${d.repairGrace})`, integerFlag)
    .option('--repair-rate <n>', `repair requests per second at most, all cameras together (default ${d.repairRate})`, numberFlag)
    .option('--client-id <id>', `stable client id; distinct per instance (default ${d.clientId})`)
    .option('--store <url>', `DuckDB path, postgres://, influxdb+http:// or victoriametrics+http:// (default ${d.store})`)
    .option(
      '--connections <n>',
      'MQTT connections from this process; raise it when the broker caps in-flight per connection (EMQX: 32)',
      integerFlag,
    )
    .option('--dead-letter-topic <topic>', 'also announce each dead letter on this topic (QoS 0), e.g. seamline/dead-letters')
    .option('--batch-size <n>', `commit after this many messages (default ${d.batchSize})`, integerFlag)
    .option(
      '--flush-ms <ms>',
      `...or when the oldest waiting message is this old (default ${d.flushMs}; under load up to 2.5 times as long)`,
      integerFlag,
    )
    .option('--max-pending <n>', `messages held before reading pauses (default ${d.maxPending})`, integerFlag)
    .option('--max-payload-bytes <n>', `larger payloads are dead-lettered (default ${d.maxPayloadBytes})`, integerFlag)
    .option('--receive-maximum <n>', `MQTT 5 messages in flight (default ${d.receiveMaximum})`, integerFlag)
    .option('--session-expiry <s>', `seconds the broker keeps the session (default ${d.sessionExpiry})`, integerFlag)
    .option('--username <name>', `MQTT user; the password is read from $${PASSWORD_ENV}`)
    .option('--ca <file>', 'CA certificate (PEM) for mqtts://')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'client key (PEM)')
    .option('--metrics-host <address>', `/metrics listen address (default ${d.metricsHost})`)
    .option('--metrics-port <port>', `/metrics port, -1 off (default ${d.metricsPort})`, integerFlag)
    .option('--dashboard-port <port>', 'also serve the dashboard from this process, -1 off (default -1)', integerFlag)
    .option('--alerts <file>', "with --dashboard-port: an alerts config whose shifts are the page's shift ranges (or shifts in --config)")
    .option('--retention-days <n>', 'delete data older than this, 0 keeps all (default 0)', integerFlag)
    .option('--no-evidence', 'leave the evidence images to another consumer (docs/evidence.md)')
    .option('--evidence-dir <dir>', 'keep the images in this folder (default: beside the DuckDB file, or the PostgreSQL database)')
    .option('--evidence-max-age <days>', `days an image is kept (default ${d.evidenceMaxAge})`, integerFlag)
    .option('--evidence-max-bytes <n>', `bytes of images kept, oldest removed first (default ${d.evidenceMaxBytes})`, integerFlag)
    .addOption(logLevelOption())
    .action(async (flags: Record<string, unknown> & { config?: string }) => {
      let tls: TlsFiles = {};
      let storeConfig: StoreConfig | undefined;
      const config = configFromFlags<ConsumerConfig>(ConsumerConfigSchema, CONSUMER_DEFAULTS, flags, (c) => {
        assertLoopback(c.metricsHost, 'metricsHost');
        if (c.connections > 1 && (c.protocol !== 5 || !c.share)) {
          throw new SeamError('SEAM_ERR_CONFIG', 'needs MQTT 5 shared subscriptions (--protocol 5, without --no-share)', {
            field: 'connections',
          });
        }
        storeConfig = storeFromFlag(c);
        tls = readTlsFiles(c);
      });
      await runConsumer(config, storeConfig!, tls);
    });
}

/** The --store URL as a store config; a scheme that names no store is refused on the `store` field. */
function storeFromFlag(c: ConsumerConfig): StoreConfig {
  try {
    return storeConfigFromUrl(c.store, { retentionDays: c.retentionDays });
  } catch (err) {
    if (isSeamError(err)) throw new SeamError('SEAM_ERR_CONFIG', err.message.replace(/^store\.url /, ''), { field: 'store', cause: err });
    throw err;
  }
}

/** What the consumer runs, loaded only when it runs (its --help and flag errors need none of it). */
async function consumerBoxes() {
  const [consumer, health, metrics, clock, repair, evidence, open, registry, server, decode] = await Promise.all([
    import('../../consumer/consumer.ts'),
    import('../../consumer/health.ts'),
    import('../../consumer/metrics.ts'),
    import('../../consumer/clock-metrics.ts'),
    import('../../consumer/repair/metrics.ts'),
    import('../../consumer/evidence/evidence-metrics.ts'),
    import('../../store/open-when-reachable.ts'),
    import('../../store/registry/registry.ts'),
    import('../process/metrics-server.ts'),
    import('../../contract/decode.ts'),
  ]);
  return {
    ...consumer,
    ...health,
    ...metrics,
    ...clock,
    ...repair,
    ...evidence,
    ...open,
    ...registry,
    ...server,
    prepareDecoders: decode.prepareDecoders,
  };
}

/** The dashboard of --dashboard-port over the consumer's store, with the shift calendar its config names. */
async function consumerDashboard(
  config: ConsumerConfig,
  store: Store,
  evidence: EvidenceStore | undefined,
  logger: Logger,
): Promise<Dashboard> {
  const [{ startDashboard }, { calendarOfConfig, dashboardShifts }] = await Promise.all([
    import('../../dashboard/server.ts'),
    import('../services/dashboard-shifts.ts'),
  ]);
  const { calendar, partClass } = calendarOfConfig(config);
  return withListenFlags({ port: '--dashboard-port' }, () =>
    startDashboard({
      reader: store,
      port: config.dashboardPort,
      logger: logger.child({ box: 'dashboard' }),
      evidence,
      shifts: dashboardShifts(calendar, store, { evidence, partClass }),
    }),
  );
}

async function runConsumer(config: ConsumerConfig, storeConfig: StoreConfig, tls: TlsFiles): Promise<void> {
  const boxes = await consumerBoxes();
  const { startConsumer, consumerHealth, healthMetric, consumerMetrics, clockMetrics, repairMetrics, evidenceMetrics } = boxes;
  const { openStoreWhenReachable, createStore, createEvidenceStore, serveMetrics, newRegistry } = boxes;
  const logger = createLogger(config.logLevel);
  const store = await createStore(storeConfig);
  const evidence = config.evidence ? await createEvidenceStore(storeConfig, { dir: config.evidenceDir, logger }) : null;
  if (config.evidence && !evidence) logger.warn('no evidence store goes with this store: images stay with the broker (add --evidence-dir)');
  const registry = newRegistry();
  let phase: ConsumerPhase = 'waiting_for_store';
  let consumer: RunningConsumer | undefined;
  const health = () => consumerHealth(phase, consumer?.ingestor.stats, consumer?.ingestor.fatalError?.message);
  healthMetric(registry, health);
  // Listeners open before the session joins the share group: a busy port must stop this instance before the
  // broker counts it as a member (its session would linger there, holding a share of the traffic). /metrics
  // and /health open before the store, so that a consumer waiting for its store says so.
  let metrics: MetricsServer | undefined;
  let dashboard: Dashboard | undefined;
  try {
    if (config.metricsPort >= 0) {
      metrics = await withListenFlags({ port: '--metrics-port', host: '--metrics-host' }, () =>
        serveMetrics([registry], config.metricsHost, config.metricsPort, health),
      );
    }
    const opening = openStoreWhenReachable(store, { logger });
    // The validators compile (tens of ms) while the store opens on DuckDB's thread or waits on the network,
    // instead of in front of the first batch.
    setImmediate(boxes.prepareDecoders);
    await opening;
    await evidence?.open();
    phase = 'starting';
    if (config.dashboardPort >= 0) {
      // The dashboard (fastify, sharp for thumbnails) only when asked: a restarted consumer starts without it.
      dashboard = await consumerDashboard(config, store, evidence ?? undefined, logger);
    }
    // The config's names are startConsumer's: only the store and the TLS files arrive opened and read.
    consumer = await startConsumer({
      url: config.url,
      protocol: config.protocol,
      group: config.group,
      share: config.share,
      repair: config.repair,
      repairGrace: config.repairGrace,
      repairRate: config.repairRate,
      clientId: config.clientId,
      connections: config.connections,
      store,
      deadLetterTopic: config.deadLetterTopic,
      batchSize: config.batchSize,
      flushMs: config.flushMs,
      maxPending: config.maxPending,
      maxPayloadBytes: config.maxPayloadBytes,
      receiveMaximum: config.receiveMaximum,
      sessionExpiry: config.sessionExpiry,
      username: config.username,
      password: passwordFromEnv(),
      ...tls,
      evidence: evidence ?? undefined,
      evidenceOptions: { retention: { maxAgeMs: config.evidenceMaxAge * 86_400_000, maxBytes: config.evidenceMaxBytes } },
      logger,
    });
  } catch (err) {
    await Promise.all([metrics?.close(), dashboard?.close()]);
    await evidence?.close();
    await store.close();
    throw err;
  }
  phase = 'running';
  const running = consumer;
  consumerMetrics(running.ingestor, running.session, registry, store);
  repairMetrics(registry, store, running.repairer);
  clockMetrics(registry, store);
  if (running.evidence) {
    const stats = { ingest: running.evidence.ingest.stats, retention: running.evidence.retention.stats, store: evidence ?? undefined };
    evidenceMetrics(stats, registry);
  }
  // Also when the very first batch already failed for good: a consumer that cannot ingest must not stay up.
  running.ingestor.onFatal((err: Error) => {
    phase = 'stopped';
    process.stderr.write(isSeamError(err) ? `seamline: ${err.code}: ${err.message}\n` : `seamline consumer: ${err.message}\n`);
    void running.session.close().finally(() => process.exit(2));
  });
  onShutdown(logger, async () => {
    phase = 'stopped';
    await running.stop(8_000);
    await Promise.all([metrics?.close(), dashboard?.close()]);
    await evidence?.close();
    await store.close();
    const s = running.ingestor.stats;
    logger.info({ committed: s.committedEvents, duplicates: s.duplicates, deadLettered: s.deadLettered }, 'consumer stopped');
  });
  // Announced only once a signal stops it cleanly (before, SIGINT would kill the process mid-start).
  logger.info({ clientId: config.clientId, store: store.name, metrics: metrics?.url, dashboard: dashboard?.url }, 'consumer running');
}
