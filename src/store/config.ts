import { SeamError } from '../contract/errors.ts';

/**
 * The store section of a config file or the flags: `kind` picks the implementation (registry/registry.ts),
 * `url` says where (a file path for DuckDB), the rest is shared. Examples are in docs/stores.md.
 */
export interface StoreConfig {
  kind: string;
  /** duckdb: file path or `:memory:` (also accepts `duckdb:///path`); others: the server URL. */
  url?: string;
  /** Delete data older than this many days; 0 keeps everything. */
  retentionDays?: number;
  /** postgres: schema; influxdb: database; victoriametrics: `db` label. */
  database?: string;
  username?: string;
  password?: string;
  /** postgres: `auto` | `require` | `off` (default auto). */
  timescale?: 'auto' | 'require' | 'off';
  /** Open for reading only (`seamline dashboard`): DuckDB attaches the file read-only, PostgreSQL creates no tables. */
  readOnly?: boolean;
}

/** The DuckDB file a config names: its URL without a `duckdb://` scheme, or the default file. */
export const duckdbPath = (config: StoreConfig): string => (config.url ?? './data/seamline.duckdb').replace(/^duckdb:\/\//, '');

/**
 * Reads `kind` from a URL's scheme: `postgres://...`, `postgresql://...`, `influxdb+http://host:8086`,
 * `victoriametrics+http://host:8428`, `duckdb:///path` or a bare file path, for a single --store flag.
 */
export function storeConfigFromUrl(url: string, extra: Omit<StoreConfig, 'kind' | 'url'> = {}): StoreConfig {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (!scheme) return { kind: 'duckdb', url, ...extra };
  if (scheme === 'postgres' || scheme === 'postgresql') return { kind: 'postgres', url, ...extra };
  if (scheme === 'duckdb') return { kind: 'duckdb', url, ...extra };
  const [kind, transport] = scheme.split('+');
  if ((kind === 'influxdb' || kind === 'victoriametrics') && (transport === 'http' || transport === 'https')) {
    return { kind, url: url.replace(/^[^:]+:/, `${transport}:`), ...extra };
  }
  throw new SeamError(
    'SEAM_ERR_CONFIG',
    `store.url ${scheme}:// names no store: use postgres://, influxdb+http://, victoriametrics+http:// or a DuckDB path`,
    {
      field: 'store.url',
    },
  );
}
