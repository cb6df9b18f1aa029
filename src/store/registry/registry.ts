import { SeamError } from '../../contract/index.ts';
import { duckdbPath, type StoreConfig } from '../config.ts';
import type { DeadLetterReader } from '../dead-letter-reader.ts';
import { DuckDbDeadLetterReader } from '../duckdb/dead-letter-reader.ts';
import { DuckDbStore } from '../duckdb/store.ts';
import { InfluxDbDeadLetterReader } from '../line-protocol/dead-letter-reader-influxdb.ts';
import { VictoriaDeadLetterReader } from '../line-protocol/dead-letter-reader-victoria.ts';
import { LineProtocolStore } from '../line-protocol/store.ts';
import { PostgresDeadLetterReader } from '../postgres/dead-letter-reader.ts';
import { PostgresStore } from '../postgres/store.ts';
import type { Store } from '../store.ts';

/**
 * One store kind, registered by name as Telegraf outputs register themselves: the store, and the reader
 * of its dead letters (`seamline dead-letters`, dead-letter-reader.ts), which opens the store for reading
 * only and needs no running store. What else a store has it declares itself (capabilities.ts).
 */
interface StoreKind {
  store(config: StoreConfig): Store;
  deadLetters(config: StoreConfig): DeadLetterReader;
}

const need = (config: StoreConfig, what: string): string => {
  if (!config.url) throw new SeamError('SEAM_ERR_CONFIG', `store.url is required for ${config.kind} (${what})`, { field: 'store.url' });
  return config.url;
};

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

/** Add a kind here to make it selectable. */
const KINDS = new Map<string, StoreKind>([
  [
    'duckdb',
    {
      store: (c) => new DuckDbStore({ path: duckdbPath(c), retentionDays: c.retentionDays, readOnly: c.readOnly }),
      deadLetters: (c) => new DuckDbDeadLetterReader(c),
    },
  ],
  [
    'postgres',
    {
      store: (c) =>
        new PostgresStore({
          url: need(c, 'postgres://user:password@host:5432/db'),
          schema: c.database,
          retentionDays: c.retentionDays,
          timescale: c.timescale,
          readOnly: c.readOnly,
          pool: c.username !== undefined || c.password !== undefined ? { user: c.username, password: c.password } : undefined,
        }),
      deadLetters: (c) => new PostgresDeadLetterReader(c),
    },
  ],
  ['influxdb', { store: (c) => lineProtocol('influxdb', c, 'http://host:8086'), deadLetters: (c) => new InfluxDbDeadLetterReader(c) }],
  [
    'victoriametrics',
    { store: (c) => lineProtocol('victoriametrics', c, 'http://host:8428'), deadLetters: (c) => new VictoriaDeadLetterReader(c) },
  ],
]);

/** Names `createStore` accepts, for --help and error messages. */
export const storeKinds = (): string[] => [...KINDS.keys()];

function kindOf(config: StoreConfig): StoreKind {
  const kind = KINDS.get(config.kind);
  if (!kind) {
    throw new SeamError('SEAM_ERR_CONFIG', `store.kind must be one of ${storeKinds().join(', ')}; got ${JSON.stringify(config.kind)}`, {
      field: 'store.kind',
    });
  }
  return kind;
}

/** Builds (does not open) the store a config names. Unknown kind or a bad value: SEAM_ERR_CONFIG naming the field. */
export function createStore(config: StoreConfig): Store {
  const kind = kindOf(config);
  if (config.retentionDays !== undefined && !(Number.isFinite(config.retentionDays) && config.retentionDays >= 0)) {
    throw new SeamError('SEAM_ERR_CONFIG', `store.retentionDays must be a number of days >= 0, got ${config.retentionDays}`, {
      field: 'store.retentionDays',
    });
  }
  return kind.store(config);
}

/** Builds (does not open) the dead-letter reader of the store a config names. */
export function createDeadLetterReader(config: StoreConfig): DeadLetterReader {
  return kindOf(config).deadLetters(config);
}
