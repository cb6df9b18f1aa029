// The view lives in the URL (?range=24h&site=site-1&class=crack, ?from=..&to=.., or ?shift=last, ?shift=night@2026-03-29),
// so a link shows the same view.

export function params() {
  return new URLSearchParams(location.search);
}

/** The URL's parameters with `changes` applied: null or '' removes a key; a range, a custom window and a shift exclude each other. */
export function viewWith(changes) {
  var p = params();
  Object.keys(changes).forEach(function (k) {
    if (changes[k] === null || changes[k] === '') p.delete(k);
    else p.set(k, changes[k]);
  });
  if (changes.range || changes.shift) {
    p.delete('from');
    p.delete('to');
  }
  if (changes.from || changes.shift) p.delete('range');
  if (changes.range || changes.from) p.delete('shift');
  return p;
}
