import { SeamError } from '../contract/index.ts';
import { DuckDbStore } from './duckdb/store.ts';
import { LineProtocolStore } from './line-protocol/store.ts';
import { PostgresStore } from './postgres/store.ts';
import type { DetectionStore, StoreReader } from './store.ts';

/**
 * The store section of a config file or the flags: `kind` picks the implementation, `url` says where
 * (a file path for DuckDB), the rest is shared. Examples are in docs/stores.md.
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

export type Store = DetectionStore & StoreReader;
type Factory = (config: StoreConfig) => Store;

const need = (config: StoreConfig, what: string): string => {
  if (!config.url) throw new SeamError('SEAM_ERR_CONFIG', `store.url is required for ${config.kind} (${what})`, { field: 'store.url' });
  return config.url;
};

/** Stores registered by name, as Telegraf outputs register themselves; add one here to make it selectable. */
const FACTORIES = new Map<string, Factory>([
  [
    'duckdb',
    (c) =>
      new DuckDbStore({
        path: (c.url ?? './data/seamline.duckdb').replace(/^duckdb:\/\//, ''),
        retentionDays: c.retentionDays,
        readOnly: c.readOnly,
      }),
  ],
  [
    'postgres',
    (c) =>
      new PostgresStore({
        url: need(c, 'postgres://user:password@host:5432/db'),
        schema: c.database,
        retentionDays: c.retentionDays,
        timescale: c.timescale,
        readOnly: c.readOnly,
        pool: c.username !== undefined || c.password !== undefined ? { user: c.username, password: c.password } : undefined,
      }),
  ],
  ['influxdb', (c) => lineProtocol('influxdb', c, 'http://host:8086')],
  ['victoriametrics', (c) => lineProtocol('victoriametrics', c, 'http://host:8428')],
]);

function lineProtocol(flavour: 'influxdb' | 'victoriametrics', c: StoreConfig, example: string): Store {
  return new LineProtocolStore({
    flavour,
    url: need(c, example),
    database: c.database,
    username: c.username,
    password: c.password,
    retentionDays: c.retentionDays,
  });
}

/** Names `createStore` accepts, for --help and error messages. */
export const storeKinds = (): string[] => [...FACTORIES.keys()];

/** Builds (does not open) the store a config names. Unknown kind or a bad value: SEAM_ERR_CONFIG naming the field. */
export function createStore(config: StoreConfig): Store {
  const factory = FACTORIES.get(config.kind);
  if (!factory) {
    throw new SeamError('SEAM_ERR_CONFIG', `store.kind must be one of ${storeKinds().join(', ')}; got ${JSON.stringify(config.kind)}`, {
      field: 'store.kind',
    });
  }
  if (config.retentionDays !== undefined && !(Number.isFinite(config.retentionDays) && config.retentionDays >= 0)) {
    throw new SeamError('SEAM_ERR_CONFIG', `store.retentionDays must be a number of days >= 0, got ${config.retentionDays}`, {
      field: 'store.retentionDays',
    });
  }
  return factory(config);
}

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
