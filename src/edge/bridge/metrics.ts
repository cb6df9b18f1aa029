import { Histogram, type Counter, type Registry } from 'prom-client';
import { perRegistry, SeriesMember, type Reading, type SeriesKit } from '../../plumbing/shared-series.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { oldestUnsentMs, type BridgeCounters } from './counters.ts';

/** What the metrics of one bridge read when scraped. */
export interface EdgeMetricsSource {
  clientId: string;
  counters: BridgeCounters;
  outbox: Outbox;
}

interface Series {
  accepted: Counter<'client_id'>;
  published: Counter<'client_id'>;
  acked: Counter<'client_id'>;
  dropped: Counter<'client_id'>;
  evicted: Counter<'client_id'>;
  republished: Counter<'client_id'>;
  repairRequests: Counter<'client_id' | 'result'>;
  repairAnswered: Counter<'client_id' | 'outcome'>;
  refused: Counter<'client_id' | 'code'>;
  reconnects: Counter<'client_id'>;
  pubackLatency: Histogram<'client_id'>;
}

/** The codes an input can be refused with (seamline_edge_refused_total{code}). */
const REFUSAL_CODES = ['SEAM_ERR_INVALID_INPUT', 'SEAM_ERR_OUTBOX_FULL'] as const;

function gauges({ gauge }: SeriesKit<EdgeMetrics>): void {
  const outboxGauge = (name: string, help: string, read: (outbox: Outbox) => number) => gauge(name, help, (b) => read(b.source.outbox));
  outboxGauge('seamline_edge_outbox_depth', 'Events in the outbox not yet acknowledged by the broker.', (o) => o.stats().depth);
  outboxGauge('seamline_edge_outbox_bytes', 'Bytes those events occupy.', (o) => o.stats().bytes);
  outboxGauge('seamline_edge_replay_depth', 'Acknowledged events kept in the replay window for repair.', (o) => o.stats().windowDepth);
  outboxGauge('seamline_edge_replay_bytes', 'Bytes those events occupy.', (o) => o.stats().windowBytes);
  outboxGauge('seamline_edge_oldest_unsent_seconds', 'Age of the oldest unacknowledged event.', (o) => oldestUnsentMs(o) / 1000);
}

// Several bridges may share one registry (one per camera in `npm start`): metrics are registered once
// per registry, labelled by client id, and read every bridge registered on it. The counters mirror each
// bridge's own (counters.ts and the outbox's).
const shared = perRegistry<Series, EdgeMetrics>((kit) => {
  gauges(kit);
  const { counter, registers } = kit;
  return {
    accepted: counter('seamline_edge_accepted_total', 'Events accepted durably into the outbox.', ['client_id']),
    published: counter('seamline_edge_published_total', 'PUBLISH packets sent, redeliveries included.', ['client_id']),
    acked: counter('seamline_edge_acknowledged_total', 'Events removed from the outbox after their PUBACK.', ['client_id']),
    dropped: counter(
      'seamline_edge_dropped_total',
      'Events dropped by the outbox byte bound (drop-oldest) before the broker acknowledged them.',
      ['client_id'],
    ),
    evicted: counter(
      'seamline_edge_evicted_total',
      'Acknowledged events that left the replay window (space, its byte bound, or its age).',
      ['client_id'],
    ),
    republished: counter('seamline_edge_republished_total', 'Events republished from the replay window for repair requests (PUBACKed).', [
      'client_id',
    ]),
    repairRequests: counter(
      'seamline_edge_repair_requests_total',
      'Repair requests received: answered, invalid (ignored and logged), or ignored for arriving too fast.',
      ['client_id', 'result'],
    ),
    repairAnswered: counter(
      'seamline_edge_repair_answered_seqs_total',
      'Requested seqs by the answer they got: republished, pending, busy, evicted, dropped, never_produced, outbox_reset.',
      ['client_id', 'outcome'],
    ),
    refused: counter(
      'seamline_edge_refused_total',
      'Inputs refused: invalid (SEAM_ERR_INVALID_INPUT) or outbox full with reject-new (SEAM_ERR_OUTBOX_FULL).',
      ['client_id', 'code'],
    ),
    reconnects: counter('seamline_edge_reconnects_total', 'Connections to the broker re-established after a loss.', ['client_id']),
    pubackLatency: new Histogram({
      name: 'seamline_edge_puback_latency_seconds',
      help: 'Time from sending a PUBLISH to its PUBACK.',
      labelNames: ['client_id'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  };
});

/** One bridge's series of the shared edge metrics. */
export class EdgeMetrics extends SeriesMember<EdgeMetricsSource, Series> {
  constructor(registry: Registry, source: EdgeMetricsSource) {
    super(shared(registry), source);
    // Every series exists at 0 from the start: an alert on "any increase" must see the first drop or refusal,
    // and a counter with no sample until then has nothing to increase from.
    for (const counter of [this.s.accepted, this.s.published, this.s.acked, this.s.dropped, this.s.reconnects]) counter.inc(this.labels, 0);
    for (const code of REFUSAL_CODES) this.s.refused.inc({ ...this.labels, code }, 0);
    this.s.pubackLatency.zero(this.labels);
  }

  /** A PUBACK's latency: a distribution is the one thing that cannot be read from a total later. */
  ackLatency(seconds: number): void {
    this.s.pubackLatency.observe(this.labels, seconds);
  }

  protected *readings(): Generator<Reading> {
    const { s, labels } = this;
    const c = this.source.counters;
    const o = this.source.outbox.stats();
    yield [s.accepted, labels, 'accepted', c.accepted];
    yield [s.published, labels, 'published', c.published];
    yield [s.acked, labels, 'acked', c.acked];
    yield [s.dropped, labels, 'dropped', o.dropped];
    yield [s.evicted, labels, 'evicted', o.evicted];
    yield [s.republished, labels, 'republished', c.republished];
    yield [s.reconnects, labels, 'reconnects', c.reconnects];
    for (const [code, n] of c.refusedByCode()) yield [s.refused, { ...labels, code }, `refused/${code}`, n];
    for (const [result, n] of Object.entries(c.repairRequests)) yield [s.repairRequests, { ...labels, result }, `request/${result}`, n];
    for (const [outcome, n] of c.repairAnswered) yield [s.repairAnswered, { ...labels, outcome }, `answered/${outcome}`, n];
  }
}
