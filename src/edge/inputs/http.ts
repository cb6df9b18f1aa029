import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_MAX_PAYLOAD_BYTES, SeamError, isSeamError } from '../../contract/index.ts';
import { listen } from '../../plumbing/listen.ts';
import type { Bridge } from '../bridge/bridge.ts';
import { acceptRecord, type RecordImages } from './record-evidence.ts';
import { recordWithImageBytes } from './record-image.ts';

export interface HttpInputOptions {
  /** 0 (default) picks a free port; see `port` on the result. */
  port?: number;
  /** Loopback by default: the producer runs on the same host, and nothing here authenticates. */
  host?: string;
  /**
   * Largest request body, bytes (default 256 KiB + 4 KiB, the payload limit plus the bridge's fields; with
   * `images`, room for an image at its cap in base64 too).
   */
  maxBodyBytes?: number;
  /** Evidence from the records' `image` fields; absent: an image is stripped and answered `evidence: 'off'`. */
  images?: RecordImages;
}

export interface RunningHttpInput {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

function reply(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Past the limit, keep reading and discarding so the 413 reaches the producer instead of a reset.
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () =>
      size > limit
        ? reject(new SeamError('SEAM_ERR_INVALID_INPUT', `request body is larger than ${limit} bytes`, { field: '(root)' }))
        : resolve(Buffer.concat(chunks)),
    );
    req.on('error', reject);
  });
}

/** HTTP status for a refusal: 400 for a bad record, 413 for a too-large one, 503 while the outbox is full. */
function statusFor(err: SeamError): number {
  if (err.code === 'SEAM_ERR_OUTBOX_FULL') return 503;
  if (err.code === 'SEAM_ERR_BROKER_UNAVAILABLE') return 503;
  if (err.message.includes('larger than')) return 413;
  return 400;
}

/**
 * Loopback HTTP for an external inference process and for scrapers:
 * - `POST /detections` with one EdgeDetectionInput as JSON: 200 `{event_id, seq}` once durable;
 *   400 `{error, field, reason}` for an invalid record; 503 with Retry-After when the outbox is full
 *   under reject-new (or the bridge is closing). A record may carry an `image` (record-image.ts): the event is
 *   accepted whatever the image, and the 200 adds `evidence` (`kept`, `skipped`, `busy`, `off`, or `refused`
 *   with `error`, `field: "image"` and `reason`).
 * - `GET /metrics`: Prometheus text of the bridge's registry.
 * - `GET /healthz`: the bridge's stats as JSON.
 */
export async function startHttpInput(bridge: Bridge, options: HttpInputOptions = {}): Promise<RunningHttpInput> {
  const host = options.host ?? '127.0.0.1';
  const images = options.images;
  const maxBody = options.maxBodyBytes ?? (images ? recordWithImageBytes(images.maxImageBytes) : DEFAULT_MAX_PAYLOAD_BYTES + 4096);
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method === 'POST' && path === '/detections') {
        const body = await readBody(req, maxBody);
        let record: unknown;
        try {
          record = JSON.parse(body.toString('utf8'));
        } catch (err) {
          throw new SeamError('SEAM_ERR_INVALID_INPUT', `body is not valid JSON: ${(err as Error).message}`, { field: '(root)' });
        }
        return reply(res, 200, await acceptRecord(bridge, record, images));
      }
      if (req.method === 'GET' && path === '/metrics') {
        return reply(res, 200, await bridge.registry.metrics(), bridge.registry.contentType);
      }
      if (req.method === 'GET' && path === '/healthz') return reply(res, 200, bridge.stats());
      return reply(res, 404, { error: 'not_found', reason: 'POST /detections, GET /metrics or GET /healthz' });
    } catch (err) {
      if (!isSeamError(err)) return reply(res, 500, { error: 'internal', reason: (err as Error).message });
      const status = statusFor(err);
      if (status === 503) res.setHeader('retry-after', '1');
      return reply(res, status, { error: err.code, field: err.field, reason: err.message });
    }
  });
  // Producers keep one connection open per camera; idle ones should not pile up forever.
  server.keepAliveTimeout = 30_000;
  await listen(server, options.port ?? 0, host, 'edge HTTP input');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
