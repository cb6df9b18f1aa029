import { isSeamError, SeamError } from '../../contract/index.ts';

/** DuckDB error classes (the message's prefix) that say a value in the batch is what it refuses. */
const DATA = /^(Conversion|Invalid Input|Out of Range|Constraint) Error/;
/** Classes that say the file or its schema is wrong; the consumer checks with a probe before it believes one. */
const CONFIG = /^(Catalog|Permission|Binder|Parser|Dependency) Error/;

/**
 * The DuckDB store's decision on a failure (store.ts): a value DuckDB cannot take, or one our own row
 * encoding cannot (a RangeError or TypeError from a number that is no number), is SEAM_ERR_STORE_REFUSED;
 * a missing table or a read-only file is SEAM_ERR_CONFIG; anything else (I/O, memory, a transaction
 * conflict) SEAM_ERR_STORE_UNAVAILABLE, and retried.
 */
export function duckdbError(what: string, cause: unknown): SeamError {
  if (isSeamError(cause)) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (cause instanceof RangeError || cause instanceof TypeError || DATA.test(message)) {
    return new SeamError('SEAM_ERR_STORE_REFUSED', `duckdb ${what} refused a value: ${message}`, { field: 'store', cause });
  }
  if (CONFIG.test(message))
    return new SeamError('SEAM_ERR_CONFIG', `duckdb ${what} failed for good: ${message}`, { field: 'store.path', cause });
  return new SeamError('SEAM_ERR_STORE_UNAVAILABLE', `duckdb ${what} failed: ${message}`, { field: 'store', cause });
}
