import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ConsumerHealth } from './health.ts';
import type { CommitReport, Ingestor } from './ingest/ingest.ts';
import type { StoreReader } from '../store/reader.ts';
import type { SubscriberSession } from './mqtt/subscriber-session.ts';

const LAG_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * Prometheus metrics of one consumer (`seamline_consumer_*`, and `seamline_seq_gaps` when given a reader).
 * Gauges read the session and the store when scraped.
 */
export function consumerMetrics(
  ingestor: Ingestor,
  session: SubscriberSession,
  registry = new Registry(),
  reader?: Pick<StoreReader, 'seqGaps'>,
): Registry {
  const registers = [registry];
  if (reader) {
    new Gauge({
      name: 'seamline_seq_gaps',
      help: "Events missing from each camera's stored seq range over the last 10 minutes (gaps older than 30 s), read from the store.",
      labelNames: ['region', 'site', 'camera'],
      registers,
      // From the store, not from this process: behind a shared subscription each consumer sees only part
      // of a camera's sequence.
      async collect() {
        this.reset();
        const now = Date.now();
        for (const g of await reader.seqGaps(now - 600_000, now - 30_000))
          this.set({ region: g.region, site: g.site, camera: g.camera }, g.missing);
      },
    });
  }
  // The counters mirror the ingestor's own stats, synced at every scrape and every commit, so the hot
  // path never touches prom-client and nothing waits for the next commit to show.
  let last = { ...ingestor.stats };
  const sync = () => {
    const s = ingestor.stats;
    received.inc(s.received - last.received);
    committed.inc(s.committedEvents - last.committedEvents);
    committedDetections.inc(s.committedDetections - last.committedDetections);
    duplicates.inc(s.duplicates - last.duplicates);
    deadLettered.inc(s.deadLettered - last.deadLettered);
    storeFailures.inc(s.storeFailures - last.storeFailures);
    storeRefused.inc(s.storeRefused - last.storeRefused);
    last = { ...s };
  };
  const counter = (name: string, help: string) => new Counter({ name, help, registers, collect: sync });
  const received = counter('seamline_consumer_received_total', 'Messages received (all topics, redeliveries included).');
  const committed = counter('seamline_consumer_committed_events_total', 'Events newly committed to the store.');
  const committedDetections = counter('seamline_consumer_committed_detections_total', 'Detection rows newly committed.');
  const duplicates = counter('seamline_consumer_duplicates_total', 'Redelivered events that stored nothing (cache or store).');
  const deadLettered = counter('seamline_consumer_dead_lettered_total', 'Poison messages acknowledged into the dead-letter table.');
  const storeFailures = counter(
    'seamline_consumer_store_failures_total',
    'Failed store attempts (retried, or split when the store refused what the batch held).',
  );
  const storeRefused = counter(
    'seamline_consumer_store_refused_total',
    'Messages the store refused although they passed the contract; dead-lettered with its reason (also in dead_lettered_total).',
  );
  const batchSize = new Histogram({
    name: 'seamline_consumer_batch_size',
    help: 'Deliveries per commit.',
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
    registers,
  });
  const commitSeconds = new Histogram({
    name: 'seamline_consumer_commit_seconds',
    help: 'Store commit latency.',
    buckets: LAG_BUCKETS_S,
    registers,
  });
  const lagSeconds = new Histogram({
    name: 'seamline_consumer_end_to_end_lag_seconds',
    help: 'committed_at - captured_at per stored event.',
    buckets: LAG_BUCKETS_S,
    registers,
  });
  new Gauge({
    name: 'seamline_consumer_in_flight',
    help: 'Messages received and not yet acknowledged.',
    registers,
    collect() {
      this.set(session.inFlight);
    },
  });
  new Gauge({
    name: 'seamline_consumer_pending',
    help: 'Deliveries waiting for the next commit.',
    registers,
    collect() {
      this.set(ingestor.stats.pending);
    },
  });

  ingestor.on('commit-report', (report: CommitReport) => {
    sync();
    batchSize.observe(report.deliveries);
    commitSeconds.observe(report.commitMs / 1000);
    for (const captured of report.capturedMs) lagSeconds.observe((report.committedAtMs - captured) / 1000);
  });
  return registry;
}

/**
 * `seamline_consumer_healthy{status}`: 1 while the consumer commits what it receives, 0 while it waits for
 * its store, cannot write, or stopped (health.ts); the label says which.
 */
export function healthMetric(registry: Registry, health: () => ConsumerHealth): void {
  new Gauge({
    name: 'seamline_consumer_healthy',
    help: 'Whether this consumer is committing what it receives (1) or not (0: waiting for the store, failing, stopped); the status label says which.',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      const now = health();
      this.reset();
      this.set({ status: now.status }, now.ok ? 1 : 0);
    },
  });
}
