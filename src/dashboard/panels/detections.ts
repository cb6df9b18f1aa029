import { cameraKey } from '../../contract/index.ts';
import type { CountRow, PanelReader } from '../../store/panel-reader.ts';
import type { PanelWindow } from './window.ts';
import { periodsOf, seriesBy } from './periods.ts';

export interface DetectionsPanel {
  /** Detections per period per camera (of the filtered classes, when a class filter is set). */
  cameras: { key: string; values: number[] }[];
  /** The still-filling period, so far: shown as text beside the chart, never as a point on it. */
  current: { period: number; elapsedMs: number; detections: number } | null;
}

export async function detectionsPanel(reader: PanelReader, w: PanelWindow, now: number, counts?: CountRow[]): Promise<DetectionsPanel> {
  const periods = periodsOf(w);
  const rows: { period: number; region: string; site: string; camera: string; detections: number }[] = w.classes?.length
    ? await reader.cameraDetections(w)
    : (counts ?? (await reader.counts(w)));
  const series = seriesBy(rows, periods, cameraKey, (r) => r.detections);
  const current =
    w.currentPeriod === null
      ? null
      : {
          period: w.currentPeriod,
          elapsedMs: now - w.currentPeriod,
          detections: rows.filter((r) => r.period === w.currentPeriod).reduce((a, r) => a + r.detections, 0),
        };
  return {
    cameras: [...series].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, values]) => ({ key, values: values as number[] })),
    current,
  };
}
