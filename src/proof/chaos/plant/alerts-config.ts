import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES } from './attribution.ts';

/** Seconds of the silent-camera window: a camera that stored no event in it is silent. */
export const SILENT_WINDOW_S = 8;
/** The lag rule: p99 of commit - captured_at over this window beyond this many ms. */
export const LAG_WINDOW_S = 20;
export const LAG_THRESHOLD_MS = 5_000;
/**
 * camera_offline's `after`: the operator's (deploy/alerts/alerts.example.json). Mosquitto 2.0 stopped cleanly publishes
 * every bridge's will, so a broker restart leaves every camera `offline` until the broker is back and its bridge has
 * reconnected (about 5 s for a 3-s restart); an `after` shorter than that pages every camera for the broker's sake.
 */
export const OFFLINE_AFTER_S = 30;

/**
 * The plant's alerts config: a silent camera (no event in a short window), a camera whose bridge went offline,
 * and end-to-end lag (what a store outage leaves behind), evaluated every 2 s with no shifts (always on), sent to
 * the scenario's webhook. Written into `dir`; returns its path.
 */
export function writeAlertsConfig(dir: string, webhookUrl: string, cameras: string[]): string {
  const config = {
    evaluateEvery: '2s',
    expectedCameras: cameras,
    receivers: [{ name: 'plant', type: 'webhook', url: webhookUrl, timeout: '2s' }],
    route: { receivers: ['plant'], groupBy: ['alertname', 'camera'], repeatInterval: '4h' },
    rules: [
      { name: RULES.silent, kind: 'silent_camera', severity: 'critical', params: { window: `${SILENT_WINDOW_S}s`, signal: 'events' } },
      { name: RULES.offline, kind: 'camera_offline', severity: 'critical', params: { after: `${OFFLINE_AFTER_S}s` } },
      { name: RULES.lag, kind: 'lag_p99', severity: 'warning', params: { window: `${LAG_WINDOW_S}s`, thresholdMs: LAG_THRESHOLD_MS } },
    ],
  };
  const path = join(dir, 'alerts.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}
