/** A line of a chart: its name in the legend and its points (x, y); a null y breaks the line. */
export interface ChartSeries {
  name: string;
  points: readonly (readonly [number, number | null])[];
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  /** Shaded spans along x with a label (which bench ran when). */
  bands?: readonly { from: number; to: number; label: string }[];
}

const W = 760;
const H = 320;
const PAD = { left: 64, right: 16, top: 36, bottom: 64 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (n: number) => (Math.abs(n) >= 1000 ? `${Math.round(n / 100) / 10}k` : String(Math.round(n * 10) / 10));

/** Up to five round ticks from 0 (or the lowest value) to just over the highest. */
function ticks(lo: number, hi: number): number[] {
  const span = hi - lo || 1;
  const step = 10 ** Math.floor(Math.log10(span / 4));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= 5) ?? step * 10;
  const out: number[] = [];
  for (let t = Math.floor(lo / nice) * nice; t <= hi + nice / 2; t += nice) out.push(Math.round(t * 1e6) / 1e6);
  return out;
}

/**
 * A line chart as a standalone SVG document (a browser shows it as an image): axes with round ticks, one
 * coloured line per series, a legend, and optional labelled bands. No fonts or scripts are fetched.
 */
export function lineChartSvg(chart: LineChart): string {
  const xs = chart.series.flatMap((s) => s.points.map((p) => p[0])).concat((chart.bands ?? []).flatMap((b) => [b.from, b.to]));
  const ys = chart.series.flatMap((s) => s.points.map((p) => p[1]).filter((y): y is number => y !== null));
  const [x0, x1] = xs.length > 0 ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  const yTicks = ticks(Math.min(0, ...ys), ys.length > 0 ? Math.max(...ys) : 1);
  const [y0, y1] = [yTicks[0], yTicks[yTicks.length - 1]];
  const px = (x: number) => PAD.left + ((x - x0) / (x1 - x0 || 1)) * (W - PAD.left - PAD.right);
  const py = (y: number) => H - PAD.bottom - ((y - y0) / (y1 - y0 || 1)) * (H - PAD.top - PAD.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(chart.title)}</text>`,
  ];
  (chart.bands ?? []).forEach((b, i) => {
    const [a, z] = [px(b.from), px(b.to)];
    parts.push(
      `<rect x="${a}" y="${PAD.top}" width="${Math.max(1, z - a)}" height="${H - PAD.top - PAD.bottom}" fill="${i % 2 ? '#f2f2f2' : '#e6eef7'}"/>`,
    );
    parts.push(`<text x="${(a + z) / 2}" y="${PAD.top + 12}" text-anchor="middle" fill="#555">${esc(b.label)}</text>`);
  });
  for (const t of yTicks) {
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${py(t)}" y2="${py(t)}" stroke="#ddd"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${py(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const t of ticks(x0, x1).filter((t) => t >= x0 && t <= x1)) {
    parts.push(`<text x="${px(t)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  parts.push(
    `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}" stroke="#333"/>`,
    `<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#333"/>`,
    `<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - PAD.bottom + 34}" text-anchor="middle">${esc(chart.xLabel)}</text>`,
    `<text x="14" y="${(PAD.top + H - PAD.bottom) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(PAD.top + H - PAD.bottom) / 2})">${esc(chart.yLabel)}</text>`,
  );
  chart.series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    parts.push(`<path d="${pathOf(s.points, px, py)}" fill="none" stroke="${colour}" stroke-width="1.8"/>`);
    const lx = PAD.left + i * 170;
    parts.push(`<rect x="${lx}" y="${H - 18}" width="14" height="4" fill="${colour}"/>`);
    parts.push(`<text x="${lx + 20}" y="${H - 13}">${esc(s.name)}</text>`);
  });
  if (ys.length === 0) parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#999">no samples</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function pathOf(points: ChartSeries['points'], px: (x: number) => number, py: (y: number) => number): string {
  let d = '';
  let pen = 'M';
  for (const [x, y] of points) {
    if (y === null) {
      pen = 'M';
      continue;
    }
    d += `${pen}${px(x).toFixed(1)},${py(y).toFixed(1)} `;
    pen = 'L';
  }
  return d.trim();
}
