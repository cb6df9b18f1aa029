// How the page writes numbers, durations, times and reasons; null or undefined is always '—'.

export var STEP_NAMES = { 60000: 'minute', 300000: '5 minutes', 3600000: 'hour' };

export function fmtInt(n) {
  return n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US');
}

export function fmtMs(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return Math.round(ms) + ' ms';
  if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
  return (ms / 60000).toFixed(1) + ' min';
}

export function fmtAge(ms) {
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
export function fmtOffset(ms) {
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

export function fmtClock(ms) {
  var d = new Date(ms);
  return two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds());
}

export function fmtWhen(ms) {
  var d = new Date(ms);
  return d.getMonth() + 1 + '/' + d.getDate() + ' ' + two(d.getHours()) + ':' + two(d.getMinutes());
}

/** The value of a datetime-local input for `ms`, in the browser's time zone. */
export function localInput(ms) {
  var d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

/** "4 evicted, 1 outbox reset": the reasons a count of lost events has, largest first. */
export function lostText(reasons) {
  return Object.keys(reasons || {})
    .sort(function (a, b) {
      return reasons[b] - reasons[a] || (a < b ? -1 : 1);
    })
    .map(function (k) {
      return reasons[k] + ' ' + k.replace(/_/g, ' ');
    })
    .join(', ');
}

/** "3/14 08:05:09": the image's captured_at in the browser's time zone, to the second. */
export function fmtStamp(iso) {
  var ms = Date.parse(iso);
  return fmtWhen(ms) + ':' + two(new Date(ms).getSeconds());
}

/** "scratch ×2, dent": the classes of an image's detections, most boxes first. */
export function classesText(detections) {
  var counts = {};
  detections.forEach(function (d) {
    counts[d.class] = (counts[d.class] || 0) + 1;
  });
  return Object.keys(counts)
    .sort(function (a, b) {
      return counts[b] - counts[a] || (a < b ? -1 : 1);
    })
    .map(function (c) {
      return counts[c] > 1 ? c + ' ×' + counts[c] : c;
    })
    .join(', ');
}
