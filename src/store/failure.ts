import { isSeamError } from '../contract/index.ts';

/**
 * What a failed store call means to whoever waits on it (store.ts says how each store decides):
 * `unavailable` — wait and retry; `refused` — the data holds something the store will not keep;
 * `config` — the store itself is wrong. Anything not coded counts as unavailable: the data is still held
 * upstream, and the consumer probes a write that keeps failing before long anyway.
 */
export type StoreFailure = 'unavailable' | 'refused' | 'config';

export function failureOf(err: unknown): StoreFailure {
  if (isSeamError(err, 'SEAM_ERR_STORE_REFUSED')) return 'refused';
  if (isSeamError(err) && err.kind === 'fatal') return 'config';
  return 'unavailable';
}
