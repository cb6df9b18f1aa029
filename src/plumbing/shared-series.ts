import { Counter, Gauge, type Registry } from 'prom-client';

type Labels = Record<string, string>;
/** One counter series of a member: its counter, labels, a key naming it among the member's series, and its total now. */
export type Reading = [counter: Counter<string>, labels: Labels, key: string, total: number];

/** A registry's series (built once) and the members a scrape reads. */
export interface SharedSeries<S, M> {
  series: S;
  members: Set<M>;
}

/** What the builder registers a registry's series with. */
export interface SeriesKit<M> {
  registers: Registry[];
  /** A gauge labelled by client id, set at every scrape to `read` of each member. */
  gauge(name: string, help: string, read: (member: M) => number): Gauge<'client_id'>;
  /** A counter synced from every member's totals at every scrape. */
  counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L>;
}

interface Syncable {
  readonly labels: { client_id: string };
  sync(): void;
}

/**
 * Series several members may share on one registry (one bridge or image queue per camera in `npm start`): they
 * are registered once per registry by `build`, labelled by client id, and read every member registered on the
 * registry. Returns the lookup: a registry -> its series and members.
 */
export function perRegistry<S, M extends Syncable>(build: (kit: SeriesKit<M>) => S): (registry: Registry) => SharedSeries<S, M> {
  const found = new WeakMap<Registry, SharedSeries<S, M>>();
  return (registry) => {
    const existing = found.get(registry);
    if (existing) return existing;
    const members = new Set<M>();
    const registers = [registry];
    // The counters mirror each member's own totals, synced at every scrape: the hot path never touches prom-client.
    const collect = () => {
      for (const m of members) m.sync();
    };
    const series = build({
      registers,
      gauge: (name, help, read) =>
        new Gauge({
          name,
          help,
          labelNames: ['client_id'],
          registers,
          collect() {
            this.reset();
            for (const m of members) this.set(m.labels, read(m));
          },
        }),
      counter: (name, help, labelNames) => new Counter({ name, help, labelNames, registers, collect }),
    });
    const created = { series, members };
    found.set(registry, created);
    return created;
  };
}

/**
 * One member's series of shared metrics (see perRegistry): its client id label, and its counters synced from the
 * totals it keeps, adding at each scrape only what is new.
 */
export abstract class SeriesMember<Src extends { clientId: string }, S> {
  readonly labels: { client_id: string };
  protected readonly s: S;
  private readonly members: Set<Syncable>;
  /** What each series of this member was last synced to, so a scrape adds only what is new. */
  private readonly synced = new Map<string, number>();

  protected constructor(
    shared: SharedSeries<S, Syncable>,
    readonly source: Src,
  ) {
    this.s = shared.series;
    this.members = shared.members;
    this.labels = { client_id: source.clientId };
    this.members.add(this);
  }

  /** Every counter series of this member with its total now. */
  protected abstract readings(): Iterable<Reading>;

  /** Adds to each counter what this member counted since the last sync. */
  sync(): void {
    for (const [counter, labels, key, total] of this.readings()) {
      const delta = total - (this.synced.get(key) ?? 0);
      if (delta <= 0) continue;
      counter.inc(labels, delta);
      this.synced.set(key, total);
    }
  }

  /** Stops reading this member, its totals synced first (counters keep them, as Prometheus expects). */
  detach(): void {
    this.sync();
    this.members.delete(this);
  }
}
