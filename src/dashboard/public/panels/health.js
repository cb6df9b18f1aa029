// Pipeline health: edge outbox depth, dead letters, seq gaps and the consumer's in-flight count, per interval.
import { draw } from '../lib/charts.js';
import { $ } from '../lib/dom.js';
import { fmtInt } from '../lib/format.js';

export function renderHealth(o) {
  var h = o.health;
  draw('chart-outbox', o.periods, [{ label: 'outbox depth', values: h.outboxDepth, color: '#ffb74d' }], {
    ratio: 0.1,
    min: 110,
  });
  draw('chart-dead', o.periods, [{ label: 'dead letters', values: h.deadLetters, color: '#e3b341', bars: true, fill: true }], {
    ratio: 0.1,
    min: 110,
    minMax: 2,
  });
  draw('chart-gaps', o.periods, [{ label: 'missing', values: h.seqGaps, color: '#f85149', bars: true, fill: true }], {
    ratio: 0.1,
    min: 110,
    minMax: 2,
  });
  draw('chart-inflight', o.periods, [{ label: 'in flight', values: h.inFlight, color: '#4fc3f7' }], { ratio: 0.1, min: 110 });
  var r = o.repair;
  $('repair-state').textContent = r
    ? fmtInt(r.repairing) + ' repairing now, ' + fmtInt(r.repaired) + ' repaired, ' + fmtInt(r.lost) + ' lost in the window'
    : 'not recorded by this store';
}
