import type { FastifyPluginAsync } from 'fastify';
import { SeamError } from '../contract/index.ts';
import type { AlertInstance } from './lifecycle/state-machine.ts';

/** One row of GET /api/alerts. */
export interface AlertView {
  rule: string;
  severity: string;
  state: 'pending' | 'firing';
  camera: { region: string; site: string; camera: string } | null;
  /** Pending: when the condition started holding; firing: when it fired. Epoch ms. */
  since: number;
  summary: string;
  value: number;
  labels: Record<string, string>;
}

const STATES = new Set(['pending', 'firing']);

export function alertViews(instances: readonly AlertInstance[]): AlertView[] {
  return instances
    .filter((a) => a.state === 'pending' || a.state === 'firing')
    .map((a) => ({
      rule: a.rule,
      severity: a.severity,
      state: a.state as 'pending' | 'firing',
      camera: a.camera ?? null,
      since: (a.state === 'firing' ? a.firedAt : a.activeAt) ?? 0,
      summary: a.summary,
      value: a.value,
      labels: a.labels,
    }))
    .sort((x, y) => (x.state === y.state ? x.since - y.since || x.rule.localeCompare(y.rule) : x.state === 'firing' ? -1 : 1));
}

/**
 * GET /api/alerts[?state=firing|pending]: the pending and firing alerts with camera, since and rule, as the
 * engine in this process knows them (the leader's own state, or a standby's copy of it from the store).
 */
export function alertRoutes(view: { instances(): AlertInstance[]; isLeader(): boolean }, now: () => number = Date.now): FastifyPluginAsync {
  return async (app) => {
    app.get('/api/alerts', async (req) => {
      const q = (req.query ?? {}) as Record<string, unknown>;
      for (const key of Object.keys(q)) {
        if (key !== 'state') throw new SeamError('SEAM_ERR_BAD_QUERY', `unknown query field "${key}"; known: state`, { field: key });
      }
      if (q.state !== undefined && !(typeof q.state === 'string' && STATES.has(q.state))) {
        throw new SeamError('SEAM_ERR_BAD_QUERY', 'state must be firing or pending', { field: 'state' });
      }
      const alerts = alertViews(view.instances()).filter((a) => q.state === undefined || a.state === q.state);
      return { serverTime: now(), leader: view.isLeader(), alerts };
    });
  };
}
