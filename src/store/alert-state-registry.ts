import { SeamError } from '../contract/index.ts';
import { DuckDbAlertState, LOCAL_LOCK } from './duckdb/alert-state.ts';
import { PostgresAlertLock, PostgresAlertState } from './postgres/alert-state.ts';
import type { AlertLock, AlertStateStore } from './alert-state.ts';
import { DuckDbStore } from './duckdb/store.ts';
import type { Store, StoreConfig } from './registry.ts';

/**
 * Alert state and leadership for the store a process reads: DuckDB keeps them in the same file (one
 * process, so always leader); PostgreSQL in the same database with an advisory lock. The line-protocol
 * stores cannot hold them (no transactions): run the engine against PostgreSQL or DuckDB.
 */
export function createAlertState(store: Store, config: StoreConfig): { state: AlertStateStore; lock: AlertLock } {
  if (store instanceof DuckDbStore) return { state: new DuckDbAlertState(() => store.connect()), lock: LOCAL_LOCK };
  if (config.kind === 'postgres' && config.url) {
    return {
      state: new PostgresAlertState({ url: config.url, schema: config.database }),
      lock: new PostgresAlertLock(config.url, config.database),
    };
  }
  throw new SeamError('SEAM_ERR_CONFIG', `alert state needs a duckdb or postgres store, not ${config.kind}`, { field: 'store' });
}
