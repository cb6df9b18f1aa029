import { Counter, Gauge, Registry } from 'prom-client';
import type { AlertInstance } from './lifecycle/state-machine.ts';

export interface AlertMetrics {
  registry: Registry;
  notifications: Counter<'receiver' | 'result'>;
  evaluationFailures: Counter<'alertname'>;
}

/**
 * `seamline_alert_state` (1 per pending or firing instance, with its labels), `seamline_alerts` (count per
 * rule and state), `seamline_alert_leader`, `seamline_alert_outbox_depth`, notification and evaluation counters.
 */
export function alertMetrics(
  view: { instances(): AlertInstance[]; isLeader(): boolean; outboxDepth(): Promise<number> },
  registry = new Registry(),
): AlertMetrics {
  const registers = [registry];
  new Gauge({
    name: 'seamline_alert_state',
    help: 'Alert instances that are pending or firing (value 1), with their rule, severity and camera.',
    labelNames: ['alertname', 'severity', 'state', 'region', 'site', 'camera'],
    registers,
    collect() {
      this.reset();
      for (const a of view.instances()) {
        if (a.state !== 'pending' && a.state !== 'firing') continue;
        this.set(
          {
            alertname: a.rule,
            severity: a.severity,
            state: a.state,
            region: a.camera?.region ?? '',
            site: a.camera?.site ?? '',
            camera: a.camera?.camera ?? '',
          },
          1,
        );
      }
    },
  });
  new Gauge({
    name: 'seamline_alerts',
    help: 'Alert instances per rule and state (inactive, pending, firing, resolved).',
    labelNames: ['alertname', 'state'],
    registers,
    collect() {
      this.reset();
      for (const a of view.instances()) this.inc({ alertname: a.rule, state: a.state });
    },
  });
  new Gauge({
    name: 'seamline_alert_leader',
    help: '1 when this process holds the alerting lock (evaluates and notifies), else 0.',
    registers,
    collect() {
      this.set(view.isLeader() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'seamline_alert_outbox_depth',
    help: 'Notifications stored but not yet delivered (receiver down, or retrying).',
    registers,
    async collect() {
      this.set(await view.outboxDepth().catch(() => -1));
    },
  });
  return {
    registry,
    notifications: new Counter({
      name: 'seamline_alert_notifications_total',
      help: 'Notification send attempts by receiver and result (sent, retry, failed).',
      labelNames: ['receiver', 'result'],
      registers,
    }),
    evaluationFailures: new Counter({
      name: 'seamline_alert_evaluation_failures_total',
      help: 'Rule evaluations that failed (the store did not answer); the rule keeps its state until the next one.',
      labelNames: ['alertname'],
      registers,
    }),
  };
}
