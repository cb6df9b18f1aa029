import type { Logger } from 'pino';
import { SeamError } from '../../contract/index.ts';
import type { StoreConfig } from '../config.ts';
import type { DeadLetterReader } from '../dead-letter-reader.ts';
import type { EvidenceStore } from '../evidence/evidence-store.ts';
import type { Store } from '../store.ts';

export interface EvidenceStoreChoice {
  /** A folder for the images whatever the detection store: the way to keep evidence beside InfluxDB or VictoriaMetrics. */
  dir?: string;
  readOnly?: boolean;
  logger?: Logger;
}

/**
 * One store kind, registered by name as Telegraf outputs register themselves: the store, the reader of its
 * dead letters (`seamline dead-letters`, dead-letter-reader.ts), which opens the store for reading only and
 * needs no running store, and the evidence store that goes with it, if any. What else a store has it declares
 * itself (capabilities.ts). Each kind is a file of its own, loaded only when a config names it: a consumer on
 * DuckDB never loads the PostgreSQL client, and the other way round.
 */
export interface StoreKind {
  store(config: StoreConfig): Store;
  deadLetters(config: StoreConfig): DeadLetterReader;
  evidence(config: StoreConfig, choice: EvidenceStoreChoice): EvidenceStore | null;
}

export const need = (config: StoreConfig, what: string): string => {
  if (!config.url) throw new SeamError('SEAM_ERR_CONFIG', `store.url is required for ${config.kind} (${what})`, { field: 'store.url' });
  return config.url;
};
