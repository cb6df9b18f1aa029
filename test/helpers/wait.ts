import { waitUntil } from '../../src/proof/chaos/harness/wait-until.ts';

/** Polls `check` until it holds; fails with `what` after `timeoutMs`. For waiting on real services, not for timing. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  if (!(await waitUntil(check, timeoutMs))) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
