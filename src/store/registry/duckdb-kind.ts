import { duckdbPath } from '../config.ts';
import { DuckDbDeadLetterReader } from '../duckdb/dead-letter-reader.ts';
import { DuckDbStore } from '../duckdb/store.ts';
import { DirectoryEvidenceStore } from '../evidence/directory-store.ts';
import { evidenceDirFor } from '../evidence/directory-layout.ts';
import type { StoreKind } from './store-kind.ts';

/** The embedded default: a DuckDB file, its images in a folder beside it (none for an in-memory database). */
export const duckdbKind: StoreKind = {
  store: (c) => new DuckDbStore({ path: duckdbPath(c), retentionDays: c.retentionDays, readOnly: c.readOnly }),
  deadLetters: (c) => new DuckDbDeadLetterReader(c),
  evidence: (c, { readOnly, logger }) => {
    const path = duckdbPath(c);
    return path === ':memory:' ? null : new DirectoryEvidenceStore({ dir: evidenceDirFor(path), readOnly, logger });
  },
};
