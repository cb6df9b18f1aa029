// Seamline dashboard page. Plain browser JS, no build step. Polls /api/overview every second.
// Everything from the network goes into the DOM through textContent, never innerHTML: camera and
// class names come from the cameras, and the page must not trust them.
(function () {
  'use strict';

  // 1 s: a camera's last will must show as offline within 2 s of arriving (the consumer stores it at once).
  var POLL_MS = 1000;
  var STALE_EVENT_MS = 2 * 60 * 1000;
  var PALETTE = ['#4fc3f7', '#ffb74d', '#81c784', '#f06292', '#ba68c8', '#fff176', '#4db6ac',
    '#e57373', '#9575cd', '#aed581', '#ff8a65', '#90a4ae'];

  var params = new URLSearchParams(location.search);
  var minutes = params.get('minutes') || '30';
  var apiUrl = '/api/overview?minutes=' + encodeURIComponent(minutes);

  var chart = null;
  var chartKeys = '';
  var lastOk = 0;

  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function fmtInt(n) { return n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US'); }

  function fmtMs(ms) {
    if (ms === null || ms === undefined) return '—';
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
    return (ms / 60000).toFixed(1) + ' min';
  }

  function fmtAge(ms) {
    if (ms === null || ms === undefined) return '—';
    var s = Math.floor(ms / 1000);
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ago';
    return Math.floor(s / 86400) + ' d ago';
  }

  function fmtClock(ms) {
    var d = new Date(ms);
    function p(n) { return n < 10 ? '0' + n : String(n); }
    return p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds());
  }

  // ---- chart -------------------------------------------------------------------------------------

  function chartSize() {
    var box = $('chart');
    // Height from the window, not the box: the box also holds uPlot's legend and would grow each resize.
    var height = Math.min(520, Math.max(220, Math.round(window.innerHeight * 0.4)));
    return { width: Math.max(300, box.clientWidth), height: height };
  }

  function chartData(series) {
    var xs = series.minutes.map(function (m) { return m / 1000; }); // uPlot's time axis is in seconds
    return [xs].concat(series.cameras.map(function (c) { return c.detections; }));
  }

  // On a one-site screen "eu/plant-1/" before every name is clutter: drop the prefix all cameras share.
  function seriesLabels(cameras) {
    var parts = cameras.map(function (c) { return c.key.split('/'); });
    var drop = 0;
    while (drop < 2 && parts.length > 0 && parts.every(function (p) { return p[drop] === parts[0][drop]; })) drop++;
    return parts.map(function (p) { return p.slice(drop).join('/'); });
  }

  function buildChart(series) {
    var labels = seriesLabels(series.cameras);
    var axis = {
      stroke: '#9aa7b4',
      grid: { stroke: 'rgba(255,255,255,0.07)', width: 1 },
      ticks: { stroke: 'rgba(255,255,255,0.15)', width: 1 },
      font: '14px system-ui, sans-serif',
    };
    var opts = Object.assign(chartSize(), {
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(5, max * 1.1)]; } } },
      axes: [Object.assign({}, axis), Object.assign({ size: 60 }, axis)],
      legend: { live: false, markers: { fill: function (u, i) { return PALETTE[(i - 1) % PALETTE.length]; } } },
      series: [{}].concat(series.cameras.map(function (c, i) {
        return { label: labels[i], stroke: PALETTE[i % PALETTE.length], width: 2, points: { show: false } };
      })),
    });
    if (chart) chart.destroy();
    chart = new uPlot(opts, chartData(series), $('chart'));
  }

  function renderChart(o) {
    var keys = o.series.cameras.map(function (c) { return c.key; }).join('\n');
    // A new camera changes the series set; uPlot cannot add series in place cheaply, so rebuild.
    if (!chart || keys !== chartKeys) {
      buildChart(o.series);
      chartKeys = keys;
    } else {
      chart.setData(chartData(o.series));
    }
    var any = o.series.cameras.some(function (c) { return c.detections.some(function (v) { return v > 0; }); });
    var empty = $('chart-empty');
    empty.hidden = any;
    empty.textContent = o.totals.events === 0
      ? 'No data yet — waiting for the first detection.'
      : 'No detections in the last ' + o.window.minutes + ' min.';
    $('window-label').textContent = 'last ' + o.window.minutes + ' min';
  }

  // ---- panels ------------------------------------------------------------------------------------

  function renderHeader(o) {
    $('total-events').textContent = fmtInt(o.totals.events);
    $('total-detections').textContent = fmtInt(o.totals.detections);
    var online = o.cameras.filter(function (c) { return c.state === 'online'; }).length;
    $('cameras-online').textContent = o.cameras.length ? online + ' / ' + o.cameras.length : '—';
    $('cameras-online').className = 'kpi-value' + (o.cameras.length && online < o.cameras.length ? ' warn' : '');
    $('total-dead').textContent = fmtInt(o.totals.deadLetters);
    $('total-dead').className = 'kpi-value' + (o.totals.deadLetters > 0 ? ' warn' : '');
    var gaps = typeof o.seqGaps === 'number' ? o.seqGaps : null;
    $('seq-gaps').textContent = fmtInt(gaps);
    $('seq-gaps').className = 'kpi-value' + (gaps ? ' warn' : '');
    // Missing and being repaired is a warning; lost, confirmed is the alarm.
    var repair = o.repair || null;
    $('repairing').textContent = fmtInt(repair ? repair.repairing : null);
    $('repairing').className = 'kpi-value' + (repair && repair.repairing ? ' warn' : '');
    $('lost').textContent = fmtInt(repair ? repair.lost : null);
    $('lost').className = 'kpi-value' + (repair && repair.lost ? ' bad' : '');
    $('clock').textContent = fmtClock(o.serverTime);
  }

  function renderCameras(o) {
    var body = $('camera-rows');
    clear(body);
    o.cameras.forEach(function (c) {
      var tr = el('tr');
      tr.setAttribute('data-key', c.key);
      tr.appendChild(el('td', null, c.region));
      tr.appendChild(el('td', null, c.site));
      tr.appendChild(el('td', 'cam', c.camera));
      var st = el('td', 'state state-' + c.state);
      st.appendChild(el('span', 'dot dot-' + c.state));
      st.appendChild(el('span', null, c.state));
      tr.appendChild(st);
      var stale = c.lastEventAgeMs !== null && c.lastEventAgeMs > STALE_EVENT_MS;
      tr.appendChild(el('td', 'num' + (stale ? ' warn' : ''), fmtAge(c.lastEventAgeMs)));
      tr.appendChild(el('td', 'num', fmtInt(c.events)));
      tr.appendChild(el('td', 'num', fmtInt(c.detections)));
      tr.appendChild(el('td', 'num' + (c.missing ? ' warn' : ''), fmtInt(c.missing)));
      tr.appendChild(el('td', 'num' + (c.repairing ? ' warn' : ''), fmtInt(c.repairing)));
      var lost = el('td', 'num' + (c.lost ? ' bad' : ''), fmtInt(c.lost));
      if (c.lostReasons && c.lost) {
        lost.title = Object.keys(c.lostReasons).map(function (k) { return c.lostReasons[k] + ' ' + k.replace(/_/g, ' '); }).join(', ');
      }
      tr.appendChild(lost);
      tr.appendChild(el('td', 'num' + (c.outboxDepth ? ' warn' : ''), fmtInt(c.outboxDepth)));
      tr.appendChild(el('td', 'num' + (c.drops ? ' bad' : ''), fmtInt(c.drops)));
      body.appendChild(tr);
    });
    $('cameras-empty').hidden = o.cameras.length > 0;
  }

  function renderClasses(o) {
    var list = $('classes');
    clear(list);
    var max = o.classes.reduce(function (m, c) { return Math.max(m, c.detections); }, 0);
    o.classes.forEach(function (c) {
      var li = el('li');
      li.appendChild(el('span', 'bar-name', c.class));
      var track = el('span', 'bar-track');
      var fill = el('span', 'bar-fill');
      fill.style.width = (max ? (100 * c.detections) / max : 0).toFixed(1) + '%';
      track.appendChild(fill);
      li.appendChild(track);
      li.appendChild(el('span', 'bar-count', fmtInt(c.detections)));
      list.appendChild(li);
    });
    $('classes-empty').hidden = o.classes.length > 0;
  }

  function renderLatency(o) {
    $('inf-p50').textContent = fmtMs(o.latency.inferenceP50Ms);
    $('inf-p99').textContent = fmtMs(o.latency.inferenceP99Ms);
    $('lag-p50').textContent = fmtMs(o.latency.lagP50Ms);
    $('lag-p99').textContent = fmtMs(o.latency.lagP99Ms);
  }

  // Counters that mean data went missing or was refused: any non-zero value is shown in colour.
  var ALARMING = { dead_lettered: 'warn', seq_gaps: 'bad', dropped: 'bad' };

  function renderCounters(o) {
    var dl = $('counters');
    clear(dl);
    var keys = o.extra ? Object.keys(o.extra).sort() : [];
    keys.forEach(function (k) {
      var v = o.extra[k];
      var row = el('div', 'counter');
      row.appendChild(el('dt', null, k.replace(/_/g, ' ')));
      row.appendChild(el('dd', v > 0 && ALARMING[k] ? ALARMING[k] : null, fmtInt(v)));
      dl.appendChild(row);
    });
    $('counters-empty').hidden = keys.length > 0;
  }

  // ---- polling -----------------------------------------------------------------------------------

  function setConnection(ok, text) {
    $('conn-dot').className = 'dot ' + (ok ? 'dot-online' : 'dot-offline');
    $('conn-text').textContent = text;
    document.body.classList.toggle('disconnected', !ok);
  }

  function render(o) {
    renderHeader(o);
    renderChart(o);
    renderCameras(o);
    renderClasses(o);
    renderLatency(o);
    renderCounters(o);
    // Lets tests and curious operators see which server instant the screen shows.
    document.body.setAttribute('data-server-time', String(o.serverTime));
  }

  function poll() {
    fetch(apiUrl, { cache: 'no-store' })
      .then(function (res) {
        return res.json().then(function (body) {
          if (!res.ok) {
            var err = new Error(body && body.message ? body.message : 'HTTP ' + res.status);
            err.status = res.status;
            throw err;
          }
          return body;
        });
      })
      .then(function (o) {
        try { render(o); } catch (e) { e.inPage = true; throw e; }
        lastOk = Date.now();
        setConnection(true, 'live');
      })
      .catch(function (err) {
        // A 400 is a bad ?minutes= in the page URL, not an outage: say so rather than "no connection".
        if (err && err.status === 400) { setConnection(false, 'bad request: ' + err.message); return; }
        if (err && err.inPage) { setConnection(false, 'display error: ' + err.message); return; }
        var since = lastOk ? ' — last update ' + fmtAge(Date.now() - lastOk) : '';
        setConnection(false, (err && err.status ? 'store not answering' : 'no connection') + since);
      })
      // setTimeout after completion, not setInterval: a slow store never piles up requests.
      .then(function () { setTimeout(poll, POLL_MS); });
  }

  window.addEventListener('resize', function () { if (chart) chart.setSize(chartSize()); });
  poll();
})();
