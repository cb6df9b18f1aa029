// The evidence panel: the newest images (thumbnails) of the page's window, cameras and class, and of the panel's
// own minimum confidence (?minConfidence= in the URL, which only this panel reads). Each thumbnail links to the
// viewer (#evidence=<event_id>, evidence-viewer.js). It asks GET /api/evidence when the view changes and, while
// the window ends now, with every panels push; thumbnails load lazily, so a plant-size store stays fast.
// It sits in the page's root with the viewer and their styles, not in panels/ (at the layout's 15-file bound).
import { $, clear, el } from './lib/dom.js';
import { classesText, fmtStamp } from './lib/format.js';
import { params, viewWith } from './lib/view.js';

/** Thumbnails shown at most: the newest of the window. */
export var EVIDENCE_LIMIT = 60;

/** The last query asked, the ids shown, and which answer is the newest asked (older ones are dropped). */
var asked = null;
var shownIds = null;
var sequence = 0;

function narrowed(filter) {
  return ['region', 'site', 'camera'].some(function (f) {
    return (filter[f] || []).length > 0;
  });
}

/** The query of /api/evidence for a panels document, or null when the filters leave no camera. */
export function evidenceQuery(o) {
  var q = new URLSearchParams();
  q.set('from', String(o.window.fromMs));
  q.set('to', String(o.window.toMs));
  // The API knows cameras by key: a region, site or camera filter becomes the keys of the cameras it leaves.
  if (narrowed(o.filter)) {
    if (o.cameras.length === 0) return null;
    q.set(
      'camera',
      o.cameras
        .map(function (c) {
          return c.key;
        })
        .join(','),
    );
  }
  if ((o.filter.class || []).length > 0) q.set('class', o.filter.class.join(','));
  var min = params().get('minConfidence');
  if (min) q.set('minConfidence', min);
  q.set('limit', String(EVIDENCE_LIMIT));
  return q.toString();
}

function thumbnail(item) {
  var key = item.region + '/' + item.site + '/' + item.camera;
  var a = el('a', 'ev-item');
  a.href = '#evidence=' + item.event_id;
  a.setAttribute('data-event-id', item.event_id);
  a.setAttribute('data-camera', key);
  a.title = key + ' · seq ' + item.seq + ' · ' + item.detections.length + ' boxes';
  var img = el('img', 'ev-thumb');
  img.loading = 'lazy';
  img.decoding = 'async';
  // The thumbnail's size before it loads (long side 320), so the grid does not jump as images arrive.
  var scale = Math.min(1, 320 / Math.max(item.image.width, item.image.height));
  img.width = Math.round(item.image.width * scale);
  img.height = Math.round(item.image.height * scale);
  img.alt = item.camera + ': ' + classesText(item.detections);
  img.src = item.urls.thumb;
  a.appendChild(img);
  a.appendChild(el('span', 'ev-cam', key));
  a.appendChild(el('span', 'ev-classes', classesText(item.detections)));
  a.appendChild(el('span', 'ev-time', fmtStamp(item.captured_at)));
  return a;
}

function setState(state, note) {
  // The cameras table shows its "latest image" links only when there is evidence to link to.
  document.body.setAttribute('data-evidence', state === 'off' ? 'off' : 'on');
  $('evidence-panel').setAttribute('data-state', state);
  $('evidence-off').hidden = state !== 'off';
  $('evidence-empty').hidden = state !== 'empty';
  $('evidence-error').hidden = state !== 'error';
  $('evidence-note').textContent = note;
}

/** The warning line under the panel's title: made here, the page's HTML is shared with the other panels. */
function missingLine() {
  var line = $('evidence-missing');
  if (!line) {
    line = el('div', 'ev-missing warn');
    line.id = 'evidence-missing';
    line.setAttribute('role', 'status');
    line.hidden = true;
    line.title =
      "Counted since each camera's edge started numbering its images, not only in this window: images numbered by the " +
      "edge's image queue that never reached the evidence store (lost on the way, or dropped by a full edge queue, " +
      'which the edge also counts as evidence_dropped).';
    $('evidence-grid').before(line);
  }
  return line;
}

/** "5 images lost after capture (...): eu/plant-1/cam-01 3, eu/plant-1/cam-02 2", hidden when none is missing. */
function showMissing(missing) {
  var line = missingLine();
  var lost = (missing || []).filter(function (m) {
    return m.missing > 0;
  });
  var total = lost.reduce(function (n, m) {
    return n + m.missing;
  }, 0);
  line.hidden = total === 0;
  line.textContent =
    total === 0
      ? ''
      : total +
        (total === 1 ? ' image' : ' images') +
        ' lost after capture (since each camera started numbering its images, not only in this window): ' +
        lost
          .map(function (m) {
            return m.camera + ' ' + m.missing;
          })
          .join(', ');
}

function show(body, filtered) {
  showMissing(body.enabled ? body.missing : []);
  if (!body.enabled) {
    clear($('evidence-grid'));
    shownIds = null;
    setState('off', '');
    return;
  }
  var ids = body.items
    .map(function (i) {
      return i.event_id;
    })
    .join(',');
  // The same images: leave the grid (and the thumbnails the browser has loaded) alone.
  var grid = $('evidence-grid');
  if (ids !== shownIds) {
    clear(grid);
    body.items.forEach(function (item) {
      grid.appendChild(thumbnail(item));
    });
    shownIds = ids;
  }
  $('evidence-empty').textContent = filtered ? 'No images in this window for these filters.' : 'No images in this window.';
  var n = body.items.length;
  var note = n === body.limit ? 'the newest ' + n : n + (n === 1 ? ' image' : ' images');
  if (body.truncated) note += ' (search stopped after ' + body.scanned + ' images: narrow the window or the cameras)';
  setState(n === 0 ? 'empty' : 'shown', note);
}

// An alert's evidence link (alerting/lifecycle/evidence-link.ts) ends in #evidence-panel. The browser scrolls
// there on load, before the panels above have grown; scroll again once the images are in.
var arrivedAtPanel = location.hash === '#evidence-panel';

function ask(query, filtered) {
  var mine = ++sequence;
  $('evidence-panel').setAttribute('data-loading', 'true');
  fetch('/api/evidence?' + query)
    .then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.message || 'HTTP ' + r.status);
        return body;
      });
    })
    .then(function (body) {
      if (mine !== sequence) return;
      show(body, filtered);
      if (arrivedAtPanel) $('evidence-panel').scrollIntoView();
      arrivedAtPanel = false;
      $('evidence-panel').setAttribute('data-query', query);
      $('evidence-panel').removeAttribute('data-loading');
    })
    .catch(function (err) {
      if (mine !== sequence) return;
      $('evidence-error').textContent = 'Cannot show evidence: ' + err.message;
      showMissing([]);
      setState('error', '');
      $('evidence-panel').removeAttribute('data-loading');
      asked = null;
    });
}

/** From each panels document: asks again when the view changed, or while the window ends now (new images). */
export function renderEvidence(o) {
  var min = params().get('minConfidence') || '';
  var select = $('f-minconf');
  // A value typed into the URL that the control does not offer is shown as it is, not as "any".
  if (
    min &&
    !Array.from(select.options).some(function (o) {
      return o.value === min;
    })
  )
    select.appendChild(el('option', null, min));
  select.value = min;
  var filtered = narrowed(o.filter) || (o.filter.class || []).length > 0 || min !== '';
  var query = evidenceQuery(o);
  if (query === null) {
    sequence++;
    clear($('evidence-grid'));
    shownIds = null;
    asked = null;
    $('evidence-empty').textContent = 'No camera matches these filters.';
    showMissing([]);
    setState('empty', '');
    return;
  }
  if (query === asked && !o.window.live) return;
  asked = query;
  ask(query, filtered);
}

/** The panel's minimum-confidence control: into the URL, then asked again with the last panels document. */
export function wireEvidence(lastPanels) {
  $('f-minconf').addEventListener('change', function (e) {
    history.pushState(null, '', '?' + viewWith({ minConfidence: e.target.value }).toString() + location.hash);
    var o = lastPanels();
    if (o) renderEvidence(o);
  });
}
