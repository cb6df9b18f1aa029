// The shift summary panel, shown when the view is a shift: one table, the plant first, then each line (site), then
// each camera, every figure beside the previous shift's and the same shift's a week earlier. The table shows
// GET /api/shift-summary, the very object `seamline report shift --format json` prints (its figures are defined in
// docs/shifts.md); each cell carries the three numbers in data attributes, so a test can compare them with it.
import { $, clear, el } from '../lib/dom.js';
import { fmtInt, fmtWhen } from '../lib/format.js';

/** Counts of a row, in column order: [figure key, heading, tooltip]. */
var COUNTS = [
  ['events', 'Events', 'events stored with captured_at in the shift'],
  ['detections', 'Detections', 'detections (boxes) of those events'],
  ['minutesSilent', 'Silent min', 'minutes of the shift without a stored event (camera-minutes for a line or the plant)'],
  ['minutesOffline', 'Offline min', 'minutes without an event or a heartbeat (camera-minutes for a line or the plant)'],
  ['eventsLost', 'Lost', 'seqs missing in the shift now confirmed lost'],
  ['eventsRepaired', 'Repaired', 'seqs missing in the shift since repaired from the bridges, also after the shift ended'],
  ['deadLetters', 'Dead letters', 'messages dead-lettered during the shift'],
  ['alertsFired', 'Alerts', 'alerts that were firing at some moment of the shift'],
  ['alertMinutes', 'Alert min', 'their firing minutes inside the shift'],
];

/** The run the panel shows, and which answer is the newest asked (an older one arriving late is dropped). */
var shown = null;
var askedAt = 0;
var sequence = 0;
/** A running shift's summary is asked again at most this often (the panels push every 5 s). */
var RUNNING_EVERY_MS = 15000;

function pct(v) {
  return v === null || v === undefined ? '—' : (v * 100).toFixed(1) + ' %';
}

function runText(r) {
  return r ? r.shift + ' ' + r.date + ' (' + fmtWhen(r.startMs) + ' – ' + fmtWhen(r.endMs) + ')' : 'none';
}

/** A cell: the figure large, and under it the previous shift's and last week's. */
function cell(name, f, fmt) {
  var td = el('td', 'num fig');
  td.setAttribute('data-figure', name);
  td.setAttribute('data-value', String(f.value));
  td.setAttribute('data-previous', String(f.previous));
  td.setAttribute('data-week-ago', String(f.weekAgo));
  td.appendChild(el('div', 'fig-now', fmt(f.value)));
  td.appendChild(el('div', 'fig-then', fmt(f.previous) + ' · ' + fmt(f.weekAgo)));
  return td;
}

function classCell(cls, c) {
  var td = cell('class:' + cls, c ? c.detections : { value: 0, previous: null, weekAgo: null }, fmtInt);
  var rate = c ? c.perPart || c.perEvent : null;
  if (rate) {
    td.appendChild(el('div', 'fig-rate', pct(rate.value) + ' (' + pct(rate.previous) + ' · ' + pct(rate.weekAgo) + ')'));
    td.setAttribute('data-rate', String(rate.value));
  }
  return td;
}

function rowOf(r, classes) {
  var tr = el('tr', 'scope-' + r.scope);
  var key = r.scope === 'plant' ? 'plant' : r.scope === 'site' ? r.region + '/' + r.site : r.region + '/' + r.site + '/' + r.camera;
  tr.setAttribute('data-scope', r.scope);
  tr.setAttribute('data-key', key);
  tr.appendChild(el('td', 'scope', r.scope === 'plant' ? 'Plant' : r.scope === 'site' ? 'Line ' + key : key));
  COUNTS.slice(0, 2).forEach(function (c) {
    tr.appendChild(cell(c[0], r[c[0]], fmtInt));
  });
  classes.forEach(function (cls) {
    tr.appendChild(classCell(cls, r.classes[cls]));
  });
  COUNTS.slice(2).forEach(function (c) {
    tr.appendChild(cell(c[0], r[c[0]], fmtInt));
  });
  return tr;
}

function head(classes, partClass) {
  var tr = el('tr');
  tr.appendChild(el('th', null, 'Scope'));
  var th = function (text, title) {
    var h = el('th', 'num', text);
    if (title) h.title = title;
    tr.appendChild(h);
  };
  COUNTS.slice(0, 2).forEach(function (c) {
    th(c[1], c[2]);
  });
  classes.forEach(function (cls) {
    th(cls, 'detections of ' + cls + ', and per ' + (partClass ? partClass + ' detection' : 'event') + ' (the defect rate)');
  });
  COUNTS.slice(2).forEach(function (c) {
    th(c[1], c[2]);
  });
  var thead = el('thead');
  thead.appendChild(tr);
  return thead;
}

/** The alerts that fired in the shift. */
function alertList(alerts) {
  var list = el('ul', 'shift-alerts');
  alerts.forEach(function (a) {
    var where = a.camera ? ' ' + a.region + '/' + a.site + '/' + a.camera : '';
    var li = el(
      'li',
      'sev-' + a.severity,
      a.rule + where + ': fired ' + fmtWhen(a.firedAtMs) + ', ' + a.minutesInShift + ' min in the shift',
    );
    li.setAttribute('data-key', a.key);
    list.appendChild(li);
  });
  return list;
}

/** The shift's top defect images; each opens the evidence viewer. */
function imageGrid(images) {
  var grid = el('div', 'shift-images');
  images.forEach(function (i) {
    var a = el('a', 'shift-image');
    a.href = '#evidence=' + i.eventId;
    a.title = i.region + '/' + i.site + '/' + i.camera + ' · ' + i.class + ' ' + i.confidence.toFixed(2);
    a.setAttribute('data-event-id', i.eventId);
    var img = el('img');
    img.loading = 'lazy';
    img.alt = i.class;
    img.src = '/api/evidence/' + encodeURIComponent(i.eventId) + '/thumb.jpg';
    a.appendChild(img);
    a.appendChild(el('span', 'shift-image-label', i.class + ' ' + i.confidence.toFixed(2)));
    grid.appendChild(a);
  });
  return grid;
}

function render(s) {
  var classes = Object.keys(s.plant.classes).sort();
  var table = el('table', 'shift-summary');
  table.appendChild(head(classes, s.partClass));
  var body = el('tbody');
  [s.plant].concat(s.sites, s.cameras).forEach(function (r) {
    body.appendChild(rowOf(r, classes));
  });
  table.appendChild(body);
  var box = $('shift-tables');
  clear(box);
  box.appendChild(table);
  var note =
    'each figure, then under it: the previous shift ' + runText(s.previous) + ' · the same shift a week earlier ' + runText(s.weekAgo);
  if (!s.repairLedger) note += '; no repair ledger in this store: Lost and Repaired mean nothing';
  box.appendChild(el('p', 'note', note));
  if (s.alerts.length > 0) box.appendChild(alertList(s.alerts));
  if (s.images.length > 0) box.appendChild(imageGrid(s.images));
  $('shift-title').textContent = runText(s.run);
  $('shift-panel').setAttribute('data-run', s.run.shift + '@' + s.run.date);
}

function fail(message) {
  clear($('shift-tables'));
  $('shift-error').hidden = false;
  $('shift-error').textContent = 'Cannot show the shift summary: ' + message;
}

/** From each panels document: shows the panel for a shift window and asks for its summary when it changed (or runs on). */
export function renderShiftSummary(o) {
  var shift = o.window.shift;
  $('shift-panel').hidden = !shift;
  if (!shift) {
    shown = null;
    return;
  }
  var spec = shift.name + '@' + shift.date;
  if (spec === shown && (!shift.running || Date.now() - askedAt < RUNNING_EVERY_MS)) return;
  shown = spec;
  askedAt = Date.now();
  var mine = ++sequence;
  $('shift-panel').setAttribute('data-loading', '');
  fetch('/api/shift-summary?shift=' + encodeURIComponent(spec))
    .then(function (r) {
      return r.json().then(function (b) {
        if (!r.ok) throw new Error(b.message || 'HTTP ' + r.status);
        return b;
      });
    })
    .then(function (s) {
      if (mine !== sequence) return;
      $('shift-error').hidden = true;
      render(s);
    })
    .catch(function (err) {
      if (mine === sequence) fail(err.message);
    })
    .finally(function () {
      if (mine === sequence) $('shift-panel').removeAttribute('data-loading');
    });
}
