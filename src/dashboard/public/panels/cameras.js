// The cameras table: one row per camera with its state, last seen, counts, losses, outbox and clock offset.
// Every second the status updates state, last seen and outbox in place, without redrawing the rest.
import { $, clear, el } from '../lib/dom.js';
import { fmtAge, fmtInt, fmtOffset, lostText } from '../lib/format.js';

var STALE_EVENT_MS = 2 * 60 * 1000;
// A camera clock further off than this is marked (the built-in clock_offset alert's default too).
var CLOCK_OFFSET_WARN_MS = 60 * 1000;

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

function stateCell(state) {
  var td = el('td', 'state state-' + state);
  td.appendChild(el('span', 'dot dot-' + state));
  td.appendChild(el('span', null, state));
  return td;
}

function edgeText(edge) {
  return Object.keys(edge)
    .map(function (k) {
      return k.replace(/_/g, ' ') + ' ' + fmtInt(edge[k]);
    })
    .join(', ');
}

function cameraRow(c) {
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
  tr.appendChild(el('td', 'edge', edgeText(c.edge)));
  // The camera's newest image in the viewer (evidence-viewer.js); the column shows when there is evidence.
  var image = el('td', 'ev-col');
  var link = el('a', 'cam-evidence', 'latest');
  link.href = '#evidence=latest:' + encodeURIComponent(c.key);
  link.title = 'the newest evidence image of ' + c.key;
  image.appendChild(link);
  tr.appendChild(image);
  return tr;
}

export function renderCameras(o) {
  var body = $('camera-rows');
  clear(body);
  o.cameras.forEach(function (c) {
    body.appendChild(cameraRow(c));
  });
  $('cameras-empty').hidden = o.cameras.length > 0;
}

function rowOf(key) {
  return document.querySelector('#camera-rows tr[data-key="' + CSS.escape(key) + '"]');
}

/** Updates the rows of the cameras in a status message; returns those of them the table shows. */
export function renderCameraStatus(cameras) {
  cameras.forEach(function (c) {
    var tr = rowOf(c.key);
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
  return cameras.filter(function (c) {
    return rowOf(c.key);
  });
}
