import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CommitReport, Ingestor } from './ingest.ts';
import type { SubscriberSession } from './session.ts';

const LAG_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * Prometheus metrics of one consumer (`seamline_consumer_*`). Counters follow the ingestor's 'commit'
 * reports, so a scrape never touches the hot path; gauges read the session when scraped.
 */
export function consumerMetrics(ingestor: Ingestor, session: SubscriberSession, registry = new Registry()): Registry {
  const registers = [registry];
  const received = new Counter({ name: 'seamline_consumer_received_total', help: 'Messages received (all topics, redeliveries included).', registers });
  const committed = new Counter({ name: 'seamline_consumer_committed_events_total', help: 'Events newly committed to the store.', registers });
  const committedDetections = new Counter({ name: 'seamline_consumer_committed_detections_total', help: 'Detection rows newly committed.', registers });
  const duplicates = new Counter({ name: 'seamline_consumer_duplicates_total', help: 'Redelivered events that stored nothing (cache or store).', registers });
  const deadLettered = new Counter({ name: 'seamline_consumer_dead_lettered_total', help: 'Poison messages acknowledged into the dead-letter table.', registers });
  const storeFailures = new Counter({ name: 'seamline_consumer_store_failures_total', help: 'Failed commit attempts (each retried).', registers });
  const batchSize = new Histogram({ name: 'seamline_consumer_batch_size', help: 'Deliveries per commit.', buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000], registers });
  const commitSeconds = new Histogram({ name: 'seamline_consumer_commit_seconds', help: 'Store commit latency.', buckets: LAG_BUCKETS_S, registers });
  const lagSeconds = new Histogram({ name: 'seamline_consumer_end_to_end_lag_seconds', help: 'committed_at - captured_at per stored event.', buckets: LAG_BUCKETS_S, registers });
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

  let last = { ...ingestor.stats };
  ingestor.on('commit-report', (report: CommitReport) => {
    const s = ingestor.stats;
    received.inc(s.received - last.received);
    committed.inc(s.committedEvents - last.committedEvents);
    committedDetections.inc(s.committedDetections - last.committedDetections);
    duplicates.inc(s.duplicates - last.duplicates);
    deadLettered.inc(s.deadLettered - last.deadLettered);
    storeFailures.inc(s.storeFailures - last.storeFailures);
    last = { ...s };
    batchSize.observe(report.deliveries);
    commitSeconds.observe(report.commitMs / 1000);
    for (const captured of report.capturedMs) lagSeconds.observe((report.committedAtMs - captured) / 1000);
  });
  return registry;
}
