import { isSeamError, SeamError } from '../../contract/index.ts';

/** The flags that choose one listener's address, e.g. `{ port: '--http-port', host: '--host' }`. */
export interface ListenFlags {
  port: string;
  /** Absent when the listener's address is fixed (the consumer's dashboard is always on 127.0.0.1). */
  host?: string;
}

/**
 * A SEAM_ERR_LISTEN with the flag that changes the address appended, so the one line an operator reads says
 * what to do: `... is in use by another program; choose another port with --http-port (0 picks a free one)`.
 * `extra` goes before that hint (another way out, such as using the broker that holds the port). Any other
 * error is returned as it is.
 */
export function nameListenFlag(err: unknown, flags: ListenFlags, extra = ''): unknown {
  if (!isSeamError(err, 'SEAM_ERR_LISTEN')) return err;
  let hint = `; choose another port with ${flags.port} (0 picks a free one)`;
  if (err.field === 'host') hint = flags.host ? `; use an address of this machine with ${flags.host}` : '';
  return new SeamError('SEAM_ERR_LISTEN', `${err.message}${extra}${hint}`, { field: err.field, cause: err.cause });
}

/** Runs `open` (which starts a listener), naming the listener's flags in a SEAM_ERR_LISTEN it throws. */
export async function withListenFlags<T>(flags: ListenFlags, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (err) {
    throw nameListenFlag(err, flags);
  }
}
