import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Notification } from '../../src/alerting/lifecycle/notification.ts';

/** A real HTTP receiver for notifications: records each body and its Idempotency-Key; can answer 503 ("down"). */
export interface WebhookReceiver {
  url: string;
  bodies: Notification[];
  keys: string[];
  /** While true every POST gets 503 and is not recorded. */
  down: boolean;
  refused: number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const r: WebhookReceiver = { url: '', bodies: [], keys: [], down: false, refused: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (r.down) {
        r.refused++;
        res.writeHead(503).end('down');
        return;
      }
      r.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Notification);
      r.keys.push(String(req.headers['idempotency-key']));
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  r.close = () => new Promise((resolve) => server.close(() => resolve()));
  return r;
}
