// Seamline dashboard page. Plain browser JS, no build step. The window and filters live in the URL
// (?range=24h&site=site-1&class=crack, or ?from=..&to=..), so a link shows the same view. One
// EventSource per view: the server pushes the panels and, every second, the cameras' status and alerts.
// Everything from the network goes into the DOM through textContent, never innerHTML.
(function () {
  

  var FIELDS = ['region', 'site', 'camera', 'class'];
  var STEP_NAMES = { 60000: 'minute', 300000: '5 minutes', 3600000: 'hour' };
  var STALE_EVENT_MS = 2 * 60 * 1000;
  // A camera clock further off than this is marked (the built-in clock_offset alert's default too).
  var CLOCK_OFFSET_WARN_MS = 60 * 1000;
  var source = null;
  var last = null;

  function $(id) {
    return document.getElementById(id);
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  function fmtInt(n) {
    return n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US');
  }
  function fmtMs(ms) {
    if (ms === null || ms === undefined) return '—';
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
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
  function two(n) {
    return n < 10 ? '0' + n : String(n);
  }
  /** A clock offset: 41 ms, -3.2 s, +4 m 05 s, +1 h 02 m, +12,345 d 05 h (positive: the camera's clock is behind). */
  function fmtOffset(ms) {
    if (ms === null || ms === undefined) return '—';
    var a = Math.abs(ms);
    if (a < 1000) return Math.round(ms) + ' ms';
    var sign = ms < 0 ? '-' : '+';
    if (a < 60000) return sign + (a / 1000).toFixed(1) + ' s';
    var s = Math.floor(a / 1000);
    if (s < 3600) return sign + Math.floor(s / 60) + ' m ' + two(s % 60) + ' s';
    if (s < 86400) return sign + Math.floor(s / 3600) + ' h ' + two(Math.floor((s % 3600) / 60)) + ' m';
    return sign + fmtInt(Math.floor(s / 86400)) + ' d ' + two(Math.floor((s % 86400) / 3600)) + ' h';
  }
  function offsetCell(ms) {
    var off = ms !== null && ms !== undefined && Math.abs(ms) > CLOCK_OFFSET_WARN_MS;
    var td = el('td', 'num clock' + (off ? ' warn' : ''), (off ? '⚠ ' : '') + fmtOffset(ms));
    if (off)
      td.title =
        'events arrive ' +
        fmtOffset(Math.abs(ms)).replace('+', '') +
        (ms > 0 ? ' after' : ' before') +
        ' their captured_at: the camera clock is ' +
        (ms > 0 ? 'behind' : 'ahead') +
        ', or (behind) its outbox is draining a backlog';
    return td;
  }
  function fmtClock(ms) {
    var d = new Date(ms);
    return two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds());
  }
  function fmtWhen(ms) {
    var d = new Date(ms);
    return d.getMonth() + 1 + '/' + d.getDate() + ' ' + two(d.getHours()) + ':' + two(d.getMinutes());
  }
  function localInput(ms) {
    var d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
    return d.toISOString().slice(0, 16);
  }

  // ---- the view in the URL -----------------------------------------------------------------------

  function params() {
    return new URLSearchParams(location.search);
  }

  function setView(changes) {
    var p = params();
    Object.keys(changes).forEach(function (k) {
      if (changes[k] === null || changes[k] === '') p.delete(k);
      else p.set(k, changes[k]);
    });
    if (changes.range) {
      p.delete('from');
      p.delete('to');
    }
    if (changes.from) p.delete('range');
    history.pushState(null, '', '?' + p.toString());
    connect();
  }

  function shortLabels(keys) {
    var parts = keys.map(function (k) {
      return k.split('/');
    });
    var drop = 0;
    while (
      drop < 2 &&
      parts.length > 0 &&
      parts.every(function (p) {
        return p[drop] === parts[0][drop];
      })
    )
      drop++;
    return parts.map(function (p) {
      return p.slice(drop).join('/');
    });
  }

  // ---- panels ------------------------------------------------------------------------------------

  function renderNav(o) {
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
    $('window-label').textContent = range === 'custom' ? 'custom window' : 'last ' + range;
    if (range === 'custom') {
      $('custom-from').value = localInput(o.window.fromMs);
      $('custom-to').value = localInput(o.window.toMs);
    }
  }

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

  function renderHeader(o) {
    $('total-events').textContent = fmtInt(o.totals.events);
    $('total-detections').textContent = fmtInt(o.totals.detections);
    var dead = o.health.deadLetters.reduce(function (a, b) {
      return a + b;
    }, 0);
    $('total-dead').textContent = fmtInt(dead);
    $('total-dead').className = 'kpi-value' + (dead > 0 ? ' warn' : '');
    var gaps = o.health.seqGaps.reduce(function (a, b) {
      return a + b;
    }, 0);
    $('seq-gaps').textContent = fmtInt(gaps);
    // With repair most gaps come back: missing is a warning; lost, confirmed is the alarm.
    $('seq-gaps').className = 'kpi-value' + (gaps ? ' warn' : '');
    var repair = o.repair || null;
    $('repairing').textContent = fmtInt(repair ? repair.repairing : null);
    $('repairing').className = 'kpi-value' + (repair?.repairing ? ' warn' : '');
    $('lost').textContent = fmtInt(repair ? repair.lost : null);
    $('lost').className = 'kpi-value' + (repair?.lost ? ' bad' : '');
    $('lost').parentNode.title =
      'events confirmed lost in the window: no bridge has them any more' +
      (repair?.lost ? ' (' + lostText(repair.lostReasons) + ')' : '');
  }

  /** "4 evicted, 1 outbox reset": the reasons a count of lost events has, largest first. */
  function lostText(reasons) {
    return Object.keys(reasons || {})
      .sort(function (a, b) {
        return reasons[b] - reasons[a] || (a < b ? -1 : 1);
      })
      .map(function (k) {
        return reasons[k] + ' ' + k.replace(/_/g, ' ');
      })
      .join(', ');
  }

  function renderDetections(o) {
    var cams = o.detections.cameras;
    var labels = shortLabels(
      cams.map(function (c) {
        return c.key;
      }),
    );
    SeamCharts.draw(
      'chart-detections',
      o.periods,
      cams.map(function (c, i) {
        return { label: labels[i], values: c.values };
      }),
      { ratio: 0.3 },
    );
    var any = cams.some(function (c) {
      return c.values.some(function (v) {
        return v > 0;
      });
    });
    $('detections-empty').hidden = any || (o.detections.current && o.detections.current.detections > 0);
    var cur = o.detections.current;
    // The still-filling period is never a point on the chart (its partial count would look like a drop).
    $('current-period').textContent = cur
      ? 'Now, the current ' +
        (STEP_NAMES[o.window.stepMs] || 'period') +
        ' (' +
        Math.round(cur.elapsedMs / 1000) +
        ' s in, not drawn until complete): ' +
        fmtInt(cur.detections) +
        ' detections so far'
      : '';
    $('chart-detections').setAttribute('data-last-period', String(o.periods[o.periods.length - 1] || ''));
  }

  function renderLatency(o) {
    var L = o.latency;
    SeamCharts.draw(
      'chart-inference',
      o.periods,
      [
        { label: 'p50', values: L.inference.p50, color: '#4fc3f7' },
        { label: 'p99', values: L.inference.p99, color: '#ffb74d', dash: [8, 4] },
      ],
      { ratio: 0.14, min: 120 },
    );
    SeamCharts.draw(
      'chart-lag',
      o.periods,
      [
        { label: 'p50', values: L.lag.p50, color: '#81c784' },
        { label: 'p99', values: L.lag.p99, color: '#f06292', dash: [8, 4] },
      ],
      { ratio: 0.14, min: 120 },
    );
    var w = L.window;
    $('latency-note').textContent =
      'Window: inference p50 ' +
      fmtMs(w.inferenceP50) +
      ', p99 ' +
      fmtMs(w.inferenceP99) +
      '; lag p50 ' +
      fmtMs(w.lagP50) +
      ', p99 ' +
      fmtMs(w.lagP99) +
      ' (each within ' +
      (L.relativeError * 100).toFixed(2) +
      '%).';
  }

  function renderClasses(o) {
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
      s.color = SeamCharts.PALETTE[i % SeamCharts.PALETTE.length];
    });
    SeamCharts.draw('chart-classes', o.periods, stacked.reverse(), { ratio: 0.25, stacked: true });
    $('classes-empty').hidden = cls.some(function (c) {
      return c.total > 0;
    });
  }

  var STATE_TEXT = { online: 'online', offline: 'offline', unknown: 'no status' };

  function renderTimeline(o) {
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
      var track = el('span', 'tl-track');
      row.segments.forEach(function (s) {
        var seg = el('span', 'tl-seg tl-' + s.state);
        seg.style.left = ((100 * (s.fromMs - o.window.fromMs)) / span).toFixed(3) + '%';
        seg.style.width = Math.max(0.2, (100 * (s.toMs - s.fromMs)) / span).toFixed(3) + '%';
        seg.title = STATE_TEXT[s.state] + ' ' + fmtWhen(s.fromMs) + ' – ' + fmtWhen(s.toMs);
        seg.setAttribute('data-state', s.state);
        // Offline bars carry their word as well as their colour and hatching, when there is room for it.
        if (s.state !== 'online' && (s.toMs - s.fromMs) / span > 0.06) seg.textContent = STATE_TEXT[s.state];
        track.appendChild(seg);
      });
      line.appendChild(track);
      var now = row.segments.length ? row.segments[row.segments.length - 1].state : 'unknown';
      line.appendChild(el('span', 'tl-now state-' + now, STATE_TEXT[now]));
      line.appendChild(el('span', 'tl-age', 'last seen ' + fmtAge(ages[row.key])));
      box.appendChild(line);
    });
    $('timeline-empty').hidden = o.timeline.length > 0;
  }

  function renderHealth(o) {
    var h = o.health;
    SeamCharts.draw('chart-outbox', o.periods, [{ label: 'outbox depth', values: h.outboxDepth, color: '#ffb74d' }], {
      ratio: 0.1,
      min: 110,
    });
    SeamCharts.draw('chart-dead', o.periods, [{ label: 'dead letters', values: h.deadLetters, color: '#e3b341', bars: true, fill: true }], {
      ratio: 0.1,
      min: 110,
      minMax: 2,
    });
    SeamCharts.draw('chart-gaps', o.periods, [{ label: 'missing', values: h.seqGaps, color: '#f85149', bars: true, fill: true }], {
      ratio: 0.1,
      min: 110,
      minMax: 2,
    });
    SeamCharts.draw('chart-inflight', o.periods, [{ label: 'in flight', values: h.inFlight, color: '#4fc3f7' }], { ratio: 0.1, min: 110 });
    var r = o.repair;
    $('repair-state').textContent = r
      ? fmtInt(r.repairing) + ' repairing now, ' + fmtInt(r.repaired) + ' repaired, ' + fmtInt(r.lost) + ' lost in the window'
      : 'not recorded by this store';
  }

  function stateCell(state) {
    var td = el('td', 'state state-' + state);
    td.appendChild(el('span', 'dot dot-' + state));
    td.appendChild(el('span', null, state));
    return td;
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
      tr.appendChild(stateCell(c.state));
      var stale = c.lastEventAgeMs !== null && c.lastEventAgeMs > STALE_EVENT_MS;
      tr.appendChild(el('td', 'num age' + (stale ? ' warn' : ''), (stale ? '⚠ ' : '') + fmtAge(c.lastEventAgeMs)));
      tr.appendChild(el('td', 'num', fmtInt(c.windowDetections)));
      tr.appendChild(el('td', 'num', fmtInt(c.events)));
      tr.appendChild(el('td', 'num' + (c.missing ? ' warn' : ''), fmtInt(c.missing)));
      tr.appendChild(el('td', 'num' + (c.repairing ? ' warn' : ''), fmtInt(c.repairing)));
      var lost = el('td', 'num' + (c.lost ? ' bad' : ''), fmtInt(c.lost));
      if (c.lost) lost.title = lostText(c.lostReasons);
      tr.appendChild(lost);
      tr.appendChild(el('td', 'num outbox' + (c.outboxDepth ? ' warn' : ''), fmtInt(c.outboxDepth)));
      tr.appendChild(el('td', 'num' + (c.drops ? ' bad' : ''), fmtInt(c.drops)));
      tr.appendChild(offsetCell(c.clockOffsetMs));
      tr.appendChild(
        el(
          'td',
          'edge',
          Object.keys(c.edge)
            .map(function (k) {
              return k.replace(/_/g, ' ') + ' ' + fmtInt(c.edge[k]);
            })
            .join(', '),
        ),
      );
      body.appendChild(tr);
    });
    $('cameras-empty').hidden = o.cameras.length > 0;
    countOnline(o.cameras);
  }

  function countOnline(cameras) {
    var online = cameras.filter(function (c) {
      return c.state === 'online';
    }).length;
    $('cameras-online').textContent = cameras.length ? online + ' / ' + cameras.length : '—';
    $('cameras-online').className = 'kpi-value' + (cameras.length && online < cameras.length ? ' warn' : '');
  }

  function renderPanels(o) {
    last = o;
    renderNav(o);
    renderHeader(o);
    renderDetections(o);
    renderLatency(o);
    renderClasses(o);
    renderTimeline(o);
    renderHealth(o);
    renderCameras(o);
    $('clock').textContent = fmtClock(o.serverTime);
    document.body.setAttribute('data-server-time', String(o.serverTime));
    document.body.setAttribute('data-panels-time', String(o.serverTime));
  }

  /** Every second: state, last seen and outbox per camera row, without redrawing the charts. */
  function renderStatus(s) {
    s.cameras.forEach(function (c) {
      var tr = document.querySelector('#camera-rows tr[data-key="' + CSS.escape(c.key) + '"]');
      if (!tr) return;
      // Cells found by their class, not their position: columns come and go.
      tr.replaceChild(stateCell(c.state), tr.querySelector('td.state'));
      var stale = c.lastEventAgeMs !== null && c.lastEventAgeMs > STALE_EVENT_MS;
      var age = tr.querySelector('td.age');
      age.textContent = (stale ? '⚠ ' : '') + fmtAge(c.lastEventAgeMs);
      age.className = 'num age' + (stale ? ' warn' : '');
      var outbox = tr.querySelector('td.outbox');
      outbox.textContent = fmtInt(c.outboxDepth);
      outbox.className = 'num outbox' + (c.outboxDepth ? ' warn' : '');
    });
    if (last)
      countOnline(
        s.cameras.filter(function (c) {
          return document.querySelector('#camera-rows tr[data-key="' + CSS.escape(c.key) + '"]');
        }),
      );
    $('clock').textContent = fmtClock(s.serverTime);
    document.body.setAttribute('data-server-time', String(s.serverTime));
    window.dispatchEvent(new CustomEvent('seamline:alerts', { detail: { serverTime: s.serverTime, alerts: s.alerts } }));
  }

  // ---- the live connection -----------------------------------------------------------------------

  function setConnection(state, text) {
    $('conn-dot').className = 'dot dot-' + state;
    $('conn-text').textContent = text;
    document.body.classList.toggle('disconnected', state !== 'online');
    document.body.setAttribute('data-connection', state);
  }

  function connect() {
    if (source) source.close();
    var query = params();
    query.delete('token');
    source = new EventSource('/api/live?' + query.toString());
    setConnection('unknown', 'connecting…');
    source.addEventListener('open', function () {
      setConnection('online', '● live');
    });
    source.addEventListener('panels', function (e) {
      try {
        renderPanels(JSON.parse(e.data));
      } catch (err) {
        setConnection('offline', 'display error: ' + err.message);
        throw err;
      }
      setConnection('online', '● live');
    });
    source.addEventListener('status', function (e) {
      renderStatus(JSON.parse(e.data));
      setConnection('online', '● live');
    });
    source.addEventListener('store-error', function () {
      setConnection('offline', '✖ store not answering');
    });
    source.addEventListener('error', function () {
      if (source.readyState === EventSource.CLOSED) {
        // A 400 (a bad link) closes the stream for good: ask the API why, and say so.
        fetch('/api/panels?' + query.toString())
          .then(function (r) {
            return r.json();
          })
          .then(function (b) {
            setConnection('offline', '✖ ' + (b?.message ? 'bad link: ' + b.message : 'no connection'));
          })
          .catch(function () {
            setConnection('offline', '✖ no connection');
            setTimeout(connect, 2000);
          });
      } else {
        setConnection(
          'offline',
          '↻ reconnecting… (no connection' + (last ? ', last update ' + fmtAge(Date.now() - last.serverTime) : '') + ')',
        );
      }
    });
  }

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
  window.addEventListener('popstate', connect);
  connect();
})();
