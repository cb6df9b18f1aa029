import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EvidenceQueueStats } from './counters.ts';

/** What one image queue's metrics read when scraped: the bridge's client id (the label) and the queue's stats. */
export interface EvidenceMetricsSource {
  clientId: string;
  stats(): EvidenceQueueStats;
}

type CounterStat = 'sent' | 'acked' | 'dropped' | 'dropped_bytes' | 'refused' | 'duplicates' | 'reconnects';

/** Each counter and the stat it mirrors; `dropped` includes `rejected` (the broker's refusals, given up). */
const COUNTERS: [stat: CounterStat, name: string, help: string][] = [
  ['sent', 'seamline_edge_evidence_sent_total', 'Evidence PUBLISH packets sent, resends after a lost connection included.'],
  ['acked', 'seamline_edge_evidence_acked_total', 'Evidence images the broker acknowledged; they left the image queue.'],
  [
    'dropped',
    'seamline_edge_evidence_dropped_total',
    'Evidence images dropped unsent: the byte bound (oldest first), a failed write, or refused by the broker three times.',
  ],
  ['dropped_bytes', 'seamline_edge_evidence_dropped_bytes_total', 'Bytes of those images.'],
  [
    'refused',
    'seamline_edge_evidence_refused_total',
    'Offers refused at the queue: not evidence.v1, meta disagreeing with the header, too large.',
  ],
  ['duplicates', 'seamline_edge_evidence_duplicates_total', 'Offers of an event_id already queued, kept once.'],
  ['reconnects', 'seamline_edge_evidence_reconnects_total', "The image publisher's connections re-established after a loss."],
];

interface Shared {
  counters: Map<CounterStat, Counter<'client_id'>>;
  latency: Histogram<'client_id'>;
  queues: Set<EvidenceMetrics>;
}

// Several bridges may share one registry (one per camera in `npm start`): registered once per registry,
// labelled by client id, reading every queue registered on it.
const perRegistry = new WeakMap<Registry, Shared>();

function shared(registry: Registry): Shared {
  const found = perRegistry.get(registry);
  if (found) return found;
  const queues = new Set<EvidenceMetrics>();
  const registers = [registry];
  const gauge = (name: string, help: string, read: (s: EvidenceQueueStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['client_id'],
      registers,
      collect() {
        this.reset();
        for (const q of queues) this.set({ client_id: q.source.clientId }, read(q.source.stats()));
      },
    });
  gauge('seamline_edge_evidence_queue_depth', 'Evidence images queued at the edge (waiting or in flight).', (s) => s.queued);
  gauge('seamline_edge_evidence_queue_bytes', 'Bytes those images occupy.', (s) => s.queue_bytes);
  // The counters mirror the queue's own, synced at every scrape: offer and PUBACK never touch prom-client.
  const collect = () => {
    for (const q of queues) q.sync();
  };
  const counters = new Map(
    COUNTERS.map(([stat, name, help]) => [stat, new Counter<'client_id'>({ name, help, labelNames: ['client_id'], registers, collect })]),
  );
  const latency = new Histogram({
    name: 'seamline_edge_evidence_puback_latency_seconds',
    help: 'Time from sending an evidence PUBLISH to its PUBACK (an image takes its size over the link).',
    labelNames: ['client_id'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const created = { counters, latency, queues };
  perRegistry.set(registry, created);
  return created;
}

/** One image queue's series of the shared evidence metrics. */
export class EvidenceMetrics {
  private readonly s: Shared;
  private readonly labels: { client_id: string };
  private readonly synced = new Map<CounterStat, number>();

  constructor(
    registry: Registry,
    readonly source: EvidenceMetricsSource,
  ) {
    this.s = shared(registry);
    this.labels = { client_id: source.clientId };
    this.s.queues.add(this);
    // Every series exists at 0 from the start, so an alert on "any increase" sees the first drop.
    for (const counter of this.s.counters.values()) counter.inc(this.labels, 0);
    this.s.latency.zero(this.labels);
  }

  ackLatency(seconds: number): void {
    this.s.latency.observe(this.labels, seconds);
  }

  /** Adds to each counter what the queue counted since the last sync. */
  sync(): void {
    const stats = this.source.stats();
    for (const [stat, counter] of this.s.counters) {
      const delta = stats[stat] - (this.synced.get(stat) ?? 0);
      if (delta <= 0) continue;
      counter.inc(this.labels, delta);
      this.synced.set(stat, stats[stat]);
    }
  }

  /** Stops reading this queue, its totals synced first. */
  detach(): void {
    this.sync();
    this.s.queues.delete(this);
  }
}
