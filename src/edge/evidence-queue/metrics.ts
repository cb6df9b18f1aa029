import { Histogram, type Counter, type Registry } from 'prom-client';
import { perRegistry, SeriesMember, type Reading } from '../../plumbing/shared-series.ts';
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

interface Series {
  counters: Map<CounterStat, Counter<'client_id'>>;
  latency: Histogram<'client_id'>;
}

// Several bridges may share one registry (one per camera in `npm start`): registered once per registry,
// labelled by client id, reading every queue registered on it. The counters mirror the queue's own: offer
// and PUBACK never touch prom-client.
const shared = perRegistry<Series, EvidenceMetrics>(({ gauge, counter, registers }) => {
  const queueGauge = (name: string, help: string, read: (s: EvidenceQueueStats) => number) =>
    gauge(name, help, (q) => read(q.source.stats()));
  queueGauge('seamline_edge_evidence_queue_depth', 'Evidence images queued at the edge (waiting or in flight).', (s) => s.queued);
  queueGauge('seamline_edge_evidence_queue_bytes', 'Bytes those images occupy.', (s) => s.queue_bytes);
  const counters = new Map(COUNTERS.map(([stat, name, help]) => [stat, counter(name, help, ['client_id'])]));
  const latency = new Histogram({
    name: 'seamline_edge_evidence_puback_latency_seconds',
    help: 'Time from sending an evidence PUBLISH to its PUBACK (an image takes its size over the link).',
    labelNames: ['client_id'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  return { counters, latency };
});

/** One image queue's series of the shared evidence metrics. */
export class EvidenceMetrics extends SeriesMember<EvidenceMetricsSource, Series> {
  constructor(registry: Registry, source: EvidenceMetricsSource) {
    super(shared(registry), source);
    // Every series exists at 0 from the start, so an alert on "any increase" sees the first drop.
    for (const counter of this.s.counters.values()) counter.inc(this.labels, 0);
    this.s.latency.zero(this.labels);
  }

  ackLatency(seconds: number): void {
    this.s.latency.observe(this.labels, seconds);
  }

  protected *readings(): Generator<Reading> {
    const stats = this.source.stats();
    for (const [stat, counter] of this.s.counters) yield [counter, this.labels, stat, stats[stat]];
  }
}
