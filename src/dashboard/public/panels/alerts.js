// Alerts panel: lists pending and firing alerts, firing first. The alerts arrive with the page's live
// stream (app.js dispatches them as a 'seamline:alerts' event every second); null means alerting does not
// run in this process. Everything from the network goes in through textContent.
import { $ } from '../lib/dom.js';

function cell(text, className) {
  var td = document.createElement('td');
  if (className) td.className = className;
  td.textContent = text === null || text === undefined ? '—' : String(text);
  return td;
}

function age(ms) {
  var s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min';
  return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
}

function render(serverTime, alerts) {
  var rows = $('alert-rows');
  while (rows.firstChild) rows.removeChild(rows.firstChild);
  $('alerts-off').hidden = alerts !== null;
  if (alerts === null) {
    $('alerts-empty').hidden = true;
    $('alerts-summary').textContent = '';
    return;
  }
  var firing = 0;
  alerts.forEach(function (a) {
    if (a.state === 'firing') firing++;
    var tr = document.createElement('tr');
    tr.className = 'alert-' + a.state;
    var camera = a.camera ? a.camera.region + '/' + a.camera.site + '/' + a.camera.camera : '';
    tr.setAttribute('data-key', a.rule + '|' + camera);
    tr.appendChild(cell((a.state === 'firing' ? '▲ ' : '△ ') + a.state, 'alert-state'));
    tr.appendChild(cell(a.severity, 'sev-' + a.severity));
    tr.appendChild(cell(a.rule));
    tr.appendChild(cell(camera || 'all cameras', 'cam'));
    tr.appendChild(cell(age(serverTime - a.since), 'num'));
    tr.appendChild(cell(a.summary));
    rows.appendChild(tr);
  });
  $('alerts-empty').hidden = alerts.length > 0;
  $('alerts-summary').textContent = firing + ' firing, ' + (alerts.length - firing) + ' pending';
  document.body.setAttribute('data-alerts-time', String(serverTime));
}

window.addEventListener('seamline:alerts', function (e) {
  var body = e.detail;
  render(body.serverTime, body.alerts && Array.isArray(body.alerts.alerts) ? body.alerts.alerts : body.alerts);
});
