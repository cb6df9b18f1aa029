import { cameraKey } from '../../contract/index.ts';
import type { PanelReader } from '../../store/panel-reader.ts';
import type { PanelWindow } from './window.ts';

export type TimelineState = 'online' | 'offline' | 'unknown';

export interface TimelineRow {
  key: string;
  /** Back to back from the window's start to its end (or now): the state and when it began and ended. */
  segments: { fromMs: number; toMs: number; state: TimelineState }[];
}

/**
 * Online/offline per camera over the window, from the status log (state changes as the consumer received
 * them). A camera's state when the window opens is its last change before it; `unknown` before its first.
 */
export async function timelinePanel(reader: PanelReader, w: PanelWindow, now: number): Promise<TimelineRow[]> {
  const end = Math.min(w.toMs, now);
  const byCamera = new Map<string, { atMs: number; state: TimelineState }[]>();
  for (const c of await reader.statusChanges(w)) {
    const k = cameraKey(c);
    if (!byCamera.has(k)) byCamera.set(k, []);
    byCamera.get(k)!.push({ atMs: Math.max(c.atMs, w.fromMs), state: c.state === 'online' || c.state === 'offline' ? c.state : 'unknown' });
  }
  const rows: TimelineRow[] = [];
  for (const [key, changes] of [...byCamera].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const segments: TimelineRow['segments'] = [];
    let at = w.fromMs;
    let state: TimelineState = 'unknown';
    for (const c of changes) {
      if (c.atMs > at) segments.push({ fromMs: at, toMs: c.atMs, state });
      at = Math.max(at, c.atMs);
      state = c.state;
    }
    if (end > at) segments.push({ fromMs: at, toMs: end, state });
    // Neighbours in the same state (a repeated status) merge into one bar.
    const merged = segments.reduce<TimelineRow['segments']>((out, s) => {
      const last = out[out.length - 1];
      if (last && last.state === s.state) last.toMs = s.toMs;
      else out.push({ ...s });
      return out;
    }, []);
    rows.push({ key, segments: merged });
  }
  return rows;
}
