/**
 * The rules `npm start` runs when no --alerts file is given: the simulated plant works around the clock,
 * so one shift covers every day, and notifications go to the log. Thresholds fit the simulator (4 events/s
 * per camera, a few ms of lag): none fires while the plant runs normally; stop a camera or kill a bridge
 * and one does. docs/alerting.md explains each.
 */
export const DEFAULT_ALERTS = {
  evaluateEvery: '2s',
  shifts: {
    'around-the-clock': { timezone: 'UTC', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' },
  },
  receivers: [{ name: 'log', type: 'log' }],
  route: { receivers: ['log'], groupBy: ['alertname', 'site'], repeatInterval: '1h' },
  rules: [
    {
      name: 'camera-silent',
      kind: 'silent_camera',
      severity: 'critical',
      for: '30s',
      keepFiringFor: '30s',
      shifts: ['around-the-clock'],
      params: { window: '1m', signal: 'events' },
    },
    { name: 'camera-offline', kind: 'camera_offline', severity: 'critical', params: { after: '5s' } },
    { name: 'lag-high', kind: 'lag_p99', severity: 'warning', for: '1m', params: { window: '5m', thresholdMs: 2000 } },
    { name: 'dead-letters', kind: 'dead_letters', severity: 'warning', params: { window: '5m', perMinute: 1 } },
    // With repair, a gap is first "missing, repairing" (most come back within a minute); it pages only once
    // it is "lost, confirmed", or when repairing it takes unusually long.
    { name: 'events-lost', kind: 'seq_lost', severity: 'warning', params: { window: '1h' } },
    { name: 'events-missing', kind: 'seq_repairing', severity: 'warning', params: { olderThan: '10m' } },
    { name: 'outbox-backlog', kind: 'outbox_backlog', severity: 'warning', for: '30s', params: { depth: 1000, oldestUnsent: '1m' } },
    // A camera host whose clock drifted or reset (a dead RTC battery boots in 1970): its events arrive
    // stamped far from now. For a minute, so an outbox draining a short backlog does not page.
    { name: 'camera-clock', kind: 'clock_offset', severity: 'warning', for: '1m', params: { maxOffset: '60s' } },
    // The demo conveyor shows a crack on 40-56% of its parts (the synthetic scene draws them often, so the page
    // has something to show); one crack a part on average is what a line in real trouble would look like.
    { name: 'crack-rate', kind: 'defect_rate', severity: 'info', for: '5m', params: { class: 'crack', window: '15m', perEvent: 1 } },
  ],
};
