// The view lives in the URL (?range=24h&site=site-1&class=crack, or ?from=..&to=..), so a link shows the same view.

export function params() {
  return new URLSearchParams(location.search);
}

/** The URL's parameters with `changes` applied: null or '' removes a key; a range and a custom window exclude each other. */
export function viewWith(changes) {
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
  return p;
}
