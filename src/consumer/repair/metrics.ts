import { Counter, Gauge, type Registry } from 'prom-client';
import type { StoreReader } from '../../store/reader.ts';
import type { Repairer } from './repairer.ts';

/**
 * Prometheus metrics of end-to-end repair. The gauges are read from the store's repair ledger at scrape
 * time, so every consumer reports the same figures whichever of them repaired what; the counters are this
 * process's repairer.
 *
 * - `seamline_repair_missing{region,site,camera}`: seqs missing and being repaired now ("missing, repairing").
 * - `seamline_repair_oldest_missing_seconds{...}`: how long the oldest of them has been missing.
 * - `seamline_repair_lost{region,site,camera,reason}`: seqs confirmed lost, ever ("lost, confirmed").
 * - `seamline_repair_repaired{region,site,camera}`: seqs repaired, ever.
 * - `seamline_repair_requests_total`, `seamline_repair_answers_total`, `seamline_repair_resets_total`.
 */
export function repairMetrics(registry: Registry, store: Pick<StoreReader, 'capabilities'>, repairer?: Repairer): Registry {
  const registers = [registry];
  const labels = ['region', 'site', 'camera'];
  const ledger = store.capabilities.repairLedger;
  const summary = ledger ? () => ledger.summary() : undefined;
  if (summary) {
    // One ledger read per scrape serves all four gauges (each collects on its own, one after the other).
    let cached: { at: number; rows: ReturnType<typeof summary> } | undefined;
    const rows = () => {
      if (!cached || Date.now() - cached.at > 1_000) cached = { at: Date.now(), rows: summary() };
      return cached.rows;
    };
    type Row = NonNullable<Awaited<ReturnType<typeof summary>>>[number];
    const gauge = (name: string, help: string, values: (r: Row) => [Record<string, string>, number][], extra: string[] = []) =>
      new Gauge({
        name,
        help,
        labelNames: [...labels, ...extra],
        registers,
        async collect() {
          const all = await rows();
          this.reset();
          for (const r of all ?? [])
            for (const [l, v] of values(r)) this.set({ region: r.region, site: r.site, camera: r.camera, ...l }, v);
        },
      });
    gauge('seamline_repair_missing', 'Seqs missing and being repaired now, from the repair ledger.', (r) => [[{}, r.repairing]]);
    gauge('seamline_repair_oldest_missing_seconds', 'Age of the oldest gap still being repaired.', (r) => [
      [{}, r.oldestRepairingMs === null ? 0 : (Date.now() - r.oldestRepairingMs) / 1000],
    ]);
    gauge(
      'seamline_repair_lost',
      'Seqs confirmed lost, by reason (evicted, dropped, outbox_reset, unanswered).',
      (r) => Object.entries(r.lost).map(([reason, n]) => [{ reason }, n ?? 0]),
      ['reason'],
    );
    gauge('seamline_repair_repaired', 'Seqs found missing and repaired since the ledger began.', (r) => [[{}, r.repaired]]);
  }
  if (repairer) {
    let last = { ...repairer.stats };
    const sync = () => {
      const s = repairer.stats;
      requests.inc(s.requests - last.requests);
      answers.inc(s.answers - last.answers);
      resets.inc(s.resets - last.resets);
      last = { ...s };
    };
    const requests = new Counter({
      name: 'seamline_repair_requests_total',
      help: 'Repair requests this repairer sent.',
      registers,
      collect: sync,
    });
    const answers = new Counter({
      name: 'seamline_repair_answers_total',
      help: 'Answers to its requests it applied.',
      registers,
      collect: sync,
    });
    const resets = new Counter({
      name: 'seamline_repair_resets_total',
      help: 'Bridges found with a new outbox (disk lost or replaced).',
      registers,
      collect: sync,
    });
  }
  return registry;
}
