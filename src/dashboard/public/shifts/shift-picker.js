// The shift choices in the bar: this shift, last shift, the same shift yesterday and a week ago, and any recent
// shift from a list, per the dashboard's shift calendar (GET /api/shifts). Each puts `shift=` in the URL
// (`this`, `last`, `same-yesterday`, `same-last-week`, or `<name>@<YYYY-MM-DD>`), which every panel follows.
// Without a calendar the choices are hidden and a muted word says why (its title).
import { $, el } from '../lib/dom.js';
import { fmtWhen } from '../lib/format.js';
import { params } from '../lib/view.js';

/** The list's runs as /api/shifts last answered; [] until it does. */
var runs = [];

function runLabel(r) {
  return r.name + ' ' + r.date + ' (' + fmtWhen(r.startMs) + ' – ' + fmtWhen(r.endMs) + ')';
}

function fillList(chosen) {
  var select = $('f-shift');
  while (select.options.length > 1) select.remove(1);
  var specs = runs.map(function (r) {
    return r.spec;
  });
  // A run picked by a link that is no longer among the recent ones stays choosable.
  if (chosen && chosen.indexOf('@') > 0 && specs.indexOf(chosen) < 0) specs.unshift(chosen);
  specs.forEach(function (spec) {
    var run = runs.find(function (r) {
      return r.spec === spec;
    });
    var opt = el('option', null, run ? runLabel(run) : spec);
    opt.value = spec;
    select.appendChild(opt);
  });
  select.value = chosen && chosen.indexOf('@') > 0 ? chosen : '';
}

/** Marks the chosen shift (from the URL, which says `last` where the panels document says which run that was). */
export function renderShiftChoice() {
  var chosen = params().get('shift');
  document.querySelectorAll('#shifts button').forEach(function (b) {
    var on = b.getAttribute('data-shift') === chosen;
    b.classList.toggle('on', on);
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
  });
  if (!$('shifts').hidden) fillList(chosen);
}

function showCalendar(body) {
  var has = Boolean(body?.calendar);
  $('shifts').hidden = !has;
  $('shifts-off').hidden = has;
  $('shifts-off').title = has ? '' : body?.reason || 'this dashboard has no shift calendar';
  runs = has ? body.runs : [];
  document.body.setAttribute('data-shifts', has ? 'on' : 'off');
  renderShiftChoice();
}

/** Asks the server for the calendar's recent runs, and wires the buttons and the list to `setView`. */
export function wireShifts(setView) {
  document.querySelectorAll('#shifts button').forEach(function (b) {
    b.addEventListener('click', function () {
      $('custom').hidden = true;
      setView({ shift: b.getAttribute('data-shift') });
    });
  });
  $('f-shift').addEventListener('change', function (e) {
    if (e.target.value) setView({ shift: e.target.value });
  });
  fetch('/api/shifts')
    .then(function (r) {
      return r.json();
    })
    .then(showCalendar)
    .catch(function () {
      showCalendar({ calendar: false, reason: 'the shift calendar did not answer' });
    });
}
