// The bar under the header: the time range (presets or a custom window; the shifts are ../shifts/shift-picker.js)
// and the region, site, camera and class filters. It shows the view the server answered for, and hands each change to `setView`.
import { $, el } from '../lib/dom.js';
import { fmtWhen, localInput, STEP_NAMES } from '../lib/format.js';

var FIELDS = ['region', 'site', 'camera', 'class'];

function fillSelect(id, values, chosen) {
  var select = $(id);
  var want = ['all'].concat(values).join('\n');
  if (select.getAttribute('data-options') !== want) {
    while (select.options.length > 1) select.remove(1);
    values.forEach(function (v) {
      var opt = el('option', null, v);
      opt.value = v;
      select.appendChild(opt);
    });
    select.setAttribute('data-options', want);
  }
  select.value = chosen.length === 1 ? chosen[0] : '';
}

export function renderFilters(o) {
  var range = o.window.range;
  document.querySelectorAll('#ranges button').forEach(function (b) {
    var on = b.getAttribute('data-range') === range;
    b.classList.toggle('on', on);
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
  });
  fillSelect('f-region', o.choices.regions, o.filter.region);
  fillSelect('f-site', o.choices.sites, o.filter.site);
  fillSelect('f-camera', o.choices.cameras, o.filter.camera);
  fillSelect('f-class', o.classes.available, o.filter.class);
  var step = STEP_NAMES[o.window.stepMs] || o.window.stepMs / 60000 + ' min';
  document.querySelectorAll('.step-name').forEach(function (n) {
    n.textContent = step;
  });
  $('interval-label').textContent = 'one point per ' + step + ' · ' + fmtWhen(o.window.fromMs) + ' – ' + fmtWhen(o.window.toMs);
  var shift = o.window.shift;
  $('window-label').textContent = shift
    ? 'shift ' + shift.name + ' of ' + shift.date + (shift.running ? ', under way' : '')
    : range === 'custom'
      ? 'custom window'
      : 'last ' + range;
  if (range === 'custom') {
    $('custom-from').value = localInput(o.window.fromMs);
    $('custom-to').value = localInput(o.window.toMs);
  }
}

/** Wires the range buttons, the custom window form and the filter selects to `setView(changes)`. */
export function wireFilters(setView) {
  document.querySelectorAll('#ranges button').forEach(function (b) {
    b.addEventListener('click', function () {
      var range = b.getAttribute('data-range');
      if (range === 'custom') {
        $('custom').hidden = !$('custom').hidden;
        return;
      }
      $('custom').hidden = true;
      setView({ range: range });
    });
  });
  $('custom').addEventListener('submit', function (e) {
    e.preventDefault();
    var from = new Date($('custom-from').value).getTime();
    var to = new Date($('custom-to').value).getTime();
    if (from && to && to > from) setView({ from: String(from), to: String(to) });
  });
  FIELDS.forEach(function (f) {
    $('f-' + f).addEventListener('change', function (e) {
      var c = {};
      c[f] = e.target.value;
      setView(c);
    });
  });
}
