import {
  ContactPointBuilder,
  DayOfMonthRangeBuilder,
  MonthRangeBuilder,
  MuteTimingBuilder,
  YearRangeBuilder,
  NotificationPolicyBuilder,
  TimeIntervalBuilder,
  TimeRangeBuilder,
  WeekdayRangeBuilder,
  type ContactPoint,
  type MuteTiming,
  type NotificationPolicy,
} from '@grafana/grafana-foundation-sdk/alerting';
import type { AlertsConfig } from '../alerts-config.ts';
import { formatDuration } from '../config/duration.ts';
import { clock, offShift } from './off-shift.ts';

const WEEKDAY = ['', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
/** Grafana's own contact point, present in every instance: where routes to a log-only receiver go. */
export const DEFAULT_CONTACT_POINT = 'grafana-default-email';

export const muteTimingName = (shifts: readonly string[]) => `seamline-off-shift-${[...shifts].sort().join('-')}`.slice(0, 100);

/** Shifts that leave no time off (around the clock, no days off) need no mute timing: an empty one would mute nothing or, worse, be read as always. */
const hasOffTime = (config: AlertsConfig, shifts: readonly string[]) => {
  const off = offShift(config.calendar, shifts);
  return off.byWeekday.size > 0 || off.daysOff.length > 0;
};

/** Seamline receivers as Grafana contact points; `log` has no Grafana equivalent and is left out. */
export function contactPoints(config: AlertsConfig): ContactPoint[] {
  return config.receivers
    .filter((r) => r.type === 'webhook' || r.type === 'slack')
    .map((r) =>
      new ContactPointBuilder()
        .uid(`seamline-${r.name}`.slice(0, 40))
        .name(r.name)
        .type(r.type === 'slack' ? 'slack' : 'webhook')
        .settings(r.type === 'slack' ? { url: r.url } : { url: r.url, httpMethod: 'POST' })
        .disableResolveMessage(false)
        .build(),
    );
}

const contactFor = (config: AlertsConfig, receivers: readonly string[]) =>
  receivers.find((n) => config.receivers.some((r) => r.name === n && r.type !== 'log')) ?? DEFAULT_CONTACT_POINT;

/**
 * The notification policy tree: the route's receiver at the root, one child route per rule that has shifts
 * (matched on seamline_rule, muted by its shifts' off-shift timing) or receivers of its own.
 */
export function notificationPolicy(config: AlertsConfig): NotificationPolicy {
  const source = config.source.route;
  const routes = config.rules
    .filter((r) => r.shifts || r.receivers !== source.receivers)
    .map((r) => {
      const route = new NotificationPolicyBuilder()
        .receiver(contactFor(config, r.receivers))
        .objectMatchers([['seamline_rule', '=', r.name]])
        .repeatInterval(formatDuration(r.repeatIntervalMs));
      if (r.shifts && hasOffTime(config, r.shifts)) route.muteTimeIntervals([muteTimingName(r.shifts)]);
      return route;
    });
  return new NotificationPolicyBuilder()
    .receiver(contactFor(config, source.receivers))
    .groupBy(config.groupBy)
    .groupWait('0s')
    .repeatInterval(source.repeatInterval ?? '4h')
    .routes(routes)
    .build();
}

/**
 * One mute timing per set of shifts some rule uses: the off-shift ranges of each weekday, midnight split
 * (no range crosses 00:00), weekdays with the same ranges merged, and each day off muted whole.
 */
export function muteTimings(config: AlertsConfig): MuteTiming[] {
  const sets = new Map<string, string[]>();
  for (const r of config.rules) if (r.shifts && hasOffTime(config, r.shifts)) sets.set(muteTimingName(r.shifts), r.shifts);
  return [...sets].map(([name, shifts]) => {
    const off = offShift(config.calendar, shifts);
    const byRanges = new Map<string, number[]>();
    for (const [day, ranges] of off.byWeekday) {
      const key = JSON.stringify(ranges);
      byRanges.set(key, [...(byRanges.get(key) ?? []), day]);
    }
    const intervals = [...byRanges].map(([key, days]) =>
      new TimeIntervalBuilder()
        .location(off.timezone)
        .weekdays(days.map((d) => new WeekdayRangeBuilder().begin(d).end(d)))
        .times((JSON.parse(key) as { from: number; to: number }[]).map((r) => new TimeRangeBuilder().from(clock(r.from)).to(clock(r.to)))),
    );
    for (const date of off.daysOff) {
      const [y, m, d] = date.split('-').map(Number);
      intervals.push(
        new TimeIntervalBuilder()
          .location(off.timezone)
          .years([new YearRangeBuilder().begin(y).end(y)])
          .months([new MonthRangeBuilder().begin(m).end(m)])
          .daysOfMonth([new DayOfMonthRangeBuilder().begin(d).end(d)]),
      );
    }
    return new MuteTimingBuilder().name(name).timeIntervals(intervals).build();
  });
}

/**
 * The provisioning file shape of a mute timing (provisioning/alerting/mute-timings.yaml), from the SDK's
 * model: ranges become `start_time`/`end_time`, weekday numbers Grafana's names, the rest `begin:end` strings.
 */
export function toProvisionedMuteTiming(m: MuteTiming) {
  const span = (r: { begin?: number; end?: number }, names?: string[]) => {
    const f = (n?: number) => (names ? names[n ?? 0] : String(n));
    return r.begin === r.end ? f(r.begin) : `${f(r.begin)}:${f(r.end)}`;
  };
  return {
    orgId: 1,
    name: m.name,
    time_intervals: (m.time_intervals ?? []).map((i) => ({
      ...(i.times ? { times: i.times.map((t) => ({ start_time: t.from, end_time: t.to })) } : {}),
      ...(i.weekdays ? { weekdays: i.weekdays.map((w) => span(w, WEEKDAY)) } : {}),
      ...(i.days_of_month ? { days_of_month: i.days_of_month.map((r) => span(r)) } : {}),
      ...(i.months ? { months: i.months.map((r) => span(r)) } : {}),
      ...(i.years ? { years: i.years.map((r) => span(r)) } : {}),
      location: i.location,
    })),
  };
}
