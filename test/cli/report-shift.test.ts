import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { resolveShift } from '../../src/alerting/shifts/ranges.ts';
import { summarizeShift } from '../../src/alerting/shifts/summary.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { calendar, NOW, seedPlant, SHIFTS } from '../alerting/shift-plant.ts';
import { seamline } from '../helpers/seamline-cli.ts';

let dir: string;
let db: string;
let startConfig: string;
let alertsConfig: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seamline-report-'));
  db = join(dir, 'plant.duckdb');
  const store = new DuckDbStore({ path: db });
  await store.open();
  await seedPlant(store);
  await store.close();
  startConfig = join(dir, 'start.json');
  writeFileSync(startConfig, JSON.stringify({ ...SHIFTS, alerts: 'off' }));
  alertsConfig = join(dir, 'alerts.json');
  writeFileSync(
    alertsConfig,
    JSON.stringify({
      ...SHIFTS,
      receivers: [{ name: 'log', type: 'log' }],
      route: { receivers: ['log'] },
      rules: [],
      handover: { receivers: ['log'], partClass: 'part' },
    }),
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

const NIGHT = ['--shift', 'night', '--date', '2026-03-28'];

test('report shift --format json writes the object summarizeShift returns, calendar from the start config', {
  timeout: 120_000,
}, async () => {
  const r = await seamline('report', 'shift', ...NIGHT, '--format', 'json', '--store', db, '--config', startConfig, '--part-class', 'part');
  assert.equal(r.code, 0, r.err);
  const store = new DuckDbStore({ path: db, readOnly: true });
  await store.open();
  try {
    const cal = calendar();
    const expected = await summarizeShift(
      store.capabilities.shiftCounts!,
      cal,
      resolveShift(cal, { shift: 'night', date: '2026-03-28' }, NOW),
      {
        partClass: 'part',
        nowMs: NOW,
      },
    );
    assert.deepEqual(JSON.parse(r.out), JSON.parse(JSON.stringify(expected)));
  } finally {
    await store.close();
  }
});

test('report shift --format csv: one row for the plant, each site and each camera, each figure beside its comparisons; the part class from the alerts config', {
  timeout: 120_000,
}, async () => {
  const r = await seamline('report', 'shift', ...NIGHT, '--format', 'csv', '--store', db, '--alerts', alertsConfig);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trimEnd().split('\r\n');
  const header = lines[0]!.split(',');
  assert.deepEqual(header.slice(0, 11), [
    'shift',
    'date',
    'start',
    'end',
    'scope',
    'region',
    'site',
    'camera',
    'events',
    'events_previous',
    'events_week_ago',
  ]);
  assert.ok(header.includes('crack_per_part_week_ago') && !header.includes('part_per_part'), header.join(','));
  const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v])));
  assert.deepEqual(
    rows.map((x) => [x.scope, x.site, x.camera, x.events, x.events_previous, x.events_week_ago, x.minutes_silent, x.minutes_offline]),
    [
      ['plant', '*', '*', '782', '100', '50', '660', '600'],
      ['site', 'line-1', '*', '782', '0', '50', '240', '180'],
      ['site', 'line-2', '*', '0', '100', '0', '420', '420'],
      ['camera', 'line-1', 'cam-a', '422', '0', '50', '0', '0'],
      ['camera', 'line-1', 'cam-b', '360', '0', '0', '240', '180'],
      ['camera', 'line-2', 'cam-c', '0', '100', '0', '420', '420'],
    ],
  );
  assert.deepEqual([rows[0]!.start, rows[0]!.end], ['2026-03-28T21:00:00.000Z', '2026-03-29T04:00:00.000Z']);
});

test('report shift --format md: a table a person reads, with the alerts of the shift', { timeout: 120_000 }, async () => {
  const r = await seamline('report', 'shift', ...NIGHT, '--format', 'md', '--store', db, '--config', startConfig);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^# Shift night@2026-03-28\n/);
  assert.match(r.out, /This shift: night@2026-03-28, 2026-03-28T21:00:00.000Z to 2026-03-29T04:00:00.000Z \(420 min, Europe\/Berlin\)/);
  assert.match(r.out, /\n\| eu\/line-1\/cam-b \| 360 \(0 \/ 0\) \| 480 \(0 \/ 0\) \| 240 \(480 \/ 480\) \| 180 \(480 \/ 480\) \|/);
  assert.match(
    r.out,
    /- crack-rate \(warning\) crack-rate\\\|eu\/line-1\/cam-a: fired 2026-03-28T22:00:00.000Z, resolved 2026-03-28T22:30:00.000Z; 30 min in the shift/,
  );
});

test('report shift refuses: no calendar, an unknown shift, a day off, half a pick, an unreachable store, a store without rollups', {
  timeout: 120_000,
}, async () => {
  const cases: [string[], RegExp][] = [
    [[...NIGHT, '--store', db], /SEAM_ERR_CONFIG: no shift calendar: give --alerts FILE/],
    [
      ['--shift', 'late', '--date', '2026-03-28', '--store', db, '--config', startConfig],
      /SEAM_ERR_BAD_QUERY: shift: shift names no shift: "late" \(known: night\)/,
    ],
    [
      ['--shift', 'night', '--date', '2026-12-25', '--store', db, '--config', startConfig],
      /SEAM_ERR_BAD_QUERY: shift: date no shift night on 2026-12-25/,
    ],
    [['--shift', 'night', '--store', db, '--config', startConfig], /--shift needs --date YYYY-MM-DD/],
    [[...NIGHT, '--store', 'postgres://seamline@127.0.0.1:1/none', '--config', startConfig], /SEAM_ERR_STORE_UNAVAILABLE/],
    [
      [...NIGHT, '--store', 'influxdb+http://127.0.0.1:1/seamline', '--config', startConfig],
      /SEAM_ERR_CONFIG: influxdb keeps no rollups for a shift summary; use PostgreSQL or DuckDB/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = await seamline('report', 'shift', ...args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.err, message, args.join(' '));
  }
});

test("a start config's own shifts win over the built-in rules' around-the-clock shift (alerts absent or default)", {
  timeout: 120_000,
}, async () => {
  const off = await seamline('report', 'shift', ...NIGHT, '--format', 'json', '--store', db, '--config', startConfig);
  assert.equal(off.code, 0, off.err);
  for (const alerts of [undefined, 'default']) {
    const file = join(dir, `start-${alerts ?? 'absent'}.json`);
    writeFileSync(file, JSON.stringify({ ...SHIFTS, ...(alerts ? { alerts } : {}) }));
    const r = await seamline('report', 'shift', ...NIGHT, '--format', 'json', '--store', db, '--config', file);
    assert.equal(r.code, 0, `alerts ${alerts ?? 'absent'}: ${r.err}`);
    assert.deepEqual(JSON.parse(r.out), JSON.parse(off.out), `alerts ${alerts ?? 'absent'}: the file's night, as with alerts off`);
  }
});
