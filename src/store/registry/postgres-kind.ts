import { PostgresEvidenceStore } from '../evidence/postgres-store.ts';
import { PostgresDeadLetterReader } from '../postgres/dead-letter-reader.ts';
import { PostgresStore } from '../postgres/store.ts';
import { need, type StoreKind } from './store-kind.ts';

/** PostgreSQL (or TimescaleDB): events, rollups, dead letters and the `evidence` table in one schema. */
export const postgresKind: StoreKind = {
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
  evidence: (c, { readOnly }) => (c.url ? new PostgresEvidenceStore({ url: c.url, schema: c.database, readOnly }) : null),
};
