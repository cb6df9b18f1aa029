// Defect classes: detections per interval, stacked, largest class first.
import { draw, PALETTE } from '../lib/charts.js';
import { $ } from '../lib/dom.js';
import { fmtInt } from '../lib/format.js';

export function renderClasses(o) {
  var cls = o.classes.classes;
  // Stacked: each series is the running total of the classes up to it, drawn largest first.
  var running = o.periods.map(function () {
    return 0;
  });
  var stacked = cls.map(function (c) {
    running = running.map(function (v, i) {
      return v + (c.values[i] || 0);
    });
    return { label: c.name + ' (' + fmtInt(c.total) + ')', values: running.slice(), fill: true, bars: true };
  });
  stacked.forEach(function (s, i) {
    s.color = PALETTE[i % PALETTE.length];
  });
  draw('chart-classes', o.periods, stacked.reverse(), { ratio: 0.25, stacked: true });
  $('classes-empty').hidden = cls.some(function (c) {
    return c.total > 0;
  });
}
