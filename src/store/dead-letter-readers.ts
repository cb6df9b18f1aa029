import { SeamError } from '../contract/index.ts';
import { DuckDbDeadLetterReader } from './duckdb/dead-letter-reader.ts';
import { InfluxDbDeadLetterReader } from './line-protocol/dead-letter-reader-influxdb.ts';
import { PostgresDeadLetterReader } from './postgres/dead-letter-reader.ts';
import { VictoriaDeadLetterReader } from './line-protocol/dead-letter-reader-victoria.ts';
import type { DeadLetterReader } from './dead-letter-reader.ts';
import { storeKinds, type StoreConfig } from './registry.ts';

/** One reader per store kind, by the same names as registry.ts; a store added there needs one here. */
const READERS = new Map<string, (config: StoreConfig) => DeadLetterReader>([
  ['duckdb', (c) => new DuckDbDeadLetterReader(c)],
  ['postgres', (c) => new PostgresDeadLetterReader(c)],
  ['influxdb', (c) => new InfluxDbDeadLetterReader(c)],
  ['victoriametrics', (c) => new VictoriaDeadLetterReader(c)],
]);

/** Builds (does not open) the dead-letter reader of the store a config names. */
export function createDeadLetterReader(config: StoreConfig): DeadLetterReader {
  const factory = READERS.get(config.kind);
  if (!factory) {
    throw new SeamError('SEAM_ERR_CONFIG', `store.kind must be one of ${storeKinds().join(', ')}; got ${JSON.stringify(config.kind)}`, {
      field: 'store.kind',
    });
  }
  return factory(config);
}
