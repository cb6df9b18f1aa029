import { parseDuration } from '../config/duration.ts';
import { NotifyError } from './notifier.ts';

/**
 * POSTs JSON and classifies the answer: 2xx delivered; 408, 429, 5xx, timeouts and refused connections
 * retryable; any other 4xx permanent (the receiver will refuse the same body again).
 */
export async function postJson(url: string, body: unknown, id: string, timeout = '5s'): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': id, 'user-agent': 'seamline-alerts' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(parseDuration(timeout)),
    });
  } catch (err) {
    throw new NotifyError(`POST ${new URL(url).host} failed: ${(err as Error).message}`, true);
  }
  await res.arrayBuffer().catch(() => undefined);
  if (res.ok) return;
  const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
  throw new NotifyError(`POST ${new URL(url).host} answered ${res.status}`, retryable);
}
