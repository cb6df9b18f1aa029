import { Counter, Gauge, Registry } from 'prom-client';
import type { EvidenceStore } from '../../store/evidence/evidence-store.ts';
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

/** How long a scrape waits for the store's image gaps before it answers with the last values. */
export const IMAGE_GAPS_TIMEOUT_MS = 5_000;

export interface EvidenceMetricsSources {
  ingest: EvidenceIngestStats;
  retention?: RetentionStats;
  /** The evidence store, for `seamline_consumer_evidence_images_missing` (absent: no such gauge). */
  store?: Pick<EvidenceStore, 'imageGaps'>;
}

/**
 * `seamline_consumer_evidence_*`: counters that mirror the ingest's and retention's own counts, synced at
 * each scrape (the hot path never touches prom-client), the deliveries not yet acknowledged, and with a
 * store the images each camera's edge queue numbered that never reached the store.
 */
export function evidenceMetrics(stats: EvidenceMetricsSources, registry = new Registry()): Registry {
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
  if (stats.store) imagesMissingGauge(stats.store, registers);
  return registry;
}

/** The store's imageGaps, or a rejection after `ms` (a hung query must not hang the scrape). */
function gapsWithin(store: Pick<EvidenceStore, 'imageGaps'>, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`imageGaps took over ${ms} ms`)), ms);
  });
  return Promise.race([store.imageGaps(), timeout]).finally(() => clearTimeout(timer));
}

/**
 * `seamline_consumer_evidence_images_missing{region,site,camera}`, read from the store at each scrape: per
 * camera, over its image streams, the numbers up to the newest received that never arrived (imageGaps). When
 * the store cannot answer, the scrape still succeeds with the values of the last one that did.
 */
function imagesMissingGauge(store: Pick<EvidenceStore, 'imageGaps'>, registers: Registry[]): void {
  new Gauge({
    name: 'seamline_consumer_evidence_images_missing',
    help:
      "Images the camera's edge queue numbered (image_stream.seq) up to the newest the evidence store received that never " +
      'reached it: lost after capture, or dropped by a full edge queue (also counted there as evidence_dropped). Summed ' +
      "over the camera's image streams since it started numbering, read from the store: every consumer of one PostgreSQL " +
      'store reports the same store-wide figure (do not sum across consumers).',
    labelNames: ['region', 'site', 'camera'],
    registers,
    async collect() {
      let gaps: Awaited<ReturnType<EvidenceStore['imageGaps']>>;
      try {
        gaps = await gapsWithin(store, IMAGE_GAPS_TIMEOUT_MS);
      } catch {
        return; // keep the last values rather than fail the whole scrape
      }
      const perCamera = new Map<string, { labels: { region: string; site: string; camera: string }; missing: number }>();
      for (const g of gaps) {
        const key = `${g.region}/${g.site}/${g.camera}`;
        const entry = perCamera.get(key) ?? { labels: { region: g.region, site: g.site, camera: g.camera }, missing: 0 };
        entry.missing += g.missing;
        perCamera.set(key, entry);
      }
      this.reset();
      for (const { labels, missing } of perCamera.values()) this.set(labels, missing);
    },
  });
}
