import { DateTime } from 'luxon';
import type { Figure, RateFigure, ShiftRow } from '../shifts/summary.ts';
import type { HandoverNotice } from './notice.ts';

const int = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });
const pct = (r: number | null) => (r === null ? '-' : `${(r * 100).toFixed(1)}%`);

/** Which comparisons the summary has: a run that did not happen (a day off) is left out, not shown as 0. */
interface Beside {
  previous: boolean;
  weekAgo: boolean;
}

/** `value unit (prev X, week ago Y)`. */
function compared(f: Figure | RateFigure, show: (v: number | null) => string, beside: Beside, unit = ''): string {
  const others = [...(beside.previous ? [`prev ${show(f.previous)}`] : []), ...(beside.weekAgo ? [`week ago ${show(f.weekAgo)}`] : [])];
  return `${show(f.value)}${unit}${others.length ? ` (${others.join(', ')})` : ''}`;
}

/** The headline lines of one row: volume, defect rates by class, silence, losses, dead letters, alerts. */
function rowLines(r: ShiftRow, partClass: string | null, beside: Beside): string[] {
  const count = (f: Figure, unit = '') => compared(f, (v) => int(v ?? 0), beside, unit);
  const classes = Object.entries(r.classes)
    .filter(([name]) => name !== partClass)
    .map(([name, c]) => `${name} ${compared(c.perPart ?? c.perEvent, pct, beside, c.perPart ? ' per part' : ' per event')}`);
  return [
    `Events ${count(r.events)} · detections ${count(r.detections)}`,
    ...(classes.length ? [`Defect rate: ${classes.join(' · ')}`] : []),
    `Camera-minutes silent ${count(r.minutesSilent)} · offline ${count(r.minutesOffline)}`,
    `Events lost ${count(r.eventsLost)} · repaired ${count(r.eventsRepaired)} · dead letters ${count(r.deadLetters)}`,
    `Alerts fired ${count(r.alertsFired)} · firing ${count(r.alertMinutes, ' min')}`,
  ];
}

/** At most this many lines, one per line (site), under the plant's figures. */
const MAX_SITES = 12;

/** The text of a Slack message for a handover notice: the plant's figures beside the previous shift and a week ago, then each line. */
export function handoverText(n: HandoverNotice): string {
  const s = n.summary;
  const local = (ms: number) => DateTime.fromMillis(ms, { zone: s.run.timezone }).toFormat('HH:mm');
  const head =
    `*Shift handover: ${n.shift} ${n.date}* ${local(s.run.startMs)}-${local(s.run.endMs)} ${s.run.timezone}, ` +
    `${int(s.run.minutes / 60)} h${n.url ? ` <${n.url}|open on the dashboard>` : ''}`;
  const sites = s.sites
    .slice(0, MAX_SITES)
    .map(
      (r) =>
        `• *${r.site}*: ${int(r.events.value)} events, ${int(r.minutesSilent.value)} camera-min silent, ${int(r.alertsFired.value)} alert(s)`,
    );
  return [
    head,
    ...rowLines(s.plant, s.partClass, { previous: s.previous !== null, weekAgo: s.weekAgo !== null }),
    ...sites,
    ...(s.sites.length > MAX_SITES ? [`… and ${s.sites.length - MAX_SITES} more lines`] : []),
    ...(s.images.length ? [`${s.images.length} defect image(s) on the dashboard`] : []),
    `_id ${n.id}_`,
  ].join('\n');
}

/** The log notifier's message for a handover notice (the notice itself goes beside it as JSON). */
export const handoverLogLine = (n: HandoverNotice) =>
  `shift handover ${n.shift}@${n.date}: ${n.summary.plant.events.value} events, ${n.summary.plant.alertsFired.value} alert(s)`;
