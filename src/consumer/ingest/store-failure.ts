import { isSeamError, SeamError } from '../../contract/index.ts';

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
