// The header's figures: events, detections, cameras online, dead letters, seq gaps, repairing and lost.
import { $ } from '../lib/dom.js';
import { fmtInt, lostText } from '../lib/format.js';

function sum(values) {
  return values.reduce(function (a, b) {
    return a + b;
  }, 0);
}

export function renderHeader(o) {
  $('total-events').textContent = fmtInt(o.totals.events);
  $('total-detections').textContent = fmtInt(o.totals.detections);
  var dead = sum(o.health.deadLetters);
  $('total-dead').textContent = fmtInt(dead);
  $('total-dead').className = 'kpi-value' + (dead > 0 ? ' warn' : '');
  var gaps = sum(o.health.seqGaps);
  $('seq-gaps').textContent = fmtInt(gaps);
  // With repair most gaps come back: missing is a warning; lost, confirmed is the alarm.
  $('seq-gaps').className = 'kpi-value' + (gaps ? ' warn' : '');
  var repair = o.repair || null;
  $('repairing').textContent = fmtInt(repair ? repair.repairing : null);
  $('repairing').className = 'kpi-value' + (repair?.repairing ? ' warn' : '');
  $('lost').textContent = fmtInt(repair ? repair.lost : null);
  $('lost').className = 'kpi-value' + (repair?.lost ? ' bad' : '');
  $('lost').parentNode.title =
    'events confirmed lost in the window: no bridge has them any more' + (repair?.lost ? ' (' + lostText(repair.lostReasons) + ')' : '');
}

/** "3 / 4": the cameras shown in the table that are online. */
export function renderCamerasOnline(cameras) {
  var online = cameras.filter(function (c) {
    return c.state === 'online';
  }).length;
  $('cameras-online').textContent = cameras.length ? online + ' / ' + cameras.length : '—';
  $('cameras-online').className = 'kpi-value' + (cameras.length && online < cameras.length ? ' warn' : '');
}
