/**
 * Repair on the page (issue 11): of the seq numbers missing, those being repaired now ("missing,
 * repairing": a warning, most come back) and those confirmed lost in the window ("lost, confirmed": the
 * alarm, with the reason), per camera and over the filtered cameras. Read from the store's repair ledger
 * (StoreCapabilities.repairLedger), not from the rollups: the ledger is a few rows per gap, never per event.
 */
import { cameraKey } from '../../contract/index.ts';
import type { PanelFilter } from '../../store/panel-reader.ts';
import type { RepairLedgerAccess } from '../../store/repair-ledger.ts';

export interface RepairFigures {
  /** Missing and being repaired now. */
  repairing: number;
  /** Repaired in the window (arrived after being recorded missing). */
  repaired: number;
  /** Confirmed lost in the window, in all and by reason (evicted, dropped, outbox_reset, unanswered). */
  lost: number;
  lostReasons: Record<string, number>;
}

export interface RepairPanel {
  /** Over the filtered cameras. */
  total: RepairFigures;
  perCamera: Map<string, RepairFigures>;
}

const none = (): RepairFigures => ({ repairing: 0, repaired: 0, lost: 0, lostReasons: {} });

export const matchesFilter = (w: PanelFilter, c: { region: string; site: string; camera: string }) =>
  (!w.regions?.length || w.regions.includes(c.region)) &&
  (!w.sites?.length || w.sites.includes(c.site)) &&
  (!w.cameras?.length || w.cameras.includes(c.camera));

/** Null when the store keeps no ledger, or none yet (the page shows —, never 0). */
export async function repairPanel(
  ledger: Pick<RepairLedgerAccess, 'summary'> | null,
  w: PanelFilter & { fromMs: number; toMs: number },
): Promise<RepairPanel | null> {
  if (!ledger) return null;
  // Lost and repaired: resolved in the window as it is, the still-filling period included (a loss is news).
  const rows = await ledger.summary(w.fromMs, w.toMs);
  if (!rows) return null;
  const total = none();
  const perCamera = new Map<string, RepairFigures>();
  for (const r of rows) {
    if (!matchesFilter(w, r)) continue;
    const f = none();
    for (const [reason, n] of Object.entries(r.lost)) if (n) f.lostReasons[reason] = n;
    f.repairing = r.repairing;
    f.repaired = r.repaired;
    f.lost = Object.values(f.lostReasons).reduce((a, b) => a + b, 0);
    perCamera.set(cameraKey(r), f);
    total.repairing += f.repairing;
    total.repaired += f.repaired;
    total.lost += f.lost;
    for (const [reason, n] of Object.entries(f.lostReasons)) total.lostReasons[reason] = (total.lostReasons[reason] ?? 0) + n;
  }
  return { total, perCamera };
}

/** A camera's figures: zeros when the ledger has no row for it, null (—) without a ledger. */
export function cameraRepair(panel: RepairPanel | null, key: string): RepairFigures | null {
  if (!panel) return null;
  return panel.perCamera.get(key) ?? none();
}
