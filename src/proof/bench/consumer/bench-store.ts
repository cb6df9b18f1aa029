import { join } from 'node:path';
import { storeConfigFromUrl } from '../../../store/config.ts';
import { createStore } from '../../../store/registry/registry.ts';
import type { Store } from '../../../store/store.ts';
import { startInfluxDb } from '../../services/influxdb.ts';
import { startPostgres } from '../../services/postgres.ts';
import { startVictoriaMetrics } from '../../services/victoria-metrics.ts';

/** The stores `seamline bench consumer --store` measures. */
export const BENCH_STORES = ['duckdb', 'postgres', 'influxdb', 'victoriametrics'] as const;
export type BenchStoreKind = (typeof BENCH_STORES)[number];

export interface BenchStore {
  kind: BenchStoreKind;
  /** The --store URL `seamline consumer` would be given for it (DuckDB: the file). */
  url: string;
  /** Built through the store registry from that URL, as `seamline consumer --store URL` builds it; not yet open. */
  store: Store;
  /** The DuckDB file, for reading it back after the store closed. */
  duckdbPath?: string;
  /**
   * Cameras the bench's events are spread over: 6, or 60 for VictoriaMetrics. It keeps one event per camera,
   * slot (seq mod 32) and millisecond, and the publisher stamps the events it builds ahead at the pace it builds
   * them (hundreds of thousands a second): at 6 cameras more than 32 of one camera would share a millisecond, a
   * pace no camera has (32,000 frames a second), and VictoriaMetrics would keep one of each pair.
   */
  cameras: number;
  /** Stops the server the bench started, removing its data (nothing for DuckDB). */
  stop(): Promise<void>;
}

/**
 * The store of a consumer bench: DuckDB in the bench's folder, or a throwaway server started on loopback
 * (src/proof/services/), each opened through the registry from the URL a user would pass to `seamline consumer`.
 */
export async function startBenchStore(kind: BenchStoreKind, dir: string): Promise<BenchStore> {
  let url: string;
  let stop = async () => {};
  switch (kind) {
    case 'duckdb':
      url = join(dir, 'bench.duckdb');
      break;
    case 'postgres': {
      const pg = await startPostgres();
      [url, stop] = [pg.url, () => pg.stop()];
      break;
    }
    case 'influxdb': {
      const influx = await startInfluxDb();
      [url, stop] = [`influxdb+${influx.url}`, () => influx.stop()];
      break;
    }
    case 'victoriametrics': {
      const vm = await startVictoriaMetrics();
      [url, stop] = [`victoriametrics+${vm.url}`, () => vm.stop()];
      break;
    }
  }
  const store = await createStore(storeConfigFromUrl(url));
  const cameras = kind === 'victoriametrics' ? 60 : 6;
  return { kind, url, store, duckdbPath: kind === 'duckdb' ? url : undefined, cameras, stop };
}
