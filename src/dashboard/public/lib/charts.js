// uPlot helpers for the page: one place that knows the dark theme, sizes and how a chart is updated in
// place (setData) or rebuilt (when its series change). uPlot itself is the classic script before the modules.

export var PALETTE = [
  '#4fc3f7',
  '#ffb74d',
  '#81c784',
  '#f06292',
  '#ba68c8',
  '#fff176',
  '#4db6ac',
  '#e57373',
  '#9575cd',
  '#aed581',
  '#ff8a65',
  '#90a4ae',
];
var AXIS = {
  stroke: '#9aa7b4',
  grid: { stroke: 'rgba(255,255,255,0.07)', width: 1 },
  ticks: { stroke: 'rgba(255,255,255,0.15)', width: 1 },
  font: '14px system-ui, sans-serif',
};
var charts = {};

function sizeOf(box, ratio, min) {
  var height = Math.min(480, Math.max(min, Math.round(window.innerHeight * ratio)));
  return { width: Math.max(240, box.clientWidth), height: height };
}

/**
 * Draws `series` ({label, values, color?, dash?, fill?, bars?}) over `xs` (epoch ms) into the element
 * `id`. Rebuilt only when the labels change; otherwise updated in place.
 */
export function draw(id, xs, series, opts) {
  opts = opts || {};
  var box = document.getElementById(id);
  var data = [
    xs.map(function (x) {
      return x / 1000;
    }),
  ].concat(
    series.map(function (s) {
      return s.values;
    }),
  );
  var shape =
    series
      .map(function (s) {
        return s.label;
      })
      .join('\n') +
    '|' +
    (opts.stacked ? 's' : '');
  var c = charts[id];
  if (c && c.shape === shape) {
    c.plot.setData(data);
    return c.plot;
  }
  if (c) c.plot.destroy();
  var size = sizeOf(box, opts.ratio || 0.3, opts.min || 160);
  var plot = new uPlot(
    Object.assign(size, {
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        y: {
          range: function (_u, _min, max) {
            return [0, Math.max(opts.minMax || 5, (max || 0) * 1.1)];
          },
        },
      },
      // Time labels at 14 px are about 60 px wide ("12:45pm"); uPlot's default spacing lets them overlap on
      // the narrower charts, so each label gets room for itself.
      axes: [Object.assign({ space: 90 }, AXIS), Object.assign({ size: 64 }, AXIS)],
      legend: { live: false },
      series: [{}].concat(
        series.map(function (s, i) {
          var color = s.color || PALETTE[i % PALETTE.length];
          var out = { label: s.label, stroke: color, width: s.width || 2, points: { show: false }, spanGaps: false };
          if (s.dash) out.dash = s.dash;
          if (s.fill) out.fill = color + '99';
          if (s.bars) out.paths = uPlot.paths.bars({ size: [0.8, 60] });
          return out;
        }),
      ),
    }),
    data,
    box,
  );
  charts[id] = { plot: plot, shape: shape };
  return plot;
}

window.addEventListener('resize', function () {
  Object.keys(charts).forEach(function (id) {
    var box = document.getElementById(id);
    var c = charts[id];
    c.plot.setSize({ width: Math.max(240, box.clientWidth), height: c.plot.height });
  });
});

// The browser tests read a chart's data through this.
window.SeamCharts = { draw: draw, PALETTE: PALETTE, charts: charts };
