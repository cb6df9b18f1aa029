import { SeamError } from '../../contract/index.ts';
import { redactUrl } from '../../plumbing/redact.ts';
import type { StoreConfig } from '../config.ts';

/**
 * HTTP for the line-protocol stores, and their decision on a failure, much as Telegraf's influxdb output
 * makes it: 400, 413 and 422 say the server refuses what the body holds (a value, a point past a retention
 * policy, a body too big: SEAM_ERR_STORE_REFUSED, and the consumer splits the batch); any other 4xx says the
 * request cannot work (bad auth, unknown database: SEAM_ERR_CONFIG, which the consumer believes once its
 * probe fails too); 5xx, 429, 408, timeouts and refused or dropped connections are
 * SEAM_ERR_STORE_UNAVAILABLE: the batch stays unacknowledged and is retried.
 */
export type HttpFailure = 'retryable' | 'refused' | 'permanent';

export function classifyStatus(status: number): HttpFailure {
  if (status === 408 || status === 429) return 'retryable';
  if (status === 400 || status === 413 || status === 422) return 'refused';
  return status >= 400 && status < 500 ? 'permanent' : 'retryable';
}

export interface HttpOptions {
  /** Base URL without credentials, e.g. http://127.0.0.1:8086 */
  baseUrl: string;
  username?: string;
  password?: string;
  timeoutMs: number;
  fetch: typeof fetch;
  /** Name in messages: `influxdb` or `victoriametrics`. */
  label: string;
}

export class LineProtocolHttp {
  private readonly auth: string | undefined;

  constructor(private readonly o: HttpOptions) {
    this.auth = o.username !== undefined ? `Basic ${Buffer.from(`${o.username}:${o.password ?? ''}`).toString('base64')}` : undefined;
  }

  /** POSTs or GETs `path` and returns the body text; throws the classified SeamError otherwise. */
  async request(
    what: string,
    path: string,
    init: { method?: string; body?: string | Uint8Array<ArrayBuffer>; query?: Record<string, string> } = {},
  ): Promise<string> {
    const url = new URL(path, this.o.baseUrl);
    for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
    let res: Response;
    try {
      res = await this.o.fetch(url, {
        method: init.method ?? 'GET',
        body: init.body,
        headers: {
          ...(this.auth ? { authorization: this.auth } : {}),
          ...(init.body ? { 'content-type': 'text/plain; charset=utf-8' } : {}),
        },
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
    } catch (cause) {
      const reason = (cause as { cause?: { code?: string } })?.cause?.code ?? (cause as Error).name ?? 'network error';
      throw new SeamError('SEAM_ERR_STORE_UNAVAILABLE', `${this.o.label} ${what} to ${this.target()} failed: ${reason}`, {
        field: 'store',
        cause,
      });
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return text;
    const detail = `${this.o.label} ${what} to ${this.target()} answered ${res.status}: ${text.trim().slice(0, 300)}`;
    switch (classifyStatus(res.status)) {
      case 'permanent':
        throw new SeamError('SEAM_ERR_CONFIG', detail, {
          field: res.status === 401 || res.status === 403 ? 'store.username' : 'store.url',
        });
      case 'refused':
        throw new SeamError('SEAM_ERR_STORE_REFUSED', detail, { field: 'store' });
      default:
        throw new SeamError('SEAM_ERR_STORE_UNAVAILABLE', detail, { field: 'store' });
    }
  }

  /** host:port of the server, for messages: never the credentials. */
  target(): string {
    return new URL(this.o.baseUrl).host;
  }
}

/**
 * Splits `http://user:pass@host:8086/` into a credential-free base URL and the credentials, so neither
 * fetch nor an error message ever sees the password inside a URL.
 */
export function splitCredentials(url: string): { baseUrl: string; username?: string; password?: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new SeamError('SEAM_ERR_CONFIG', `store.url is not a URL: ${redactUrl(url)}`, { field: 'store.url' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new SeamError('SEAM_ERR_CONFIG', `store.url must be http(s), got ${u.protocol}`, { field: 'store.url' });
  }
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  u.username = '';
  u.password = '';
  // Request paths are relative, so a base path (a proxy prefix) must end with a slash to be kept.
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return { baseUrl: u.toString(), username, password };
}

/** HTTP to a line-protocol server (InfluxDB, VictoriaMetrics) for reading, with the store's credentials. */
export function lineProtocolReaderHttp(config: StoreConfig, label: 'influxdb' | 'victoriametrics', example: string): LineProtocolHttp {
  if (!config.url) throw new SeamError('SEAM_ERR_CONFIG', `store.url is required for ${label} (${example})`, { field: 'store.url' });
  const { baseUrl, username, password } = splitCredentials(config.url);
  return new LineProtocolHttp({
    baseUrl,
    username: config.username ?? username,
    password: config.password ?? password,
    timeoutMs: 60_000,
    fetch,
    label,
  });
}
