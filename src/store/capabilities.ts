/**
 * What a store has beyond writing events and answering StoreReader: declared by each store class, every
 * member present, null where the store has none, so a caller asks the declaration and never the shape.
 * DuckDB and PostgreSQL have all five; InfluxDB and VictoriaMetrics (no rollups, no transactions) none.
 */
import type { AlertStateHome } from './alert-state.ts';
import type { PanelReader } from './panel-reader.ts';
import type { AlertCounts } from './reader.ts';
import type { RepairLedgerAccess } from './repair-ledger.ts';
import type { ShiftCounts } from './shift-counts.ts';

export interface StoreCapabilities {
  /** The dashboard page's panels, over the rollups (panel-reader.ts). `seamline dashboard` needs it. */
  readonly panels: PanelReader | null;
  /** Dead letters and classes per camera counted over any window, for the alert rules that need them (reader.ts). */
  readonly alertCounts: AlertCounts | null;
  /**
   * The repair ledger (repair-ledger.ts): the consumer repairs with it; the dashboard, the alert rules and
   * /metrics read its summary. Without one the consumer counts losses but does not repair them.
   */
  readonly repairLedger: RepairLedgerAccess | null;
  /** Alert state and the lock on who notifies, kept beside the data (alert-state.ts); built, not opened, on each call. */
  readonly alertState: (() => AlertStateHome) | null;
  /** A window's figures per camera, for the shift summary (shift-counts.ts); `seamline report shift` needs it. */
  readonly shiftCounts: ShiftCounts | null;
}
