import { SeamError } from '../../contract/index.ts';
import type { StoreConfig } from '../config.ts';
import type { DeadLetterReader } from '../dead-letter-reader.ts';
import { DirectoryEvidenceStore } from '../evidence/directory-store.ts';
import type { EvidenceStore } from '../evidence/evidence-store.ts';
import type { Store } from '../store.ts';
import type { EvidenceStoreChoice, StoreKind } from './store-kind.ts';

export type { EvidenceStoreChoice } from './store-kind.ts';

/** Add a kind here to make it selectable; its module loads when a config names it. */
const KINDS = new Map<string, () => Promise<StoreKind>>([
  ['duckdb', async () => (await import('./duckdb-kind.ts')).duckdbKind],
  ['postgres', async () => (await import('./postgres-kind.ts')).postgresKind],
  ['influxdb', async () => (await import('./line-protocol-kinds.ts')).influxdbKind],
  ['victoriametrics', async () => (await import('./line-protocol-kinds.ts')).victoriametricsKind],
]);

/** Names `createStore` accepts, for --help and error messages. */
export const storeKinds = (): string[] => [...KINDS.keys()];

function kindOf(config: StoreConfig): Promise<StoreKind> {
  const load = KINDS.get(config.kind);
  if (!load) {
    throw new SeamError('SEAM_ERR_CONFIG', `store.kind must be one of ${storeKinds().join(', ')}; got ${JSON.stringify(config.kind)}`, {
      field: 'store.kind',
    });
  }
  return load();
}

/** Builds (does not open) the store a config names. Unknown kind or a bad value: SEAM_ERR_CONFIG naming the field. */
export async function createStore(config: StoreConfig): Promise<Store> {
  const kind = await kindOf(config);
  if (config.retentionDays !== undefined && !(Number.isFinite(config.retentionDays) && config.retentionDays >= 0)) {
    throw new SeamError('SEAM_ERR_CONFIG', `store.retentionDays must be a number of days >= 0, got ${config.retentionDays}`, {
      field: 'store.retentionDays',
    });
  }
  return kind.store(config);
}

/** Builds (does not open) the dead-letter reader of the store a config names. */
export async function createDeadLetterReader(config: StoreConfig): Promise<DeadLetterReader> {
  return (await kindOf(config)).deadLetters(config);
}

/**
 * Builds (does not open) the evidence store that goes with a detection store: a folder beside the DuckDB
 * file, the `evidence` table in the PostgreSQL database, or the folder `dir` names. null where there is none
 * to go with it (an in-memory DuckDB, the line-protocol stores without `dir`): images are then not taken
 * from the broker at all, so they wait there for a consumer that keeps them.
 */
export async function createEvidenceStore(config: StoreConfig, choice: EvidenceStoreChoice = {}): Promise<EvidenceStore | null> {
  if (choice.dir) return new DirectoryEvidenceStore({ dir: choice.dir, readOnly: choice.readOnly, logger: choice.logger });
  const load = KINDS.get(config.kind);
  return load ? (await load()).evidence(config, choice) : null;
}
