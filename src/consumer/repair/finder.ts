import { cameraKey } from '../../contract/index.ts';
import type { RepairCamera, RepairLedger, RepairRange } from '../../store/repair-ledger.ts';
import { newRange } from '../../store/sql/repair-ledger.ts';
import type { Span } from './span.ts';

/**
 * Events of an incarnation are those accepted after it began; this much earlier counts too, so that a
 * camera host's clock stepping back a little cannot hide its own events from the finder.
 */
export const EPOCH_MARGIN_MS = 5 * 60_000;

/** How stale an idle camera's scan mark may get before it is written anyway. */
const IDLE_WRITE_MS = 60_000;

/**
 * One pass of the gap finder over the cameras this repairer owns. It looks only at events committed since
 * the camera's last pass and before `now - graceMs`: a hole whose upper edge was committed less than the
 * grace period ago may still fill (a redelivery, another consumer's batch, a backlog), so it is not a gap
 * yet. Each camera's watermark moves up past what was looked at, so every seq is judged once:
 *
 * - a hole between stored seqs older than the grace period becomes a `repairing` range;
 * - the newest events of a camera that went quiet are covered by its announcements: seqs the broker had
 *   acknowledged (`ackedThrough`) that the store still lacks once the camera has had no commit for the
 *   grace period, and the announcement is that old too, are a gap as well (nothing after them would ever
 *   show the hole).
 *
 * Returns the new ranges it recorded.
 */
export async function findGaps(
  ledger: RepairLedger,
  owner: string,
  owned: RepairCamera[],
  now: number,
  graceMs: number,
): Promise<RepairRange[]> {
  if (owned.length === 0) return [];
  const cutoff = now - graceMs;
  const since = Math.min(...owned.map((c) => c.scannedToMs));
  const spans = new Map((await ledger.committedSince(since, cutoff)).map((s) => [cameraKey(s), s]));
  const recorded: RepairRange[] = [];
  for (const camera of owned) {
    if (camera.scannedToMs >= cutoff) continue;
    const span = spans.get(cameraKey(camera));
    const quiet = !span || span.lastCommittedMs <= cutoff;
    const tailTo = quiet && camera.announcedAtMs <= cutoff && camera.ackedThrough > camera.watermark ? camera.ackedThrough : undefined;
    let holes: Span[] = [];
    let top = camera.watermark;
    if (span && span.lo !== null && span.hi !== null) {
      const contiguous = span.lo === camera.watermark + 1 && span.hi - span.lo + 1 === span.seqs && span.rows === span.seqs;
      if (contiguous) {
        top = span.hi; // the common case: seqs follow on from the watermark, no hole, nothing to look up
      } else {
        const found = await ledger.holes(
          camera,
          camera.watermark,
          camera.scannedToMs,
          cutoff,
          camera.incarnationStartedMs - EPOCH_MARGIN_MS,
        );
        holes = found.holes;
        top = Math.max(top, found.maxSeq ?? top);
      }
    }
    if (tailTo !== undefined && tailTo > top) {
      holes.push([top + 1, tailTo]);
      top = tailTo;
    }
    // Nothing new: write the camera down only now and then, so an idle fleet costs few transactions.
    if (holes.length === 0 && top === camera.watermark && cutoff - camera.scannedToMs < IDLE_WRITE_MS) continue;
    const added = holes.map(([from, to]) =>
      newRange({
        region: camera.region,
        site: camera.site,
        camera: camera.camera,
        incarnation: camera.incarnation,
        from,
        to,
        state: 'repairing',
        reason: null,
        detectedAtMs: now,
        attempts: 0,
        nextAttemptMs: now,
        resolvedAtMs: null,
      }),
    );
    const next: RepairCamera = { ...camera, watermark: top, scannedToMs: cutoff };
    if (await ledger.update(owner, now, next, added)) {
      Object.assign(camera, next);
      recorded.push(...added);
    }
  }
  return recorded;
}
