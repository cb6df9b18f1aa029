/**
 * The dashboard box: a small HTTP server over a StoreReader (store/reader.ts). It only reads; it never writes the store,
 * so it can run next to the consumer (DuckDB allows one writer process) or against a server store.
 */
import Fastify, { type FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import { pino, type Logger } from 'pino';
import type { StoreReader } from '../store/reader.ts';
import { buildOverview, type ExtraCounters } from './overview.ts';
import { isSeamError, SeamError } from '../contract/index.ts';
import { listenError } from '../plumbing/listen.ts';
import { requireToken } from './access-token.ts';
import { registerLive } from './live.ts';
import { isLoopback } from '../plumbing/loopback.ts';
import { parseOverviewQuery, windowFor } from './query.ts';
import { registerStaticFiles } from './static-files.ts';
import { registerEvidence } from './evidence/evidence-routes.ts';
import type { EvidenceStore } from '../store/evidence/evidence-store.ts';
import { hasShifts, registerShifts, shiftResolver, type DashboardShifts } from './shift-routes.ts';

export interface DashboardOptions {
  /** Where the numbers come from. */
  reader: StoreReader;
  /** Interface to bind; loopback by default so a dashboard is never exposed by accident. */
  host?: string;
  /** TCP port; 0 asks the kernel for a free one (tests). Default 8080. */
  port?: number;
  /** Request and error logging; silent when omitted. */
  logger?: Logger;
  /** Live consumer counters (dead_lettered, in_flight, duplicates...) shown beside the stored figures. */
  extra?: ExtraCounters;
  /** Clock, injectable so tests can pin "now". */
  now?: () => number;
  /** More routes from other boxes, e.g. /api/alerts from the alerting box (alerting/http-routes.ts). */
  plugins?: FastifyPluginAsync[];
  /** Served as Prometheus text on GET /metrics when given (the alert state in `npm start`). */
  metrics?: Registry;
  /** The alerts the page shows (alerting/http-routes.ts alertViews), when alerting runs in this process. */
  alerts?: () => unknown;
  /**
   * Required on every request except /healthz (access-token.ts). Must be given when `host` is not
   * loopback: a dashboard is never exposed without one.
   */
  token?: string;
  /** Evidence images served under /api/evidence (evidence/evidence-routes.ts), opened read-only by the caller. */
  evidence?: EvidenceStore;
  /** ms between live pushes of the panels (default 5,000). */
  panelsEveryMs?: number;
  /**
   * The shift calendar and the shift summary (the alerting config's shifts, or a `shifts` section of the start
   * config; cli/services/dashboard-shifts.ts builds them): the page's shift choices, `shift=` on every panel and
   * GET /api/shift-summary (shift-routes.ts). Without them the page offers no shifts, and says why.
   */
  shifts?: DashboardShifts;
}

export interface Dashboard {
  /** Base URL, e.g. http://127.0.0.1:8080 (no trailing slash). */
  url: string;
  close(): Promise<void>;
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { reader, host = '127.0.0.1', port = 8080, logger, extra, now = Date.now, plugins = [], metrics, token } = options;
  if (!token && !isLoopback(host)) {
    throw new SeamError('SEAM_ERR_CONFIG', `the dashboard would listen on ${host} without an access token; give one (docs/dashboard.md)`, {
      field: 'token',
    });
  }
  // A silent pino rather than `logger: false`: one instance type either way, and req.log always works.
  // Warnings and errors only: fastify logs every request at info, and the page holds a stream open (the
  // log would fill) and a first link carries the access token in its query string.
  const base = logger ?? pino({ level: 'silent' });
  const app = Fastify({ loggerInstance: base.child({}, { level: base.isLevelEnabled('warn') ? 'warn' : base.level }) });

  // Operators must see the store as it is now; a proxy or browser cache showing an old minute is a lie.
  app.addHook('onSend', async (_req, reply, payload) => {
    // Evidence images set their own (immutable: an image never changes under its event_id).
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  if (token) requireToken(app, token);

  app.setErrorHandler((err, req, reply) => {
    if (isSeamError(err, 'SEAM_ERR_BAD_QUERY')) return reply.code(400).send({ error: err.code, field: err.field, message: err.message });
    req.log.error({ err }, 'dashboard request failed');
    // The store being down is an outage of this page, not a bug in the request: 503, retry later.
    return reply.code(503).send({ error: 'store_unavailable', message: 'the store did not answer; retrying' });
  });

  app.get('/healthz', async (_req, reply) => {
    // Cheapest real query: proves the store answers, not only that this process is alive.
    try {
      await reader.totals();
      return { ok: true, serverTime: now() };
    } catch (err) {
      app.log.warn({ err }, 'healthz: store did not answer');
      return reply.code(503).send({ ok: false, serverTime: now(), error: 'store_unavailable' });
    }
  });

  app.get('/api/overview', async (req) => {
    const t = now();
    const query = parseOverviewQuery(req.query, t);
    return buildOverview(reader, windowFor(query), t, extra, (err) =>
      app.log.warn({ err }, 'extra counters failed; showing stored figures only'),
    );
  });

  // The page's panels, where the store keeps the rollups they read (capabilities.ts); the overview always.
  const { panels, repairLedger } = reader.capabilities;
  if (panels)
    registerLive(app, {
      panels,
      repairLedger,
      now,
      alerts: options.alerts,
      panelsEveryMs: options.panelsEveryMs,
      shifts: hasShifts(options.shifts) ? shiftResolver(options.shifts) : undefined,
    });
  registerShifts(app, options.shifts, now);

  registerEvidence(app, options.evidence, now);

  if (metrics) {
    app.get('/metrics', async (_req, reply) => reply.header('content-type', metrics.contentType).send(await metrics.metrics()));
  }
  for (const plugin of plugins) await app.register(plugin);
  await app.register(registerStaticFiles);
  try {
    await app.listen({ host, port });
  } catch (err) {
    await app.close();
    throw listenError(err, 'dashboard', host, port);
  }

  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${boundPort}`,
    close: () => app.close(),
  };
}
