import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FiredAlert } from './attribution.ts';

interface AlertBody {
  status?: string;
  repeat?: boolean;
  rule?: string;
  labels?: Record<string, string>;
  starts_at?: string;
}

/**
 * The receiver the plant's alert engine notifies: a webhook on 127.0.0.1 that answers 200 and keeps each firing
 * alert once (the engine may send a notification twice, with the same id, if it dies at the wrong moment).
 */
export class WebhookReceiver {
  readonly fired: (FiredAlert & { id: string })[] = [];
  /** Notifications taken, firing and resolved, repeats and second copies included. */
  notifications = 0;
  private readonly seen = new Set<string>();
  private readonly server: Server;

  constructor(private readonly runStartedAt: () => number) {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        try {
          this.take(JSON.parse(body) as { id?: string; alerts?: AlertBody[] });
        } catch {
          // Not a notification: answered all the same, the engine is not what is under test here.
        }
        res.writeHead(200).end();
      });
    });
  }

  private take(n: { id?: string; alerts?: AlertBody[] }): void {
    this.notifications++;
    for (const a of n.alerts ?? []) {
      if (a.status !== 'firing' || a.repeat || !a.rule) continue;
      const l = a.labels ?? {};
      const camera = l.camera ? `${l.region}/${l.site}/${l.camera}` : '';
      const startedMs = a.starts_at ? Date.parse(a.starts_at) : Date.now();
      const key = `${a.rule}|${camera}|${startedMs}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      this.fired.push({ id: n.id ?? '', rule: a.rule, camera, at_s: Math.round((startedMs - this.runStartedAt()) / 100) / 10 });
    }
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
