import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alertEpisodes } from '../../src/alerting/shifts/alert-episodes.ts';

const MIN = 60_000;
const RUN = { shift: 'early', startMs: Date.parse('2026-05-04T04:00:00Z'), endMs: Date.parse('2026-05-04T12:00:00Z') };
const at = (minutes: number) => RUN.startMs + minutes * MIN;
const iso = (ms: number) => new Date(ms).toISOString();

/** A notification body as the engine queues it (lifecycle/notification.ts), one alert in it. */
function note(
  key: string,
  n: number,
  status: 'firing' | 'resolved',
  startsAt: number,
  endsAt: number | null,
  extra: Record<string, unknown> = {},
) {
  const [rule] = key.split('|');
  return {
    createdAt: endsAt ?? startsAt,
    body: {
      version: 'seamline.alerts.v1',
      status,
      ...extra,
      alerts: [
        {
          transition_id: `${key}#${n}`,
          status,
          rule,
          severity: 'critical',
          labels: { alertname: rule },
          starts_at: iso(startsAt),
          ends_at: endsAt === null ? null : iso(endsAt),
        },
      ],
    },
  };
}

test('alert episodes of a shift: overlap with its bounds, still firing up to now, repeats and receivers once, tests left out', {
  timeout: 10_000,
}, () => {
  const notifications = [
    // Fired an hour before the shift, resolved 10 minutes into it.
    note('lag', 1, 'firing', at(-60), null),
    note('lag', 2, 'resolved', at(-60), at(10)),
    // Fired at 100 minutes, a repeat of it, no resolution yet: firing up to now (200 minutes in).
    note('silent|eu/a/c1', 1, 'firing', at(100), null),
    note('silent|eu/a/c1', 2, 'firing', at(100), null),
    // Resolved before the shift began, fired after it ended: not this shift's.
    note('old', 1, 'firing', at(-120), null),
    note('old', 2, 'resolved', at(-120), at(-1)),
    note('next', 1, 'firing', at(480), null),
    // A test notification.
    note('probe', 1, 'firing', at(5), null, { test: true }),
  ];
  const instances = [
    // Firing for weeks: its notices are older than the history read, the instance says when it fired.
    {
      key: 'clock|eu/a/c2',
      rule: 'clock',
      state: 'firing',
      body: { severity: 'warning', firedAt: at(-30_000), resolvedAt: null, camera: { region: 'eu', site: 'a', camera: 'c2' } },
    },
    // Known from the notices already: not counted twice.
    { key: 'silent|eu/a/c1', rule: 'silent', state: 'firing', body: { severity: 'critical', firedAt: at(100) } },
  ];
  const episodes = alertEpisodes({ notifications, instances }, RUN, at(200));
  assert.deepEqual(
    episodes.map((e) => [e.key, e.minutesInShift, e.resolvedAtMs === null ? 'firing' : 'resolved', e.camera]),
    [
      ['clock|eu/a/c2', 200, 'firing', 'c2'],
      ['lag', 10, 'resolved', null],
      ['silent|eu/a/c1', 100, 'firing', null],
    ],
  );
  // Asked after the shift, an alert still firing counts to the shift's end.
  assert.deepEqual(
    alertEpisodes({ notifications, instances }, RUN, at(1_000)).map((e) => e.minutesInShift),
    [480, 10, 380],
  );
});
