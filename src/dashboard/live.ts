/**
 * GET /api/panels (one document) and GET /api/live (server-sent events) for the page. The page opens one
 * EventSource for its window and filter; the server pushes:
 * - `panels`: the whole panel document at once, then again every few seconds while the window is live
 *   (it ends now), never for a fixed past window after the first;
 * - `status`: every second, the cameras' state and last-seen age and the alerts, so an offline camera
 *   shows within a second or two without recomputing the charts.
 * Each push waits for the previous one to finish, so a slow store never piles up queries. The browser's
 * EventSource reconnects by itself; the page shows the connection state.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { PanelReader } from '../store/panel-reader.ts';
import type { RepairLedgerAccess } from '../store/repair-ledger.ts';
import { buildPanels } from './panels/index.ts';
import { camerasPanel } from './panels/cameras.ts';
import { parsePanelWindow, type ShiftResolver } from './panels/window.ts';

export interface LiveOptions {
  panels: PanelReader;
  /** The repair ledger, when the store keeps one (StoreCapabilities). */
  repairLedger: RepairLedgerAccess | null;
  now: () => number;
  /** The alerts to show, when alerting runs in this process (or null: the page says it does not). */
  alerts?: () => unknown;
  /** ms between `panels` pushes of a live window (default 5,000). */
  panelsEveryMs?: number;
  /** ms between `status` pushes (default 1,000). */
  statusEveryMs?: number;
  /** Resolves `shift=` (shift-routes.ts), when the dashboard has a shift calendar. */
  shifts?: ShiftResolver;
}

function send(reply: FastifyReply, event: string, data: unknown): void {
  if (reply.raw.writableEnded || reply.raw.destroyed) return;
  reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

// biome-ignore lint/suspicious/noExplicitAny: any server and logger type; only the route API is used
export function registerLive(app: FastifyInstance<any, any, any, any>, o: LiveOptions): void {
  const panelsEvery = o.panelsEveryMs ?? 5_000;
  const statusEvery = o.statusEveryMs ?? 1_000;
  // Open streams end when the server closes; left open, they would hold its close forever.
  const streams = new Set<FastifyReply>();
  app.addHook('preClose', async () => {
    for (const r of streams) r.raw.end();
  });

  app.get('/api/panels', async (req) => {
    const now = o.now();
    return buildPanels(o.panels, parsePanelWindow(req.query, now, o.shifts), now, o.repairLedger);
  });

  app.get('/api/live', async (req, reply) => {
    const first = parsePanelWindow(req.query, o.now(), o.shifts); // a bad query is a 400 before the stream opens
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    reply.raw.write('retry: 2000\n\n');
    streams.add(reply);
    let open = true;
    const timers = new Set<NodeJS.Timeout>();
    const later = (ms: number, fn: () => Promise<void>) => {
      const t = setTimeout(() => {
        timers.delete(t);
        if (open) void fn();
      }, ms);
      timers.add(t);
    };
    const failed = (err: unknown) => {
      req.log.warn({ err }, 'live push failed');
      if (open) send(reply, 'store-error', { message: 'the store did not answer; retrying' });
    };
    // A running shift stays the run it was when the stream opened ("this" does not jump to the next shift at its end).
    const query = first.shift ? { ...(req.query as object), shift: `${first.shift.name}@${first.shift.date}` } : req.query;
    const pushPanels = async () => {
      try {
        const now = o.now();
        const w = first.live ? parsePanelWindow(query, now, o.shifts) : first;
        if (w.shift && first.shift) w.shift.spec = first.shift.spec;
        send(reply, 'panels', await buildPanels(o.panels, w, now, o.repairLedger));
      } catch (err) {
        failed(err);
      }
      if (first.live) later(panelsEvery, pushPanels);
    };
    const pushStatus = async () => {
      try {
        const now = o.now();
        const { cameras } = await camerasPanel(o.panels, first, now, []);
        send(reply, 'status', {
          serverTime: now,
          cameras: cameras.map((c) => ({ key: c.key, state: c.state, lastEventAgeMs: c.lastEventAgeMs, outboxDepth: c.outboxDepth })),
          alerts: o.alerts ? o.alerts() : null,
        });
      } catch (err) {
        failed(err);
      }
      later(statusEvery, pushStatus);
    };
    const keepAlive = setInterval(() => open && !reply.raw.writableEnded && reply.raw.write(': keep-alive\n\n'), 15_000);
    req.raw.on('close', () => {
      open = false;
      streams.delete(reply);
      clearInterval(keepAlive);
      for (const t of timers) clearTimeout(t);
    });
    await pushPanels();
    await pushStatus();
  });
}
