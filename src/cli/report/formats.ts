/**
 * `seamline report shift` output: the summary object as JSON (the same object the page's table shows), CSV
 * (one row per camera, site and plant; each figure beside its _previous and _week_ago columns) for
 * spreadsheets and the MES, and a Markdown table for a person. docs/shifts.md shows each.
 */
import type { RateFigure, RunRef, ShiftRow, ShiftSummary } from '../../alerting/shifts/summary.ts';

export const REPORT_FORMATS = ['json', 'csv', 'md'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The counted figures in column order: [ShiftRow key, CSV column, Markdown heading]. */
const FIGURES = [
  ['events', 'events', 'Events'],
  ['detections', 'detections', 'Detections'],
  ['minutesSilent', 'minutes_silent', 'Silent min'],
  ['minutesOffline', 'minutes_offline', 'Offline min'],
  ['eventsLost', 'events_lost', 'Lost'],
  ['eventsRepaired', 'events_repaired', 'Repaired'],
  ['eventsRepairing', 'events_repairing', 'Repairing'],
  ['deadLetters', 'dead_letters', 'Dead letters'],
  ['alertsFired', 'alerts_fired', 'Alerts'],
  ['alertMinutes', 'alert_minutes', 'Alert min'],
] as const;

const SIDES = ['value', 'previous', 'weekAgo'] as const;
const SUFFIX = { value: '', previous: '_previous', weekAgo: '_week_ago' } as const;

const rowsOf = (s: ShiftSummary): ShiftRow[] => [s.plant, ...s.sites, ...s.cameras];
const classNames = (s: ShiftSummary) => [...new Set(rowsOf(s).flatMap((r) => Object.keys(r.classes)))].sort();

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
const csvField = (v: string | number | null) => {
  const text = v === null ? '' : String(v);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

export function toCsv(s: ShiftSummary): string {
  const classes = classNames(s);
  const perPart = s.partClass !== null;
  const header = ['shift', 'date', 'start', 'end', 'scope', 'region', 'site', 'camera'];
  for (const [, col] of FIGURES) for (const side of SIDES) header.push(`${col}${SUFFIX[side]}`);
  for (const c of classes) {
    for (const m of ['detections', 'per_event', ...(perPart && c !== s.partClass ? ['per_part'] : [])]) {
      for (const side of SIDES) header.push(`${c}_${m}${SUFFIX[side]}`);
    }
  }
  const lines = [header.join(',')];
  for (const r of rowsOf(s)) {
    const cells: (string | number | null)[] = [s.run.shift, s.run.date, s.run.start, s.run.end, r.scope, r.region, r.site, r.camera];
    for (const [key] of FIGURES) for (const side of SIDES) cells.push(r[key][side]);
    for (const c of classes) {
      const f = r.classes[c];
      const zero = { value: 0, previous: s.previous ? 0 : null, weekAgo: s.weekAgo ? 0 : null };
      const none: RateFigure = { value: null, previous: null, weekAgo: null };
      const figures = [f?.detections ?? zero, f?.perEvent ?? none, ...(perPart && c !== s.partClass ? [f?.perPart ?? none] : [])];
      for (const fig of figures) for (const side of SIDES) cells.push(fig[side]);
    }
    lines.push(cells.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

const num = (v: number | null, pct = false) => (v === null ? '–' : pct ? `${(v * 100).toFixed(1)}%` : String(v));
const cell = (f: { value: number | null; previous: number | null; weekAgo: number | null }, pct = false) =>
  `${num(f.value, pct)} (${num(f.previous, pct)} / ${num(f.weekAgo, pct)})`;
const runLine = (label: string, r: RunRef | null) =>
  r ? `${label}: ${r.shift}@${r.date}, ${r.start} to ${r.end} (${r.minutes} min, ${r.timezone})` : `${label}: none (no such run)`;
const rowName = (r: ShiftRow) =>
  r.scope === 'plant' ? '**plant**' : r.scope === 'site' ? `**${r.region}/${r.site}**` : `${r.region}/${r.site}/${r.camera}`;
/** A Markdown table cell: pipes and line breaks would end it. */
const md = (text: string) => text.replaceAll('|', '\\|').replace(/\s+/g, ' ');

export function toMarkdown(s: ShiftSummary): string {
  const classes = classNames(s).filter((c) => c !== s.partClass);
  const rate = s.partClass ? 'perPart' : 'perEvent';
  const heads = ['', ...FIGURES.map(([, , h]) => h), ...classes.map((c) => `${md(c)} ${s.partClass ? 'per part' : 'per event'}`)];
  const out = [
    `# Shift ${s.run.shift}@${s.run.date}`,
    '',
    runLine('This shift', s.run),
    runLine('Previous shift', s.previous),
    runLine('Same shift a week earlier', s.weekAgo),
    '',
    'Each cell: this shift (previous shift / a week earlier).',
    ...(s.repairLedger ? [] : ['', 'The store keeps no repair ledger: lost and repaired are not counted.']),
    '',
    `| ${heads.join(' | ')} |`,
    `|${heads.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
  ];
  for (const r of rowsOf(s)) {
    const none: RateFigure = { value: null, previous: null, weekAgo: null };
    const cells = [rowName(r), ...FIGURES.map(([k]) => cell(r[k])), ...classes.map((c) => cell(r.classes[c]?.[rate] ?? none, true))];
    out.push(`| ${cells.join(' | ')} |`);
  }
  out.push('', '## Alerts', '');
  if (s.alerts.length === 0) out.push('None fired during the shift.');
  for (const a of s.alerts) {
    const end = a.resolvedAtMs === null ? 'still firing' : `resolved ${new Date(a.resolvedAtMs).toISOString()}`;
    out.push(
      `- ${md(a.rule)} (${a.severity}) ${md(a.key)}: fired ${new Date(a.firedAtMs).toISOString()}, ${end}; ${a.minutesInShift} min in the shift`,
    );
  }
  if (s.images.length > 0) {
    out.push('', '## Top evidence images', '');
    for (const i of s.images)
      out.push(`- ${i.region}/${i.site}/${i.camera} ${i.capturedAt}: ${md(i.class)} ${i.confidence.toFixed(2)} (event ${i.eventId})`);
  }
  return `${out.join('\n')}\n`;
}

export function formatSummary(s: ShiftSummary, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(s, null, 2)}\n`;
  return format === 'csv' ? toCsv(s) : toMarkdown(s);
}
