// The live connection: one EventSource per view. The server pushes the panels and, every second, the cameras'
// status and alerts; the header shows whether the page is live, reconnecting, or why it is not.
import { $ } from './dom.js';
import { fmtAge } from './format.js';
import { params } from './view.js';

var source = null;

function setConnection(state, text) {
  $('conn-dot').className = 'dot dot-' + state;
  $('conn-text').textContent = text;
  document.body.classList.toggle('disconnected', state !== 'online');
  document.body.setAttribute('data-connection', state);
}

function sinceLastUpdate(lastServerTime) {
  return lastServerTime !== null ? ', last update ' + fmtAge(Date.now() - lastServerTime) : '';
}

/**
 * Opens the stream for the view in the URL, closing the one before. `on.panels` and `on.status` get each
 * message's document; `on.lastServerTime()` says how old the page is while the stream is down.
 */
export function connect(on) {
  if (source) source.close();
  var query = params();
  query.delete('token');
  // The evidence panel's own filter (evidence-panel.js): the panels do not take it.
  query.delete('minConfidence');
  source = new EventSource('/api/live?' + query.toString());
  setConnection('unknown', 'connecting…');
  source.addEventListener('open', function () {
    setConnection('online', '● live');
  });
  source.addEventListener('panels', function (e) {
    try {
      on.panels(JSON.parse(e.data));
    } catch (err) {
      setConnection('offline', 'display error: ' + err.message);
      throw err;
    }
    setConnection('online', '● live');
  });
  source.addEventListener('status', function (e) {
    on.status(JSON.parse(e.data));
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
          setTimeout(function () {
            connect(on);
          }, 2000);
        });
    } else {
      setConnection('offline', '↻ reconnecting… (no connection' + sinceLastUpdate(on.lastServerTime()) + ')');
    }
  });
}
