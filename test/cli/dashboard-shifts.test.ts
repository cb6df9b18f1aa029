/**
 * Where `seamline dashboard` gets its shift calendar: `--alerts FILE` (an alerts config's shifts), else `shifts` and
 * `daysOff` in its `--config` file, else none (the page says so); a bad shift in either stops it naming the field.
 * Run as the command runs, over a DuckDB file with a day of events written first.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WEEKDAYS } from '../../src/alerting/config/schema.ts';
import { DuckDbStore } from '../../src/store/duckdb/store.ts';
import { makeEvents } from '../helpers/events.ts';
import { dashboardProcess, seamline } from '../helpers/seamline-cli.ts';

let dir: string;
let db: string;
const children: ChildProcess[] = [];
const DAY = { timezone: 'UTC', weekdays: [...WEEKDAYS], start: '00:00', end: '24:00' };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seamline-dash-shifts-'));
  db = join(dir, 'plant.duckdb');
  const store = new DuckDbStore({ path: db });
  await store.open();
  await store.write(makeEvents(30, { camera: 'cam-1', site: 'site-1' }, Date.now() - 26 * 3_600_000, 60_000), new Date());
  await store.close();
});
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** `seamline dashboard` on a free port over the DuckDB file; its URL once it says where it listens. */
async function dashboard(args: string[]): Promise<string> {
  const { url, child } = await dashboardProcess(['--store', db, ...args]);
  children.push(child);
  return url;
}

const shifts = (url: string) =>
  fetch(`${url}/api/shifts`).then((r) => r.json() as Promise<{ calendar: boolean; names: string[]; reason?: string }>);
const file = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
};

test('--alerts FILE: the alerts config shifts are the page shift ranges, and the summary of the last one is served', {
  timeout: 60_000,
}, async () => {
  const alerts = file('alerts.json', {
    shifts: { day: DAY },
    receivers: [{ name: 'log', type: 'log' }],
    route: { receivers: ['log'] },
    rules: [],
  });
  const url = await dashboard(['--alerts', alerts]);
  assert.deepEqual((await shifts(url)).names, ['day']);
  const summary = (await (await fetch(`${url}/api/shift-summary?shift=last`)).json()) as { run: { shift: string; minutes: number } };
  assert.equal(summary.run.shift, 'day');
  assert.equal(summary.run.minutes, 1440);
});

test('a shifts section in --config is the calendar; without either the page is told there is none', { timeout: 60_000 }, async () => {
  const config = file('dashboard.json', { shifts: { night: { ...DAY, start: '22:00', end: '06:00' } }, daysOff: ['2026-12-25'] });
  assert.deepEqual((await shifts(await dashboard(['--config', config]))).names, ['night']);
  const none = await shifts(await dashboard([]));
  assert.equal(none.calendar, false);
  assert.match(none.reason ?? '', /no shift calendar/);
});

test('a bad shift stops the dashboard, naming its field', { timeout: 60_000 }, async () => {
  const config = file('bad.json', { shifts: { night: { ...DAY, timezone: 'Mars/Olympus' } } });
  const r = await seamline('dashboard', '--port', '0', '--store', db, '--config', config);
  assert.notEqual(r.code, 0);
  assert.match(r.err + r.out, /shifts\.night\.timezone is not an IANA time zone: "Mars\/Olympus"/);
});
