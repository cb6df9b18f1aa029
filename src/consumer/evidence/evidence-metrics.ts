import { Counter, Gauge, Registry } from 'prom-client';
import type { EvidenceIngestStats } from './evidence-ingest.ts';
import type { RetentionStats } from './evidence-retention.ts';

const HELP: Record<string, [keyof EvidenceIngestStats | keyof RetentionStats, string]> = {
  seamline_consumer_evidence_received_total: ['received', 'Evidence messages received (redeliveries and poison included).'],
  seamline_consumer_evidence_stored_total: ['stored', 'Evidence images newly stored.'],
  seamline_consumer_evidence_bytes_total: ['bytes', 'JPEG bytes of the images newly stored.'],
  seamline_consumer_evidence_duplicates_total: [
    'duplicates',
    'Evidence messages whose image the store already held; acknowledged, nothing written.',
  ],
  seamline_consumer_evidence_dead_lettered_total: [
    'deadLettered',
    'Evidence messages dead-lettered with their raw bytes (malformed, oversize, digest mismatch, refused by the store).',
  ],
  seamline_consumer_evidence_store_failures_total: [
    'storeFailures',
    'Failed evidence store attempts, each retried; the image stays unacknowledged.',
  ],
  seamline_consumer_evidence_pruned_images_total: ['prunedImages', 'Evidence images removed by retention (age or bytes).'],
  seamline_consumer_evidence_pruned_bytes_total: ['prunedBytes', 'JPEG bytes removed by retention.'],
};

/**
 * `seamline_consumer_evidence_*`: counters that mirror the ingest's and retention's own counts, synced at
 * each scrape (the hot path never touches prom-client), and the deliveries not yet acknowledged.
 */
export function evidenceMetrics(stats: { ingest: EvidenceIngestStats; retention?: RetentionStats }, registry = new Registry()): Registry {
  const registers = [registry];
  const read = (key: string) =>
    key in stats.ingest ? stats.ingest[key as keyof EvidenceIngestStats] : (stats.retention?.[key as keyof RetentionStats] ?? 0);
  for (const [name, [key, help]] of Object.entries(HELP)) {
    let last = 0;
    new Counter({
      name,
      help,
      registers,
      collect() {
        const now = read(key);
        this.inc(now - last);
        last = now;
      },
    });
  }
  new Gauge({
    name: 'seamline_consumer_evidence_pending',
    help: 'Evidence messages received and not yet acknowledged (being stored, waiting, or retrying).',
    registers,
    collect() {
      this.set(stats.ingest.pending);
    },
  });
  return registry;
}
