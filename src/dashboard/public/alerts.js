// Alerts panel: polls /api/alerts every second and lists pending and firing alerts, firing first.
// Self-contained (its own section in index.html and alerts.css) so a reworked page can take it over as is.
// Everything from the network goes in through textContent.
(function () {
  'use strict';

  var POLL_MS = 1000;

  function $(id) { return document.getElementById(id); }

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

  function render(body) {
    var rows = $('alert-rows');
    while (rows.firstChild) rows.removeChild(rows.firstChild);
    $('alerts-off').hidden = true;
    var firing = 0;
    body.alerts.forEach(function (a) {
      if (a.state === 'firing') firing++;
      var tr = document.createElement('tr');
      tr.className = 'alert-' + a.state;
      var camera = a.camera ? a.camera.region + '/' + a.camera.site + '/' + a.camera.camera : '';
      tr.setAttribute('data-key', a.rule + '|' + camera);
      tr.appendChild(cell(a.state));
      tr.appendChild(cell(a.severity, 'sev-' + a.severity));
      tr.appendChild(cell(a.rule));
      tr.appendChild(cell(camera || 'all cameras', 'cam'));
      tr.appendChild(cell(age(body.serverTime - a.since), 'num'));
      tr.appendChild(cell(a.summary));
      rows.appendChild(tr);
    });
    $('alerts-empty').hidden = body.alerts.length > 0;
    $('alerts-summary').textContent = firing + ' firing, ' + (body.alerts.length - firing) + ' pending';
    document.body.setAttribute('data-alerts-time', String(body.serverTime));
  }

  function poll() {
    fetch('/api/alerts', { cache: 'no-store' })
      .then(function (res) {
        if (res.status === 404) {
          $('alerts-off').hidden = false;
          $('alerts-empty').hidden = true;
          return null;
        }
        return res.ok ? res.json() : null;
      })
      .then(function (body) { if (body) render(body); })
      .catch(function () { /* the overview poll shows the connection state */ })
      .then(function () { setTimeout(poll, POLL_MS); });
  }

  poll();
})();
