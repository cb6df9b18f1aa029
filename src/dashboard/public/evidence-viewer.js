// The evidence viewer: a dialog with one full image and every box of its event drawn on it and labelled (class and
// confidence). It follows the URL's fragment, so a view of an image is a link: #evidence=<event_id>, or
// #evidence=latest:<region/site/camera> for a camera's newest image (the cameras table links there), which becomes
// that image's id once found. Boxes are in frame pixels (detection.v1); the image may be the frame scaled down, so
// they are scaled to the image as displayed, and drawn again when its size changes. Escape closes it.
import { $, clear, el } from './lib/dom.js';
import { classesText, fmtStamp } from './lib/format.js';

var SVG = 'http://www.w3.org/2000/svg';
var PREFIX = '#evidence=';
var COLOURS = ['#4fc3f7', '#ffb74d', '#81c784', '#f06292', '#ba68c8', '#fff176', '#4db6ac', '#ff8a65'];

/** The item shown, to draw its boxes again on a resize; and which request is the newest. */
var current = null;
var sequence = 0;

function svg(tag, attrs) {
  var node = document.createElementNS(SVG, tag);
  Object.keys(attrs).forEach(function (k) {
    node.setAttribute(k, String(attrs[k]));
  });
  return node;
}

export function boxLabel(d) {
  return d.class + ' ' + d.confidence.toFixed(2);
}

/** Draws the boxes of `item` over the image as displayed: frame pixels times displayed size / frame size. */
function drawBoxes(item) {
  var img = $('ev-image');
  var layer = $('ev-boxes');
  clear(layer);
  var w = img.clientWidth;
  var h = img.clientHeight;
  if (!w || !h) return;
  layer.setAttribute('width', String(w));
  layer.setAttribute('height', String(h));
  layer.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
  var sx = w / item.frame.width;
  var sy = h / item.frame.height;
  item.detections.forEach(function (d, i) {
    var colour = COLOURS[d.class_id % COLOURS.length];
    var g = svg('g', { class: 'ev-box', 'data-index': i, 'data-class': d.class, 'data-confidence': d.confidence });
    var x = d.bbox[0] * sx;
    var y = d.bbox[1] * sy;
    g.appendChild(svg('rect', { x: x, y: y, width: d.bbox[2] * sx, height: d.bbox[3] * sy, stroke: colour }));
    // The label above the box, or inside its top edge when the box touches the top of the image.
    var label = svg('text', { x: x + 2, y: y > 18 ? y - 5 : y + 15, fill: colour });
    label.textContent = boxLabel(d);
    g.appendChild(label);
    layer.appendChild(g);
  });
  $('evidence-viewer').setAttribute('data-drawn', item.event_id);
}

function legend(item) {
  var list = $('ev-detections');
  clear(list);
  item.detections.forEach(function (d) {
    var li = el('li', null, boxLabel(d) + ' at [' + d.bbox.map(Math.round).join(', ') + ']');
    li.style.color = COLOURS[d.class_id % COLOURS.length];
    list.appendChild(li);
  });
}

function opened() {
  var dialog = $('evidence-viewer');
  if (!dialog.open) dialog.showModal();
  return dialog;
}

function show(item) {
  current = item;
  var dialog = opened();
  dialog.setAttribute('data-event-id', item.event_id);
  dialog.removeAttribute('data-drawn');
  $('ev-error').hidden = true;
  $('ev-stage').hidden = false;
  var key = item.region + '/' + item.site + '/' + item.camera;
  $('ev-title').textContent = key + ' · ' + fmtStamp(item.captured_at);
  $('ev-meta').textContent =
    'seq ' +
    item.seq +
    ' · event ' +
    item.event_id +
    ' · ' +
    classesText(item.detections) +
    ' · image ' +
    item.image.width +
    '×' +
    item.image.height +
    ' of a ' +
    item.frame.width +
    '×' +
    item.frame.height +
    ' frame' +
    (item.masked ? ' · masked: black outside the boxes' : '');
  $('ev-open').href = item.urls.image;
  legend(item);
  clear($('ev-boxes'));
  var img = $('ev-image');
  img.alt = key + ': ' + classesText(item.detections);
  img.width = item.image.width;
  img.height = item.image.height;
  img.src = item.urls.image;
  if (img.complete && img.naturalWidth) drawBoxes(item);
}

function fail(message) {
  current = null;
  var dialog = opened();
  dialog.removeAttribute('data-event-id');
  dialog.removeAttribute('data-drawn');
  $('ev-title').textContent = 'Evidence';
  $('ev-meta').textContent = '';
  $('ev-stage').hidden = true;
  clear($('ev-detections'));
  $('ev-error').textContent = message;
  $('ev-error').hidden = false;
}

function getJson(url) {
  return fetch(url).then(function (r) {
    return r.json().then(function (body) {
      if (!r.ok) throw new Error(body.message || 'HTTP ' + r.status);
      return body;
    });
  });
}

/** A camera's newest image at any time (from=0): its id replaces latest:<camera> in the URL. */
function openLatest(key, mine) {
  getJson('/api/evidence?from=0&limit=1&camera=' + encodeURIComponent(key))
    .then(function (body) {
      if (mine !== sequence) return;
      if (!body.enabled) return fail('Evidence is off: this dashboard has no evidence store.');
      if (body.items.length === 0) return fail('No image from ' + key + ' yet.');
      history.replaceState(null, '', location.pathname + location.search + PREFIX + body.items[0].event_id);
      show(body.items[0]);
    })
    .catch(function (err) {
      if (mine === sequence) fail('Evidence not answering: ' + err.message);
    });
}

/** Opens (or closes) the viewer for the URL's fragment. */
function follow() {
  var mine = ++sequence;
  var hash = location.hash;
  if (hash.indexOf(PREFIX) !== 0) {
    current = null;
    if ($('evidence-viewer').open) $('evidence-viewer').close();
    return;
  }
  var target = decodeURIComponent(hash.slice(PREFIX.length));
  if (target.indexOf('latest:') === 0) return openLatest(target.slice('latest:'.length), mine);
  getJson('/api/evidence/' + encodeURIComponent(target) + '.json')
    .then(function (item) {
      if (mine === sequence) show(item);
    })
    .catch(function (err) {
      if (mine === sequence) fail('Cannot show image ' + target + ': ' + err.message);
    });
}

function wire() {
  var dialog = $('evidence-viewer');
  $('ev-image').addEventListener('load', function () {
    if (current) drawBoxes(current);
  });
  new ResizeObserver(function () {
    if (current && dialog.open) drawBoxes(current);
  }).observe($('ev-image'));
  // Escape (the dialog's own cancel), the close button and a click beside the image all close it and leave the
  // fragment, so the address is the page's again.
  dialog.addEventListener('close', function () {
    sequence++;
    current = null;
    if (location.hash.indexOf(PREFIX) === 0) history.replaceState(null, '', location.pathname + location.search);
  });
  $('ev-close').addEventListener('click', function () {
    dialog.close();
  });
  dialog.addEventListener('click', function (e) {
    if (e.target === dialog) dialog.close();
  });
  window.addEventListener('hashchange', follow);
  follow();
}

wire();
