import pino, { type Logger } from 'pino';
import { DETECTION_FILTER, SeamError, sharedDetectionFilter, STATUS_FILTER } from '../contract/index.ts';
import type { RepairLedger } from '../store/repair-ledger.ts';
import type { EvidenceStore } from '../store/evidence/evidence-store.ts';
import type { DetectionStore } from '../store/store.ts';
import { Repairer, type RepairerOptions } from './repair/repairer.ts';
import { CaptureOffsets } from './capture-offsets.ts';
import { startEvidenceConsumer, type EvidenceConsumerOptions, type RunningEvidenceConsumer } from './evidence/start-evidence.ts';
import { Ingestor, type CommitReport, type IngestOptions } from './ingest/ingest.ts';
import { createMqttSession } from './mqtt/session.ts';
import { untilStoreAnswers } from '../store/open-when-reachable.ts';
import { SessionPool } from './mqtt/session-pool.ts';
import type { SubscriberSession, SubscriberSessionOptions } from './mqtt/subscriber-session.ts';

/** The repairer's settings below the two a flag sets (`repairGrace`, `repairRate`): milliseconds and limits, for tests and benches. */
export type RepairTuning = Partial<Omit<RepairerOptions, 'ledger' | 'owner' | 'link' | 'logger'>>;

/**
 * Everything `startConsumer` takes. Each setting `seamline consumer` has a flag or config key for carries the
 * name of that key (`flushMs`, `sessionExpiry`, `protocol`, `repairGrace`, ...), so the command passes its
 * config through as it is; the store and the TLS material arrive opened and read.
 */
export interface ConsumerOptions
  extends Omit<SubscriberSessionOptions, 'filters' | 'protocol'>,
    Omit<IngestOptions, 'store' | 'session' | 'logger'> {
  store: DetectionStore;
  /** 5 (default) joins the shared subscription; 4 (MQTT 3.1.1, e.g. the embedded broker) cannot. */
  protocol?: 4 | 5;
  /** Shared subscription group (default "seamline"). */
  group?: string;
  /**
   * Join the shared subscription (default true with MQTT 5). false subscribes to the detection topics
   * directly: one consumer only, but a subscription Mosquitto 2.0 restores after a restart, which it does
   * not do for shared ones (docs/operations.md).
   */
  share?: boolean;
  /**
   * MQTT connections this process opens in the group (default 1), each with client id `<clientId>-<i>`
   * when more than one. Raise it when the broker caps in-flight messages per connection.
   */
  connections?: number;
  /** End-to-end repair (default on with a store that keeps a repair ledger: DuckDB, PostgreSQL; docs/consumer.md). */
  repair?: boolean;
  /** Seconds a gap must be old before it is chased (default 60). */
  repairGrace?: number;
  /** Repair requests per second at most, all cameras together (default 5), with bursts of twice that. */
  repairRate?: number;
  /** Finer repairer settings; they win over `repairGrace` and `repairRate`. */
  repairTuning?: RepairTuning;
  /** How often the consumer writes its in-flight figures into the store, ms (default 5,000; 0 off). */
  sampleMs?: number;
  /**
   * Where the evidence images go (opened; store/registry/registry.ts). With one, a second session
   * of its own takes the images (docs/evidence.md); without, they are left to another consumer.
   */
  evidence?: EvidenceStore;
  /** Evidence retention and ingest settings (defaults: 30 days, 10 GiB). */
  evidenceOptions?: Pick<EvidenceConsumerOptions, 'retention' | 'maxEvidenceBytes' | 'concurrency' | 'maxQueued'>;
  logger?: Logger;
}

export interface RunningConsumer {
  ingestor: Ingestor;
  session: SubscriberSession;
  /** Present when repair is on. */
  repairer: Repairer | undefined;
  /** Present when the consumer was given an evidence store. */
  evidence: RunningEvidenceConsumer | undefined;
  /** Graceful: stop reading, commit and acknowledge what was received, disconnect. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Seam 2 and 3 together: one session on the shared subscription (plus the retained status topics),
 * feeding one ingestor that commits before it acknowledges.
 */
export async function startConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const version = options.protocol ?? 5;
  let detections: string;
  if (version === 5 && options.share !== false) {
    detections = sharedDetectionFilter(options.group ?? 'seamline');
  } else if (version === 5) {
    logger.info('plain subscription (--no-share): run a single consumer against this broker');
    detections = DETECTION_FILTER;
  } else {
    // MQTT 3.1.1 has no shared subscriptions: one consumer is all this broker can feed without double work.
    logger.warn('MQTT 3.1.1 broker: no shared subscription; run a single consumer against it');
    detections = DETECTION_FILTER;
  }
  const connections = options.connections ?? 1;
  if (connections > 1 && (version !== 5 || options.share === false)) {
    throw new SeamError('SEAM_ERR_CONFIG', 'connections > 1 needs MQTT 5 shared subscriptions', { field: 'connections' });
  }
  const sessionFor = (clientId: string) =>
    createMqttSession({ ...options, clientId, protocol: version, filters: [detections, STATUS_FILTER], logger });
  const session =
    connections === 1
      ? sessionFor(options.clientId)
      : new SessionPool(Array.from({ length: connections }, (_, i) => sessionFor(`${options.clientId}-${i}`)));
  const ingestor = new Ingestor({ ...options, session, logger });
  session.on('warning', (w: { filter: string; reasonCode: number }) =>
    logger.warn({ filter: w.filter, reasonCode: w.reasonCode }, 'broker refused a subscription'),
  );
  session.on('error', (err: Error) => logger.error({ err: err.message }, 'subscriber session error'));
  await session.start();
  let repairer: Repairer | undefined;
  let evidence: RunningEvidenceConsumer | undefined;
  try {
    repairer = await startRepairer(options, ingestor, logger);
    evidence = await startEvidence(options, version, logger);
  } catch (err) {
    await repairer?.stop();
    await session.close();
    throw err;
  }
  const sampler = startSampler(options, session, ingestor, logger);
  return {
    ingestor,
    session,
    repairer,
    evidence,
    async stop(timeoutMs = 8_000) {
      await repairer?.stop();
      await evidence?.stop(timeoutMs);
      clearInterval(sampler);
      const drained = await ingestor.drain(timeoutMs);
      if (!drained) logger.warn('consumer stopped with uncommitted messages; the broker will redeliver them');
      await session.close();
    },
  };
}

/** The evidence path beside the detections', with the same broker, credentials, group and sharing. */
function startEvidence(options: ConsumerOptions, protocol: 4 | 5, logger: Logger): Promise<RunningEvidenceConsumer | undefined> {
  if (!options.evidence) return Promise.resolve(undefined);
  const { url, clientId, group, share, username, password, ca, cert, key, sessionExpiry } = options;
  return startEvidenceConsumer({
    ...options.evidenceOptions,
    ...{ url, clientId, group, share, username, password, ca, cert, key, sessionExpiry, protocol },
    store: options.evidence,
    deadLetters: options.store,
    logger: logger.child({ part: 'evidence' }),
  });
}

/** The repairer's settings from the consumer's: the two a flag sets, then the finer ones. */
function repairSettings(options: ConsumerOptions): RepairTuning {
  const settings: RepairTuning = {};
  if (options.repairGrace !== undefined) settings.graceMs = options.repairGrace * 1000;
  if (options.repairRate !== undefined) {
    settings.requestsPerSecond = options.repairRate;
    settings.requestBurst = Math.max(1, Math.ceil(options.repairRate * 2));
  }
  return { ...settings, ...options.repairTuning };
}

/** Starts repair when it is on and the store keeps a repair ledger; undefined otherwise. */
async function startRepairer(options: ConsumerOptions, ingestor: Ingestor, logger: Logger): Promise<Repairer | undefined> {
  if (options.repair === false) return undefined;
  const store = options.store;
  const { repairLedger } = store.capabilities;
  if (!repairLedger) {
    logger.warn({ store: store.name }, 'this store keeps no repair ledger: losses are counted but not repaired (docs/consumer.md)');
    return undefined;
  }
  const ledger: RepairLedger = await untilStoreAnswers('opening the repair ledger', () => repairLedger.open(), { logger });
  const repairer = new Repairer({
    ...repairSettings(options),
    ledger,
    owner: options.clientId,
    link: {
      url: options.url,
      clientId: `${options.clientId}-repair`,
      protocol: options.protocol ?? 5,
      username: options.username,
      password: options.password,
      ca: options.ca,
      cert: options.cert,
      key: options.key,
    },
    logger,
  });
  repairer.start();
  // A store that refuses for good stops ingest; it stops repair too (and lets the process exit).
  ingestor.onFatal(() => void repairer.stop());
  return repairer;
}

/**
 * In flight is the consumer's own figure (what the broker sent and we have not acknowledged): nothing in
 * the store can derive it, so the consumer samples it into the store for the dashboard's health panel.
 * So are the cameras' commit time - captured_at figures (capture-offsets.ts): keyed by when they were
 * sampled, a camera whose clock is years off still shows now. Best effort: a store that is down gets the
 * next sample.
 */
function startSampler(
  options: ConsumerOptions,
  session: SubscriberSession,
  ingestor: Ingestor,
  logger: Logger,
): NodeJS.Timeout | undefined {
  const every = options.sampleMs ?? 5_000;
  const { store } = options;
  if (every <= 0) return undefined;
  const offsets = new CaptureOffsets();
  ingestor.on('commit-report', (r: CommitReport) => offsets.record(r.committedAtMs, r.events));
  const timer = setInterval(() => {
    const sample = {
      consumer: options.clientId,
      atMs: Date.now(),
      inFlight: session.inFlight,
      pending: ingestor.stats.pending,
      cameras: offsets.drain(),
    };
    store.writeConsumerSample(sample).catch((err: Error) => logger.debug({ err: err.message }, 'consumer sample not written'));
  }, every);
  timer.unref();
  return timer;
}
