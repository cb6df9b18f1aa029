import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';

/**
 * The registry a command's metrics go on. Handed out here so that a command loads prom-client with its boxes,
 * statically: a dynamic import() of a package that the build bundles would give only its default export.
 */
export const newRegistry = (): Registry => new Registry();
import { listen } from '../../plumbing/listen.ts';

/** What GET /health answers: `ok` picks the status code (200 or 503); the rest is shown as JSON. */
export interface HealthAnswer {
  ok: boolean;
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Prometheus text on GET /metrics, and GET /health (or `healthPath`) when a `health` check is given. Loopback by default: metrics name cameras and sites, and an
 * endpoint that listens wider belongs behind the operator's own proxy and auth.
 */
export async function serveMetrics(
  registries: Registry[],
  host = '127.0.0.1',
  port = 9464,
  health?: () => HealthAnswer,
  healthPath = '/health',
): Promise<MetricsServer> {
  // One registry is served as it is, so metrics registered on it later (after the listener is open) show too.
  const merged = registries.length === 1 ? registries[0] : Registry.merge(registries);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === healthPath && health) {
      // 200 only while the process does its job; a supervisor or load balancer reads the code, a person the JSON.
      const answer = health();
      res.writeHead(answer.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(answer) + '\n');
      return;
    }
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: try GET /metrics${health ? ` or GET ${healthPath}` : ''}\n`);
      return;
    }
    merged
      .metrics()
      .then((text) => res.writeHead(200, { 'content-type': merged.contentType }).end(text))
      .catch((err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${err.message}\n`));
  });
  await listen(server, port, host, '/metrics');
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actual}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
