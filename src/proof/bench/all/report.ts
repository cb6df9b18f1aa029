import { writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { LagSecond } from '../consumer/lag-series.ts';
import { lineChartSvg, type LineChart } from './charts.ts';
import { reportFormat } from './report-format.ts';
import { resultRows, type AllResult } from './run-all.ts';

/** What writeReport wrote: the report and the chart images beside it. */
export interface WrittenReport {
  report: string;
  charts: string[];
}

/** The three charts: the consumer's paced phase (throughput, lag) second by second, and this process's memory over the run. */
function charts(r: AllResult): { name: string; title: string; chart: LineChart }[] {
  const consumer = r.benches.find((b) => b.bench === 'consumer')?.result;
  const series = (consumer?.lag_series as LagSecond[] | undefined) ?? [];
  const rate = consumer?.lag_rate ?? '?';
  const bands = r.benches.map((b) => ({ from: b.started_s, to: b.started_s + b.seconds, label: b.bench }));
  return [
    {
      name: 'throughput',
      title: 'Throughput over time',
      chart: {
        title: `Consumer, paced phase at ${rate} events/s: events committed each second`,
        xLabel: 'seconds into the paced phase',
        yLabel: 'events/s',
        series: [{ name: 'committed', points: series.map((s) => [s.t_s, s.events_per_s] as const) }],
      },
    },
    {
      name: 'lag',
      title: 'Lag over time',
      chart: {
        title: 'Consumer, paced phase: end-to-end lag (commit - captured_at) of each second',
        xLabel: 'seconds into the paced phase',
        yLabel: 'ms',
        series: [
          { name: 'p50', points: series.map((s) => [s.t_s, s.lag_p50_ms] as const) },
          { name: 'p99', points: series.map((s) => [s.t_s, s.lag_p99_ms] as const) },
        ],
      },
    },
    {
      name: 'memory',
      title: 'Memory over time (inference and start measure child processes: their memory is in their own figures)',
      chart: {
        title: 'Resident memory of the bench process, each second',
        xLabel: 'seconds into the run',
        yLabel: 'RSS, MB',
        series: [
          { name: 'bench all process', points: r.rss_series.map((s) => [s.t_s, s.rss_mb] as const) },
          { name: 'consumer paced phase', points: series.map((s) => [(consumer ? startOf(r, 'consumer') : 0) + s.t_s, s.rss_mb] as const) },
        ],
        bands,
      },
    },
  ];
}

/** Where the consumer's paced phase sits on the run's clock: it ends when the consumer bench does (close enough to read). */
function startOf(r: AllResult, bench: string): number {
  const b = r.benches.find((x) => x.bench === bench)!;
  const series = (b.result?.lag_series as LagSecond[] | undefined) ?? [];
  return b.started_s + b.seconds - (series.at(-1)?.t_s ?? 0);
}

function machineRows(r: AllResult): [string, string][] {
  const m = r.machine;
  return [
    ['cores', `${m.cores} (${m.cpu})`],
    ['memory', `${m.memory_gib} GiB`],
    ['system', m.os],
    ['load average (1, 5, 15 min) at the start', m.load_average.join(', ')],
    ['Node', m.node],
    ['broker', m.mosquitto ?? 'mosquitto not installed (the embedded broker was used)'],
    ['PostgreSQL', m.postgres ?? 'not installed'],
    ['DuckDB', m.duckdb],
    ['InfluxDB', m.influxdb ?? 'not installed'],
    ['VictoriaMetrics', m.victoria_metrics ?? 'not installed'],
  ];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const HEAD = ['bench', 'figure', 'value', 'target', 'met'];

function markdown(r: AllResult, images: { file: string; title: string }[]): string {
  const md = (rows: string[][]) => rows.map((row) => `| ${row.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  return [
    `# seamline bench all${r.quick ? ' --quick' : ''}`,
    '',
    `Run ${r.started_at}, ${r.took_s} s; targets ${r.targets.met} met, ${r.targets.missed} missed${r.quick ? ' (quick counts: the targets are for the full runs)' : ''}.`,
    '',
    '## Machine',
    '',
    ...md([['', ''], ['---', '---'], ...machineRows(r)]).slice(1),
    '',
    '## Results',
    '',
    ...md([HEAD, HEAD.map(() => '---'), ...resultRows(r)]),
    '',
    '## Charts',
    '',
    ...images.flatMap((i) => [`### ${i.title}`, '', `![${i.title}](${i.file})`, '']),
  ].join('\n');
}

function html(r: AllResult, images: { file: string; title: string }[]): string {
  const table = (head: string[] | null, rows: string[][]) =>
    `<table>${head ? `<tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>` : ''}${rows
      .map((row) => `<tr>${row.map((c) => `<td${c === 'MISSED' ? ' class="missed"' : ''}>${esc(c)}</td>`).join('')}</tr>`)
      .join('')}</table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>seamline bench all ${esc(r.started_at)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}.missed{color:#b00;font-weight:bold}img{display:block;margin:1em 0;max-width:100%}</style>
</head><body>
<h1>seamline bench all${r.quick ? ' --quick' : ''}</h1>
<p>Run ${esc(r.started_at)}, ${r.took_s} s; targets ${r.targets.met} met, ${r.targets.missed} missed${r.quick ? ' (quick counts: the targets are for the full runs)' : ''}.</p>
<h2>Machine</h2>
${table(null, machineRows(r))}
<h2>Results</h2>
${table(HEAD, resultRows(r))}
<h2>Charts</h2>
${images.map((i) => `<h3>${esc(i.title)}</h3>\n<img src="${esc(i.file)}" alt="${esc(i.title)}" width="760" height="320">`).join('\n')}
</body></html>
`;
}

/** Writes the report (HTML or markdown by the file's extension) and its charts as SVG files beside it, named after it. */
export function writeReport(file: string, r: AllResult): WrittenReport {
  const format = reportFormat(file);
  const stem = basename(file, extname(file));
  const images = charts(r).map((c) => {
    const name = `${stem}-${c.name}.svg`;
    writeFileSync(join(dirname(file), name), lineChartSvg(c.chart));
    return { file: name, title: c.title };
  });
  writeFileSync(file, format === 'html' ? html(r, images) : markdown(r, images));
  return { report: file, charts: images.map((i) => join(dirname(file), i.file)) };
}
