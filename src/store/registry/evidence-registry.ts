import type { Logger } from 'pino';
import { duckdbPath, type StoreConfig } from '../config.ts';
import { DirectoryEvidenceStore } from '../evidence/directory-store.ts';
import { evidenceDirFor } from '../evidence/directory-layout.ts';
import type { EvidenceStore } from '../evidence/evidence-store.ts';
import { PostgresEvidenceStore } from '../evidence/postgres-store.ts';

export interface EvidenceStoreChoice {
  /** A folder for the images whatever the detection store: the way to keep evidence beside InfluxDB or VictoriaMetrics. */
  dir?: string;
  readOnly?: boolean;
  logger?: Logger;
}

/**
 * Builds (does not open) the evidence store that goes with a detection store: a folder beside the DuckDB
 * file, the `evidence` table in the PostgreSQL database, or the folder `dir` names. null where there is none
 * to go with it (an in-memory DuckDB, the line-protocol stores without `dir`): images are then not taken
 * from the broker at all, so they wait there for a consumer that keeps them.
 */
export function createEvidenceStore(config: StoreConfig, choice: EvidenceStoreChoice = {}): EvidenceStore | null {
  const { readOnly, logger } = choice;
  if (choice.dir) return new DirectoryEvidenceStore({ dir: choice.dir, readOnly, logger });
  if (config.kind === 'duckdb') {
    const path = duckdbPath(config);
    return path === ':memory:' ? null : new DirectoryEvidenceStore({ dir: evidenceDirFor(path), readOnly, logger });
  }
  if (config.kind === 'postgres' && config.url) return new PostgresEvidenceStore({ url: config.url, schema: config.database, readOnly });
  return null;
}
