import { isSeamError, SeamError } from '../contract/index.ts';

/**
 * What a failed store call means to the consumer (store.ts says how each store decides):
 * `unavailable` — wait and retry; `refused` — the batch holds something the store will not keep, split it;
 * `config` — the store itself is wrong, if a probe agrees. Anything not coded counts as unavailable: the
 * broker still holds the data, and a batch that keeps failing is probed before long anyway.
 */
export type StoreFailure = 'unavailable' | 'refused' | 'config';

export function failureOf(err: unknown): StoreFailure {
  if (isSeamError(err, 'SEAM_ERR_STORE_REFUSED')) return 'refused';
  if (isSeamError(err) && err.kind === 'fatal') return 'config';
  return 'unavailable';
}

/** The store's own words for a failure, as the reason a dead letter carries. */
export function refusalOf(err: unknown): SeamError {
  if (isSeamError(err, 'SEAM_ERR_STORE_REFUSED')) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SeamError('SEAM_ERR_STORE_REFUSED', `${message} (the store's probe write passed, so this message is at fault)`, {
    field: isSeamError(err) ? err.field : 'store',
    cause: err,
  });
}

/** Thrown through a commit when the ingestor closed while it waited: nothing is acknowledged. */
export class CommitAbandoned extends Error {
  constructor() {
    super('ingest closed while the batch waited for the store');
  }
}
