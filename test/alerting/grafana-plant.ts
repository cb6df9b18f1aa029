import { parse } from 'yaml';
import { parseAlertsConfig } from '../../src/alerting/alerts-config.ts';
import type { GrafanaTarget } from '../../src/alerting/grafana/datasource.ts';
import { grafanaFiles } from '../../src/alerting/grafana/export.ts';

/** A plant with a day shift, a night shift across midnight, a day off, and every rule kind. */
export const PLANT = parseAlertsConfig({
  shifts: {
    day: { timezone: 'Europe/Berlin', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '06:00', end: '14:00' },
    night: { timezone: 'Europe/Berlin', weekdays: ['mon', 'tue', 'wed', 'thu'], start: '22:00', end: '06:00' },
  },
  daysOff: ['2026-12-25'],
  expectedCameras: ['eu/plant-1/cam-never'],
  receivers: [
    { name: 'ops', type: 'webhook', url: 'http://127.0.0.1:9/hook' },
    { name: 'quality', type: 'slack', url: 'http://127.0.0.1:9/slack' },
    { name: 'log', type: 'log' },
  ],
  route: { receivers: ['ops'], groupBy: ['alertname', 'site'] },
  rules: [
    {
      name: 'camera-silent',
      kind: 'silent_camera',
      severity: 'critical',
      for: '1m',
      shifts: ['day', 'night'],
      select: { site: 'plant-*' },
      params: { window: '5m' },
    },
    {
      name: 'camera-silent-events',
      kind: 'silent_camera',
      severity: 'critical',
      shifts: ['day'],
      params: { window: '5m', signal: 'events' },
    },
    { name: 'camera-offline', kind: 'camera_offline', severity: 'critical', params: { after: '30s' } },
    { name: 'camera-stale', kind: 'stale_camera', severity: 'warning', params: { olderThan: '10m' } },
    { name: 'lag-high', kind: 'lag_p99', severity: 'warning', params: { window: '5m', thresholdMs: 2000 } },
    { name: 'dead-letters', kind: 'dead_letters', severity: 'warning', params: { window: '5m', perMinute: 1 } },
    { name: 'events-lost', kind: 'seq_gaps', severity: 'warning', params: { window: '30m' } },
    { name: 'outbox', kind: 'outbox_backlog', severity: 'warning', params: { depth: 100, oldestUnsent: '1m' } },
    {
      name: 'cracks',
      kind: 'defect_rate',
      severity: 'info',
      receivers: ['quality'],
      params: { class: 'crack', window: '15m', perEvent: 0.2, minEvents: 5 },
    },
    { name: 'clock', kind: 'clock_offset', severity: 'warning', params: { maxOffset: '60s' } },
  ],
});

export const TARGETS: GrafanaTarget[] = [
  { store: 'postgres', url: 'localhost:5432', database: 'seamline', user: 'grafana' },
  { store: 'influxdb', url: 'http://localhost:8086', database: 'seamline', user: 'grafana' },
];

export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function parsed(target: GrafanaTarget) {
  const files = grafanaFiles(PLANT, { target });
  const y = (p: string) => parse(files.get(p)!) as Obj;
  return {
    files,
    datasource: y('provisioning/datasources/seamline.yaml'),
    provider: y('provisioning/dashboards/seamline.yaml'),
    dashboard: JSON.parse(files.get('dashboards/seamline-floor.json')!) as Obj,
    rules: y('provisioning/alerting/rules.yaml'),
    contacts: y('provisioning/alerting/contact-points.yaml'),
    policies: y('provisioning/alerting/policies.yaml'),
    mutes: y('provisioning/alerting/mute-timings.yaml'),
  };
}
