import mqtt from 'mqtt';
import { DETECTION_FILTER, sha256Hex } from '../../contract/index.ts';
import { startConsumer, type RunningConsumer } from '../../consumer/consumer.ts';
import type { Ingestor } from '../../consumer/ingest/ingest.ts';
import type { DuckDbStore } from '../../store/duckdb/store.ts';
import { MAX_EVIDENCE_LIST, type EvidenceStore } from '../../store/evidence/evidence-store.ts';
import { duckdbMissing } from '../chaos/harness/stored-counts.ts';
import type { AvailableBroker } from '../services/available-broker.ts';
import { waitUntil } from '../chaos/harness/wait-until.ts';
import { publishInWorker } from './spawn-worker.ts';

export const WINDOW = 2000;
/** Each publisher run starts its cameras' seq here times the run's number, so no two runs share one. */
export const SEQ_BLOCK = 10_000_000;

/** Images beside the events: published at `rate` a second by the event publisher's process, kept in `store`. */
export interface BenchEvidence {
  rate: number;
  /** The JPEG every image carries (evidence-image.ts), as a file the publisher process reads. */
  jpegPath: string;
  store: EvidenceStore;
}

export interface ConsumerRun {
  /** Still running: the paced phase may go on with it. */
  consumer: RunningConsumer;
  /** Events committed and acknowledged a second, first delivery to the last commit. */
  rate: number;
  /** This process's CPU per event committed, microseconds. */
  cpuPerEvent: number;
  /** Images the publisher had acknowledged, and images the consumer stored, during this run. */
  images: number;
  imagesStored: number;
}

/** Resolves with the time at which `ingestor` has committed at least `n` events. */
export function committedBy(ingestor: Ingestor, n: number): Promise<number> {
  return new Promise<number>((resolve) => {
    const check = () => {
      if (ingestor.stats.committedEvents >= n) {
        ingestor.off('commit', check);
        resolve(Date.now());
      }
    };
    ingestor.on('commit', check);
    check();
  });
}

/**
 * Waits until the consumer's evidence session has stored `images` more than `before` (a redelivered copy counts
 * as a duplicate, not as stored, so only `stored` says every image is in), or until `timeoutMs`; what it stored.
 */
export async function imagesSettled(consumer: RunningConsumer, images: number, before: number, timeoutMs = 30_000): Promise<number> {
  const ingest = consumer.evidence?.ingest;
  if (!ingest) return 0;
  await waitUntil(() => ingest.stats.stored - before >= images && ingest.stats.pending === 0, timeoutMs);
  return ingest.stats.stored - before;
}

/**
 * One consumer (DuckDB, PUBACK after commit; with `evidence`, its evidence session and store too) fed `events`
 * as fast as the publisher can, with images beside them when `evidence` is given. The session ends with the
 * consumer (expiry 0), so the broker queues nothing for it after the run.
 */
export async function consumerRun(
  broker: AvailableBroker,
  store: DuckDbStore,
  run: { name: string; events: number; seqStart: number; evidence?: BenchEvidence },
): Promise<ConsumerRun> {
  const consumer = await startConsumer({
    url: broker.url,
    protocol: broker.protocolVersion,
    clientId: `bench-consumer-${run.name}`,
    store,
    sessionExpiry: 0,
    evidence: run.evidence?.store,
  });
  const storedBefore = consumer.evidence?.ingest.stats.stored ?? 0;
  let first = 0;
  const cpuStart = process.cpuUsage();
  consumer.session.once('message', () => (first = Date.now()));
  const publishing = publishInWorker({
    url: broker.url,
    count: run.events,
    rate: 0,
    cameras: 6,
    protocolVersion: broker.protocolVersion,
    window: WINDOW,
    clientId: `bench-pub-${run.name}`,
    seqStart: run.seqStart,
    evidence: run.evidence && { rate: run.evidence.rate, jpegPath: run.evidence.jpegPath },
  });
  const doneAt = await committedBy(consumer.ingestor, run.events);
  const cpu = process.cpuUsage(cpuStart);
  const { images } = await publishing;
  const imagesStored = await imagesSettled(consumer, images, storedBefore);
  return {
    consumer,
    rate: (run.events / Math.max(1, doneAt - first)) * 1000,
    cpuPerEvent: (cpu.user + cpu.system) / run.events,
    images,
    imagesStored,
  };
}

/** QoS 1 to an MQTT.js subscriber that does nothing: what the broker and publisher allow on this machine. */
export async function ceiling(broker: AvailableBroker, events: number, run: number): Promise<number> {
  const sub = await mqtt.connectAsync(broker.url, { protocolVersion: broker.protocolVersion, clientId: `bench-null-${run}`, clean: true });
  await sub.subscribeAsync(DETECTION_FILTER, { qos: 1 });
  let n = 0;
  let first = 0;
  const done = new Promise<number>((resolve) =>
    sub.on('message', () => {
      if (n++ === 0) first = Date.now();
      if (n === events) resolve(Date.now() - first);
    }),
  );
  await publishInWorker({
    url: broker.url,
    count: events,
    rate: 0,
    cameras: 6,
    protocolVersion: broker.protocolVersion,
    window: WINDOW,
    clientId: `bench-pub-null-${run}`,
  });
  const ms = await done;
  await sub.endAsync();
  return (events / Math.max(1, ms)) * 1000;
}

/** Every stored image read back: how many name no event in the DuckDB file (closed by now), and how many fail their digest. */
export async function checkImages(store: EvidenceStore, duckdbPath: string): Promise<{ unlinked: number; badDigest: number }> {
  const entries = await store.list({ limit: MAX_EVIDENCE_LIST });
  let badDigest = 0;
  for (const { header } of entries) {
    const got = await store.get(header.event_id);
    if (!got || sha256Hex(got.image) !== header.image.sha256) badDigest++;
  }
  return {
    unlinked: await duckdbMissing(
      duckdbPath,
      entries.map((e) => e.header.event_id),
    ),
    badDigest,
  };
}
