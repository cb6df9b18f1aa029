import { dayOf } from './directory-layout.ts';
import type { EvidenceIndex, IndexEntry } from './directory-index.ts';
import type { CheckedFilter } from './evidence-filter.ts';

/**
 * The newest `limit` images of the filter, newest first: days are visited newest first across the chosen
 * cameras, and only the days inside the range are opened, so a recent range costs a few days whatever the
 * store holds. Once a day has filled the limit, older days cannot hold anything newer.
 */
export function listNewest(index: EvidenceIndex, filter: CheckedFilter): IndexEntry[] {
  const cameras = index.cameras().filter((c) => filter.cameras === null || filter.cameras.has(c));
  const firstDay = Number.isFinite(filter.fromMs) ? dayOf(filter.fromMs) : '';
  const lastDay = Number.isFinite(filter.toMs) ? dayOf(filter.toMs) : '9999-99-99';
  const days = new Set<string>();
  for (const camera of cameras) for (const day of index.days(camera)) if (day >= firstDay && day <= lastDay) days.add(day);
  const chosen: IndexEntry[] = [];
  for (const day of [...days].sort().reverse()) {
    const ofDay: IndexEntry[] = [];
    for (const camera of cameras) {
      for (const entry of index.day(camera, day)?.entries.values() ?? []) {
        if (entry.capturedMs >= filter.fromMs && entry.capturedMs < filter.toMs) ofDay.push(entry);
      }
    }
    ofDay.sort((a, b) => b.capturedMs - a.capturedMs || (a.eventId < b.eventId ? 1 : -1));
    chosen.push(...ofDay.slice(0, filter.limit - chosen.length));
    if (chosen.length >= filter.limit) break;
  }
  return chosen;
}
