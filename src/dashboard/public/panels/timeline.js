// Cameras online over the window: one track per camera, its state now and when it was last seen.
import { $, clear, el } from '../lib/dom.js';
import { fmtAge, fmtWhen } from '../lib/format.js';

var STATE_TEXT = { online: 'online', offline: 'offline', unknown: 'no status' };

function track(row, o, span) {
  var line = el('span', 'tl-track');
  row.segments.forEach(function (s) {
    var seg = el('span', 'tl-seg tl-' + s.state);
    seg.style.left = ((100 * (s.fromMs - o.window.fromMs)) / span).toFixed(3) + '%';
    seg.style.width = Math.max(0.2, (100 * (s.toMs - s.fromMs)) / span).toFixed(3) + '%';
    seg.title = STATE_TEXT[s.state] + ' ' + fmtWhen(s.fromMs) + ' – ' + fmtWhen(s.toMs);
    seg.setAttribute('data-state', s.state);
    // Offline bars carry their word as well as their colour and hatching, when there is room for it.
    if (s.state !== 'online' && (s.toMs - s.fromMs) / span > 0.06) seg.textContent = STATE_TEXT[s.state];
    line.appendChild(seg);
  });
  return line;
}

export function renderTimeline(o) {
  var box = $('timeline');
  clear(box);
  var span = Math.max(1, Math.min(o.window.toMs, o.serverTime) - o.window.fromMs);
  var ages = {};
  o.cameras.forEach(function (c) {
    ages[c.key] = c.lastEventAgeMs;
  });
  o.timeline.forEach(function (row) {
    var line = el('div', 'tl-row');
    line.setAttribute('data-key', row.key);
    line.appendChild(el('span', 'tl-name', row.key));
    line.appendChild(track(row, o, span));
    var now = row.segments.length ? row.segments[row.segments.length - 1].state : 'unknown';
    line.appendChild(el('span', 'tl-now state-' + now, STATE_TEXT[now]));
    line.appendChild(el('span', 'tl-age', 'last seen ' + fmtAge(ages[row.key])));
    box.appendChild(line);
  });
  $('timeline-empty').hidden = o.timeline.length > 0;
}
