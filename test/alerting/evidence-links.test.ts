import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAlertsConfig } from '../../src/alerting/alerts-config.ts';
import { slackText } from '../../src/alerting/notifiers/slack.ts';
import { makeEvent } from '../helpers/events.ts';
import { duckHarness, eventsEvery, MIN, silentConfig } from './harness.ts';
import { startWebhookReceiver } from './webhook-receiver.ts';

// Wednesday 2026-12-02; the harness's day shift is 05:00Z-13:00Z.
const T = (hhmm: string) => Date.parse(`2026-12-02T${hhmm}:00.000Z`);
const DASHBOARD = 'https://seamline.plant.example';
const crack = { class: 'crack', class_id: 3, confidence: 0.8, bbox: [10, 10, 20, 20] as [number, number, number, number] };

/** The query of an evidence link as an object, and its fragment. */
function linkOf(url: string | undefined): { base: string; query: Record<string, string>; hash: string } {
  assert.ok(url, 'the notice carries an evidence_url');
  const u = new URL(url);
  return { base: `${u.origin}${u.pathname}`, query: Object.fromEntries(u.searchParams), hash: u.hash };
}

test('a silent-camera notification links to the camera’s last images on the dashboard the config names', { timeout: 60_000 }, async () => {
  const hook = await startWebhookReceiver();
  const h = await duckHarness(silentConfig(hook.url, {}, { dashboardUrl: `${DASHBOARD}/` }), T('05:00'));
  try {
    await h.store.write(eventsEvery('cam-b', T('04:00'), T('06:00')), new Date(T('04:00')));
    for (let t = T('06:00'); t <= T('06:07'); t += MIN) await h.at(t);
    assert.equal(hook.bodies.length, 1, 'the camera went silent and fired once');
    const link = linkOf(hook.bodies[0].alerts[0].evidence_url);
    assert.deepEqual(link, {
      base: `${DASHBOARD}/`,
      // The newest images of the camera over the last hour (4 x the 5m window is less): what it showed last.
      query: { region: 'eu', site: 'plant-1', camera: 'cam-b', from: String(T('05:06')), to: String(T('06:06')) },
      hash: '#evidence-panel',
    });
  } finally {
    await h.close();
    await hook.close();
  }
});

test('a defect-rate notification links to that class on that camera over the rule’s window; no URL, no link', {
  timeout: 60_000,
}, async () => {
  const rules = [
    { name: 'cracks', kind: 'defect_rate', severity: 'warning', params: { class: 'crack', window: '10m', perEvent: 0.2, minEvents: 5 } },
  ];
  const events = Array.from({ length: 20 }, (_, i) =>
    makeEvent({ camera: 'cam-a', seq: i, captured_at: new Date(T('05:50') + i * 20_000).toISOString(), detections: [crack] }),
  );
  for (const dashboardUrl of [DASHBOARD, undefined]) {
    const hook = await startWebhookReceiver();
    const config = parseAlertsConfig({
      receivers: [{ name: 'hook', type: 'webhook', url: hook.url }],
      route: { receivers: ['hook'] },
      rules,
      ...(dashboardUrl ? { dashboardUrl } : {}),
    });
    const h = await duckHarness(config, T('06:00'));
    try {
      await h.store.write(events, new Date(T('06:00')));
      await h.at(T('06:00'));
      assert.equal(hook.bodies.length, 1, 'the rule fired: the notification path is live');
      const notice = hook.bodies[0].alerts[0];
      if (!dashboardUrl) {
        assert.equal(notice.evidence_url, undefined, 'no dashboard URL: no link');
        assert.doesNotMatch(slackText(hook.bodies[0]), /evidence/);
        continue;
      }
      assert.deepEqual(linkOf(notice.evidence_url), {
        base: `${DASHBOARD}/`,
        query: { region: 'eu', site: 'plant-1', camera: 'cam-a', class: 'crack', from: String(T('05:50')), to: String(T('06:00')) },
        hash: '#evidence-panel',
      });
      assert.match(slackText(hook.bodies[0]), new RegExp(`<${notice.evidence_url!.replace(/[?.]/g, '\\$&')}\\|evidence>`));
    } finally {
      await h.close();
      await hook.close();
    }
  }
});

test('the dashboard beside the engine supplies the link when the config names none; the config’s URL wins', {
  timeout: 60_000,
}, async () => {
  for (const [configured, beside, expected] of [
    [undefined, 'http://127.0.0.1:8080', 'http://127.0.0.1:8080/'],
    [DASHBOARD, 'http://127.0.0.1:8080', `${DASHBOARD}/`],
  ] as const) {
    const hook = await startWebhookReceiver();
    const h = await duckHarness(silentConfig(hook.url, {}, configured ? { dashboardUrl: configured } : {}), T('05:00'));
    try {
      h.engine.linkDashboard(beside);
      await h.store.write(eventsEvery('cam-b', T('04:00'), T('06:00')), new Date(T('04:00')));
      for (let t = T('06:00'); t <= T('06:07'); t += MIN) await h.at(t);
      assert.equal(hook.bodies.length, 1);
      assert.equal(linkOf(hook.bodies[0].alerts[0].evidence_url).base, expected);
    } finally {
      await h.close();
      await hook.close();
    }
  }
});

test('dashboardUrl is refused with its field named when it is not a plain http(s) URL', { timeout: 10_000 }, () => {
  const base = { receivers: [{ name: 'log', type: 'log' }], route: { receivers: ['log'] }, rules: [] };
  for (const bad of ['ftp://x', 'https://x/?token=secret', 'seamline.local']) {
    assert.throws(
      () => parseAlertsConfig({ ...base, dashboardUrl: bad }),
      (err: { code: string; field: string }) => err.code === 'SEAM_ERR_CONFIG' && err.field === 'dashboardUrl',
      bad,
    );
  }
  assert.equal(parseAlertsConfig({ ...base, dashboardUrl: 'http://10.0.0.5:8080//' }).dashboardUrl, 'http://10.0.0.5:8080');
});
