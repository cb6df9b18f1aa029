import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { parsed, PLANT, TARGETS, type Obj } from './grafana-plant.ts';

for (const target of TARGETS) {
  test(`${target.store}: uids, refIds and panel ids are unique, and every query names the provisioned datasource`, {
    timeout: 30_000,
  }, () => {
    const f = parsed(target);
    const ds = f.datasource.datasources[0];
    assert.equal(f.datasource.apiVersion, 1);
    assert.equal(ds.type, target.store === 'postgres' ? 'grafana-postgresql-datasource' : 'influxdb');
    const rules = f.rules.groups[0].rules as Obj[];
    assert.equal(new Set(rules.map((r) => r.uid)).size, rules.length, 'rule uids unique');
    assert.ok(
      rules.every((r) => /^[a-zA-Z0-9_-]{1,40}$/.test(r.uid)),
      'rule uids are Grafana-valid',
    );
    assert.equal(rules.length, PLANT.rules.length, 'every rule exported');
    for (const r of rules) {
      const refIds = r.data.map((d: Obj) => d.refId);
      assert.equal(new Set(refIds).size, refIds.length, `${r.uid}: refIds unique`);
      assert.ok(refIds.includes(r.condition), `${r.uid}: the condition is one of its queries`);
      for (const d of r.data) {
        assert.equal(d.model.refId, d.refId);
        if (d.datasourceUid !== '__expr__') assert.equal(d.datasourceUid, ds.uid, `${r.uid}/${d.refId} queries the provisioned datasource`);
        else
          assert.ok(
            refIds.includes(d.model.expression.replace(/^\$/, '')) || /\$/.test(d.model.expression),
            `${r.uid}/${d.refId} reads a query of the rule`,
          );
      }
    }
    const panels = f.dashboard.panels as Obj[];
    assert.equal(new Set(panels.map((p) => p.id)).size, panels.length, 'panel ids unique');
    for (const p of panels) {
      assert.equal(p.datasource.uid, ds.uid);
      for (const t of p.targets) assert.equal(t.datasource.uid, ds.uid);
    }
    assert.equal(f.dashboard.schemaVersion, 41, 'Grafana 11.6 dashboard schema');
    assert.equal(f.dashboard.uid, 'seamline-floor');
    const silent = rules.find((r) => r.uid === 'seamline-camera-silent')!;
    assert.equal(silent.annotations.__dashboardUid__, f.dashboard.uid);
    assert.equal(silent.noDataState, 'Alerting', 'a store with no camera at all alerts too');
    const contactNames = new Set([...(f.contacts.contactPoints as Obj[]).map((c) => c.name), 'grafana-default-email']);
    const muteNames = new Set((f.mutes.muteTimes as Obj[]).map((m) => m.name));
    const policy = f.policies.policies[0];
    assert.ok(contactNames.has(policy.receiver));
    for (const route of policy.routes) {
      assert.ok(contactNames.has(route.receiver), `route receiver ${route.receiver} exists`);
      for (const m of route.mute_time_intervals ?? []) assert.ok(muteNames.has(m), `mute timing ${m} exists`);
    }
    assert.deepEqual(
      (f.contacts.contactPoints as Obj[]).map((c) => [c.name, c.receivers[0].type]),
      [
        ['ops', 'webhook'],
        ['quality', 'slack'],
      ],
    );
    assert.equal(policy.routes.find((r: Obj) => r.object_matchers[0][2] === 'cracks').receiver, 'quality');
  });
}

test('mute timings are the off-shift hours of each local weekday, split at midnight, and never cross it', { timeout: 30_000 }, () => {
  const { mutes } = parsed(TARGETS[0]);
  const day = (mutes.muteTimes as Obj[]).find((m) => m.name === 'seamline-off-shift-day-night')!;
  for (const m of mutes.muteTimes as Obj[]) {
    for (const i of m.time_intervals) {
      for (const t of i.times ?? []) {
        assert.match(t.start_time, /^([01]\d|2[0-3]):[0-5]\d$/);
        assert.match(t.end_time, /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/);
        assert.ok(t.start_time < t.end_time, `${m.name}: ${t.start_time}-${t.end_time} does not cross midnight`);
      }
      assert.equal(i.location, 'Europe/Berlin');
    }
  }
  const ranges = Object.fromEntries(
    (day.time_intervals as Obj[])
      .filter((i) => i.weekdays)
      .map((i) => [i.weekdays.join(','), i.times.map((t: Obj) => `${t.start_time}-${t.end_time}`).join(' ')]),
  );
  // Day 06-14 Mon-Fri; night 22-06 starting Mon-Thu, so its mornings are Tue-Fri and Monday's 00-06 is off.
  assert.deepEqual(ranges, {
    monday: '00:00-06:00 14:00-22:00',
    'tuesday,wednesday,thursday': '14:00-22:00',
    friday: '14:00-24:00',
    'saturday,sunday': '00:00-24:00',
  });
  const holiday = (day.time_intervals as Obj[]).find((i) => i.years)!;
  assert.deepEqual([holiday.years, holiday.months, holiday.days_of_month], [['2026'], ['12'], ['25']]);
});

test('every exported YAML file reads the same to a YAML 1.1 tool (Ansible, PyYAML) as to Grafana: 22:00 and = stay strings', {
  timeout: 30_000,
}, () => {
  for (const target of TARGETS) {
    const { files } = parsed(target);
    const yamlFiles = [...files].filter(([path]) => path.endsWith('.yaml'));
    assert.ok(yamlFiles.length >= 5, `${yamlFiles.length} YAML files`);
    for (const [path, text] of yamlFiles) {
      assert.deepEqual(parse(text, { version: '1.1' }), parse(text), `${target.store} ${path}: a YAML 1.1 reader agrees`);
      // YAML 1.1's value type: PyYAML refuses a plain `=` ("could not determine a constructor").
      assert.doesNotMatch(text, /(^|[\s:-]) ?=\s*$/m, `${target.store} ${path}: no plain = scalar`);
    }
    assert.match(files.get('provisioning/alerting/mute-timings.yaml') ?? '', /start_time: "22:00"|end_time: "22:00"/);
  }
});
