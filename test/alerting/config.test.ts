import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAlertsConfig } from '../../src/alerting/alerts-config.ts';
import { isSeamError } from '../../src/contract/index.ts';

const base = () => ({
  shifts: { day: { timezone: 'Europe/Berlin', weekdays: ['mon', 'tue'], start: '06:00', end: '14:00' } },
  receivers: [{ name: 'ops', type: 'webhook', url: 'http://127.0.0.1:9/hook' }],
  route: { receivers: ['ops'] },
  rules: [{ name: 'silent', kind: 'silent_camera', severity: 'critical', for: '1m', shifts: ['day'], params: { window: '5m' } }],
});

test('a valid config parses with durations in ms, the rule kind resolved and the route defaults', { timeout: 10_000 }, () => {
  const c = parseAlertsConfig(base());
  assert.equal(c.rules[0].forMs, 60_000);
  assert.equal(c.rules[0].kind.kind, 'silent_camera');
  assert.deepEqual(c.rules[0].receivers, ['ops']);
  assert.equal(c.rules[0].repeatIntervalMs, 4 * 3_600_000);
  assert.deepEqual(c.groupBy, ['alertname']);
  assert.equal(c.evaluateEveryMs, 5_000);
});

type Mutate = (c: ReturnType<typeof base>) => void;
const cases: [string, Mutate, string, RegExp][] = [
  ['unknown kind', (c) => ((c.rules[0] as { kind: string }).kind = 'silence'), 'rules[0].kind', /must be one of silent_camera/],
  ['bad kind param', (c) => (c.rules[0].params = { window: '5 minutes' }), 'rules[0].params.window', /must be a duration/],
  ['missing kind param', (c) => (c.rules[0].params = {} as never), 'rules[0].params.window', /is required/],
  ['unknown kind param', (c) => (c.rules[0].params = { window: '5m', typo: 1 } as never), 'rules[0].params.typo', /is not a field/],
  ['bad for', (c) => (c.rules[0].for = '1 min'), 'rules[0].for', /must be a duration/],
  ['unknown shift', (c) => (c.rules[0].shifts = ['night']), 'rules[0].shifts[0]', /names no shift/],
  ['bad severity', (c) => ((c.rules[0] as { severity: string }).severity = 'page'), 'rules[0].severity', /critical, warning or info/],
  ['bad zone', (c) => (c.shifts.day.timezone = 'Europe/Berlinn'), 'shifts.day.timezone', /IANA time zone/],
  ['bad clock time', (c) => (c.shifts.day.end = '25:00'), 'shifts.day.end', /HH:MM/],
  ['bad weekday', (c) => (c.shifts.day.weekdays = ['monday']), 'shifts.day.weekdays[0]', /must be mon, tue/],
  ['start equals end', (c) => (c.shifts.day.end = '06:00'), 'shifts.day.end', /must differ/],
  ['unknown receiver in route', (c) => (c.route.receivers = ['pager']), 'route.receivers[0]', /names no receiver/],
  ['webhook without url', (c) => delete (c.receivers[0] as { url?: string }).url, 'receivers[0].url', /required for a webhook/],
  ['unknown notifier', (c) => (c.receivers[0].type = 'sms'), 'receivers[0].type', /webhook, slack, log/],
  ['duplicate rule', (c) => c.rules.push({ ...c.rules[0] }), 'rules[1].name', /repeats/],
  ['bad selector', (c) => ((c.rules[0] as { select?: object }).select = { site: 'Plant 1' }), 'rules[0].select.site', /wildcards/],
  ['unknown top-level field', (c) => ((c as Record<string, unknown>).rule = []), 'rule', /is not a field of alerts config/],
];

for (const [name, mutate, field, reason] of cases) {
  test(`a bad config names its field and the reason: ${name}`, { timeout: 10_000 }, () => {
    const c = base();
    mutate(c);
    assert.throws(
      () => parseAlertsConfig(c),
      (err: unknown) => {
        assert.ok(isSeamError(err, 'SEAM_ERR_CONFIG'), String(err));
        assert.equal(err.field, field);
        assert.match(err.message, reason);
        assert.ok(err.message.includes(field), err.message);
        return true;
      },
    );
  });
}
