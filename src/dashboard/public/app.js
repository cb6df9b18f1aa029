// Seamline dashboard page: plain browser ES modules, no build step. This module puts the page together: each
// panel renders itself from the server's panels document (panels/), the view lives in the URL (lib/view.js), and one
// EventSource per view brings the panels and, every second, the cameras' status and alerts (lib/live.js).
// Everything from the network goes into the DOM through textContent, never innerHTML.
import { $ } from './lib/dom.js';
import { fmtClock } from './lib/format.js';
import { connect } from './lib/live.js';
import { viewWith } from './lib/view.js';
import { renderCameras, renderCameraStatus } from './panels/cameras.js';
import { renderClasses } from './panels/classes.js';
import { renderDetections } from './panels/detections.js';
import { renderEvidence, wireEvidence } from './evidence-panel.js';
import './evidence-viewer.js';
import { renderFilters, wireFilters } from './panels/filters.js';
import { renderCamerasOnline, renderHeader } from './panels/header.js';
import { renderHealth } from './panels/health.js';
import { renderLatency } from './panels/latency.js';
import { renderTimeline } from './panels/timeline.js';
import { renderShiftChoice, wireShifts } from './shifts/shift-picker.js';
import { renderShiftSummary } from './shifts/shift-summary.js';

/** The last panels document shown; null until the first arrives. */
var last = null;

function renderPanels(o) {
  last = o;
  renderFilters(o);
  renderShiftChoice();
  renderShiftSummary(o);
  renderHeader(o);
  renderDetections(o);
  renderLatency(o);
  renderClasses(o);
  renderTimeline(o);
  renderHealth(o);
  renderCameras(o);
  renderEvidence(o);
  renderCamerasOnline(o.cameras);
  $('clock').textContent = fmtClock(o.serverTime);
  document.body.setAttribute('data-server-time', String(o.serverTime));
  document.body.setAttribute('data-panels-time', String(o.serverTime));
}

/** Every second: state, last seen and outbox per camera row, without redrawing the charts; and the alerts. */
function renderStatus(s) {
  var shown = renderCameraStatus(s.cameras);
  if (last) renderCamerasOnline(shown);
  $('clock').textContent = fmtClock(s.serverTime);
  document.body.setAttribute('data-server-time', String(s.serverTime));
  // The alerts panel (panels/alerts.js) listens for these; it does not need the rest of the page.
  window.dispatchEvent(new CustomEvent('seamline:alerts', { detail: { serverTime: s.serverTime, alerts: s.alerts } }));
}

var live = {
  panels: renderPanels,
  status: renderStatus,
  lastServerTime: function () {
    return last ? last.serverTime : null;
  },
};

function setView(changes) {
  history.pushState(null, '', '?' + viewWith(changes).toString());
  // The choice shows at once, before the new view's panels arrive.
  renderShiftChoice();
  connect(live);
}

wireFilters(setView);
wireShifts(setView);
wireEvidence(function () {
  return last;
});
window.addEventListener('popstate', function () {
  renderShiftChoice();
  connect(live);
});
connect(live);
