import { cameraKey, type CameraId } from '../contract/index.ts';
import type { CameraRow, StoreReader } from '../store/reader.ts';
import type { AlertRule } from './alerts-config.ts';
import type { Observation, RuleContext } from './rules/rule-kind.ts';
import { cameraMatcher } from './config/selector.ts';

/** Every camera that should be reporting: those the store knows (an event or a status) and those configured. */
export function expectedCameras(rows: readonly CameraRow[], configured: readonly string[]): CameraId[] {
  const all = new Map<string, CameraId>();
  for (const r of rows) all.set(cameraKey(r), { region: r.region, site: r.site, camera: r.camera });
  for (const key of configured) {
    const [region, site, camera] = key.split('/');
    all.set(key, { region, site, camera });
  }
  return [...all.values()].sort((a, b) => cameraKey(a).localeCompare(cameraKey(b)));
}

/** Shared per tick: the store's camera rows, and a memo so rules over the same window query once. */
export interface Tick {
  nowMs: number;
  reader: StoreReader;
  rows: CameraRow[];
  expected: CameraId[];
  memo: Map<string, Promise<unknown>>;
  /** When the engine last failed to read the store (RuleContext.storeFailedAtMs). */
  storeFailedAtMs: number | null;
}

export async function startTick(
  reader: StoreReader,
  nowMs: number,
  configured: readonly string[],
  storeFailedAtMs: number | null = null,
): Promise<Tick> {
  const rows = await reader.cameras(nowMs);
  return { nowMs, reader, rows, expected: expectedCameras(rows, configured), memo: new Map(), storeFailedAtMs };
}

/** One rule's observations at this tick. */
export function observe(rule: AlertRule, tick: Tick): Promise<Observation[]> {
  const match = cameraMatcher(rule.select);
  const cameras = tick.expected.filter(match);
  const ctx: RuleContext = {
    nowMs: tick.nowMs,
    reader: tick.reader,
    cameras,
    rows: new Map(tick.rows.filter(match).map((r) => [cameraKey(r), r])),
    storeFailedAtMs: tick.storeFailedAtMs,
    memo: <T>(key: string, run: () => Promise<T>) => {
      let p = tick.memo.get(key) as Promise<T> | undefined;
      if (!p) {
        p = run();
        tick.memo.set(key, p);
      }
      return p;
    },
  };
  return rule.kind.evaluate(rule.params as never, ctx);
}

export const instanceKey = (rule: string, camera?: CameraId) => (camera ? `${rule}|${cameraKey(camera)}` : rule);
