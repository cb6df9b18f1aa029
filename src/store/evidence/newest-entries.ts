import { SeamError } from '../../contract/index.ts';
import type { EvidenceEntry, EvidenceFilter, EvidenceStore } from './evidence-store.ts';

/** What a walk read: headers asked of the store (repeats at page boundaries included), and whether it reached the end. */
export interface NewestWalk {
  scanned: number;
  exhausted: boolean;
}

/** What to do with a full page of images that all share one millisecond and were all yielded already. */
export type CrowdedMillisecond = 'skip' | 'refuse';

/**
 * Every image of the cameras and time range, each once, newest first, a page at a time; `pageSize()` says how
 * many to ask for next (0 ends the walk early). `list` returns at most a page newest first; the next page ends
 * just after the oldest image seen (toMs = its captured_at + 1 ms), so images sharing that millisecond across
 * the boundary are not missed, and those already yielded there are skipped by event_id. A full page of one
 * millisecond, all yielded already, cannot be paged past that way: `skip` moves past that millisecond (what it
 * held beyond a page goes unlisted: a dashboard page), `refuse` throws SEAM_ERR_BAD_QUERY (an export must take
 * every image or say why not).
 */
export async function* newestEntries(
  store: EvidenceStore,
  range: Pick<EvidenceFilter, 'cameras' | 'fromMs' | 'toMs'>,
  pageSize: () => number,
  crowded: CrowdedMillisecond,
  walk: NewestWalk = { scanned: 0, exhausted: false },
): AsyncGenerator<EvidenceEntry> {
  let toMs = range.toMs;
  let boundary = new Set<string>(); // event_ids yielded at the oldest millisecond so far
  for (;;) {
    const ask = pageSize();
    if (ask <= 0) return; // the caller's bound: not exhausted
    const page = await store.list({ cameras: range.cameras, fromMs: range.fromMs, toMs, limit: ask });
    walk.scanned += page.length;
    if (page.length === 0) break;
    const oldestMs = Date.parse(page[page.length - 1].header.captured_at);
    // The next page starts again at this page's oldest millisecond: remember what was yielded there.
    const next = new Set<string>(toMs === oldestMs + 1 ? boundary : []);
    let fresh = 0;
    for (const entry of page) {
      const id = entry.header.event_id;
      if (Date.parse(entry.header.captured_at) === oldestMs) next.add(id);
      if (boundary.has(id)) continue;
      fresh++;
      yield entry;
    }
    if (page.length < ask) break;
    if (fresh === 0) {
      if (crowded === 'refuse') {
        const at = page[0].header.captured_at;
        throw new SeamError('SEAM_ERR_BAD_QUERY', `more than ${ask} images share captured_at ${at}`, { field: 'limit' });
      }
      toMs = oldestMs;
      boundary = new Set();
      continue;
    }
    boundary = next;
    toMs = oldestMs + 1;
  }
  walk.exhausted = true;
}
