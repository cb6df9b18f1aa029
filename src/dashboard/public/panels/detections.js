// Detections per interval, per camera; the still-filling interval is told in words, not drawn.
import { draw } from '../lib/charts.js';
import { $ } from '../lib/dom.js';
import { fmtInt, STEP_NAMES } from '../lib/format.js';

/** Camera keys without the region and site they all share: "cam-1" rather than "eu/plant-1/cam-1". */
function shortLabels(keys) {
  var parts = keys.map(function (k) {
    return k.split('/');
  });
  var drop = 0;
  while (
    drop < 2 &&
    parts.length > 0 &&
    parts.every(function (p) {
      return p[drop] === parts[0][drop];
    })
  )
    drop++;
  return parts.map(function (p) {
    return p.slice(drop).join('/');
  });
}

export function renderDetections(o) {
  var cams = o.detections.cameras;
  var labels = shortLabels(
    cams.map(function (c) {
      return c.key;
    }),
  );
  draw(
    'chart-detections',
    o.periods,
    cams.map(function (c, i) {
      return { label: labels[i], values: c.values };
    }),
    { ratio: 0.3 },
  );
  var any = cams.some(function (c) {
    return c.values.some(function (v) {
      return v > 0;
    });
  });
  $('detections-empty').hidden = any || (o.detections.current && o.detections.current.detections > 0);
  var cur = o.detections.current;
  // The still-filling period is never a point on the chart (its partial count would look like a drop).
  $('current-period').textContent = cur
    ? 'Now, the current ' +
      (STEP_NAMES[o.window.stepMs] || 'period') +
      ' (' +
      Math.round(cur.elapsedMs / 1000) +
      ' s in, not drawn until complete): ' +
      fmtInt(cur.detections) +
      ' detections so far'
    : '';
  $('chart-detections').setAttribute('data-last-period', String(o.periods[o.periods.length - 1] || ''));
}
