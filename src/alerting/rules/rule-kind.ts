import type { TObject } from '@sinclair/typebox';
import type { CameraId } from '../../contract/index.ts';
import type { StoreCapabilities } from '../../store/capabilities.ts';
import type { CameraRow, StoreReader } from '../../store/reader.ts';
import type { EvidenceWindow } from '../lifecycle/evidence-link.ts';

/** What one rule kind sees at one evaluation. Queries shared by several rules run once per tick (memo). */
export interface RuleContext {
  nowMs: number;
  reader: StoreReader;
  /** Cameras that should be reporting and match the rule's selection: known to the store or configured. */
  cameras: CameraId[];
  /** The store's camera rows (status, last event, last heartbeat), matched to the selection. */
  rows: Map<string, CameraRow>;
  memo<T>(key: string, run: () => Promise<T>): Promise<T>;
  /**
   * When this engine last failed to read the store (epoch ms; absent or null: not since it started). A store that
   * did not answer the engine most likely did not take the consumers' commits either: they catch up once it is back.
   */
  storeFailedAtMs?: number | null;
}

/** One measured value: per camera, or for the whole rule when `camera` is absent. */
export interface Observation {
  camera?: CameraId;
  value: number;
  /** The condition holds (the alert should be pending/firing). */
  holds: boolean;
  /** One line an operator reads in the notification. */
  summary: string;
  /**
   * Not judged at this evaluation: the engine keeps the instance as it is (pending, firing or inactive; `holds` is
   * ignored), as it does when the store does not answer, so a firing alert is neither resolved nor paged again.
   */
  held?: boolean;
  /** The evidence images behind it (docs/evidence.md): a notification links to them on the dashboard. */
  evidence?: EvidenceWindow;
}

/**
 * A rule kind, one file each in this folder, registered by `kind` in index.ts. `params` is its schema
 * (validated at start, errors name rules[i].params.<field>); `evaluate` measures every camera in
 * `ctx.cameras` (per-camera kinds must return a row for each, a silent camera being an explicit zero).
 */
export interface RuleKind<P = Record<string, unknown>> {
  readonly kind: string;
  readonly perCamera: boolean;
  readonly params: TObject;
  /** What it needs of the store beyond StoreReader's questions (capabilities.ts); checked at start. */
  readonly needs?: readonly (keyof StoreCapabilities)[];
  evaluate(params: P, ctx: RuleContext): Promise<Observation[]>;
}

/** A capability the rule kind lists in `needs`: there, since the store was checked at start. */
export function needed<K extends keyof StoreCapabilities>(ctx: RuleContext, name: K): NonNullable<StoreCapabilities[K]> {
  const capability = ctx.reader.capabilities[name];
  if (capability === null) throw new Error(`the store has no ${name}`);
  return capability as NonNullable<StoreCapabilities[K]>;
}
