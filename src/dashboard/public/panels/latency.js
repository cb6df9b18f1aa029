// Inference latency and end-to-end lag, p50 and p99 per interval, and the window's figures in words.
import { draw } from '../lib/charts.js';
import { $ } from '../lib/dom.js';
import { fmtMs } from '../lib/format.js';

/** p50 as a line, p99 dashed, in the given colours. */
function drawPercentiles(id, periods, values, colors) {
  draw(
    id,
    periods,
    [
      { label: 'p50', values: values.p50, color: colors[0] },
      { label: 'p99', values: values.p99, color: colors[1], dash: [8, 4] },
    ],
    { ratio: 0.14, min: 120 },
  );
}

export function renderLatency(o) {
  var L = o.latency;
  drawPercentiles('chart-inference', o.periods, L.inference, ['#4fc3f7', '#ffb74d']);
  drawPercentiles('chart-lag', o.periods, L.lag, ['#81c784', '#f06292']);
  var w = L.window;
  $('latency-note').textContent =
    'Window: inference p50 ' +
    fmtMs(w.inferenceP50) +
    ', p99 ' +
    fmtMs(w.inferenceP99) +
    '; lag p50 ' +
    fmtMs(w.lagP50) +
    ', p99 ' +
    fmtMs(w.lagP99) +
    ' (each within ' +
    (L.relativeError * 100).toFixed(2) +
    '%).';
}
