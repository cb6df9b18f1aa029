import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the gauges read at scrape time. */
export interface OutboxGaugeSource {
  clientId: string;
  depth(): number;
  bytes(): number;
  windowDepth(): number;
  windowBytes(): number;
  oldestUnsentSeconds(): number;
}

interface Shared {
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
  sources: Set<OutboxGaugeSource>;
}

/** The codes an input can be refused with (seamline_edge_refused_total{code}). */
const REFUSAL_CODES = ['SEAM_ERR_INVALID_INPUT', 'SEAM_ERR_OUTBOX_FULL'] as const;

// Several bridges may share one registry (one per camera in `npm start`): metrics are registered once
// per registry, labelled by client id, and the gauges read every bridge registered on it.
const perRegistry = new WeakMap<Registry, Shared>();

function shared(registry: Registry): Shared {
  const found = perRegistry.get(registry);
  if (found) return found;
  const sources = new Set<OutboxGaugeSource>();
  const registers = [registry];
  const counter = (name: string, help: string) => new Counter({ name, help, labelNames: ['client_id'], registers });
  const gauge = (name: string, help: string, read: (s: OutboxGaugeSource) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['client_id'],
      registers,
      collect() {
        this.reset();
        for (const s of sources) this.set({ client_id: s.clientId }, read(s));
      },
    });
  gauge('seamline_edge_outbox_depth', 'Events in the outbox not yet acknowledged by the broker.', (s) => s.depth());
  gauge('seamline_edge_outbox_bytes', 'Bytes those events occupy.', (s) => s.bytes());
  gauge('seamline_edge_replay_depth', 'Acknowledged events kept in the replay window for repair.', (s) => s.windowDepth());
  gauge('seamline_edge_replay_bytes', 'Bytes those events occupy.', (s) => s.windowBytes());
  gauge('seamline_edge_oldest_unsent_seconds', 'Age of the oldest unacknowledged event.', (s) => s.oldestUnsentSeconds());
  const created: Shared = {
    accepted: counter('seamline_edge_accepted_total', 'Events accepted durably into the outbox.'),
    published: counter('seamline_edge_published_total', 'PUBLISH packets sent, redeliveries included.'),
    acked: counter('seamline_edge_acknowledged_total', 'Events removed from the outbox after their PUBACK.'),
    dropped: counter(
      'seamline_edge_dropped_total',
      'Events dropped by the outbox byte bound (drop-oldest) before the broker acknowledged them.',
    ),
    evicted: counter('seamline_edge_evicted_total', 'Acknowledged events that left the replay window (space, its byte bound, or its age).'),
    republished: counter('seamline_edge_republished_total', 'Events republished from the replay window for repair requests (PUBACKed).'),
    repairRequests: new Counter({
      name: 'seamline_edge_repair_requests_total',
      help: 'Repair requests received: answered, invalid (ignored and logged), or ignored for arriving too fast.',
      labelNames: ['client_id', 'result'],
      registers,
    }),
    repairAnswered: new Counter({
      name: 'seamline_edge_repair_answered_seqs_total',
      help: 'Requested seqs by the answer they got: republished, pending, busy, evicted, dropped, never_produced, outbox_reset.',
      labelNames: ['client_id', 'outcome'],
      registers,
    }),
    refused: new Counter({
      name: 'seamline_edge_refused_total',
      help: 'Inputs refused: invalid (SEAM_ERR_INVALID_INPUT) or outbox full with reject-new (SEAM_ERR_OUTBOX_FULL).',
      labelNames: ['client_id', 'code'],
      registers,
    }),
    reconnects: counter('seamline_edge_reconnects_total', 'Connections to the broker re-established after a loss.'),
    pubackLatency: new Histogram({
      name: 'seamline_edge_puback_latency_seconds',
      help: 'Time from sending a PUBLISH to its PUBACK.',
      labelNames: ['client_id'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    sources,
  };
  perRegistry.set(registry, created);
  return created;
}

/** One bridge's handles on the shared edge metrics. */
export class EdgeMetrics {
  private readonly s: Shared;
  private readonly labels: { client_id: string };

  constructor(
    readonly registry: Registry,
    private readonly source: OutboxGaugeSource,
  ) {
    this.s = shared(registry);
    this.labels = { client_id: source.clientId };
    this.s.sources.add(source);
    // Every series exists at 0 from the start: an alert on "any increase" must see the first drop or refusal,
    // and a counter with no sample until then has nothing to increase from.
    for (const counter of [this.s.accepted, this.s.published, this.s.acked, this.s.dropped, this.s.reconnects]) counter.inc(this.labels, 0);
    for (const code of REFUSAL_CODES) this.s.refused.inc({ ...this.labels, code }, 0);
    this.s.pubackLatency.zero(this.labels);
  }

  accepted(): void {
    this.s.accepted.inc(this.labels);
  }
  published(n = 1): void {
    this.s.published.inc(this.labels, n);
  }
  acked(latencySeconds: number): void {
    this.s.acked.inc(this.labels);
    this.s.pubackLatency.observe(this.labels, latencySeconds);
  }
  dropped(n: number): void {
    this.s.dropped.inc(this.labels, n);
  }
  evicted(n: number): void {
    this.s.evicted.inc(this.labels, n);
  }
  republished(n: number): void {
    this.s.republished.inc(this.labels, n);
  }
  repairRequest(result: string): void {
    this.s.repairRequests.inc({ ...this.labels, result });
  }
  repairAnswered(outcome: string, seqs: number): void {
    this.s.repairAnswered.inc({ ...this.labels, outcome }, seqs);
  }
  refused(code: string): void {
    this.s.refused.inc({ ...this.labels, code });
  }
  reconnected(): void {
    this.s.reconnects.inc(this.labels);
  }

  /** Stops the gauges reading this bridge (counters keep their totals, as Prometheus expects). */
  detach(): void {
    this.s.sources.delete(this.source);
  }
}
