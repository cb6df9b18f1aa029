import type { PanelReader } from '../../store/panel-reader.ts';
import type { PanelWindow } from './window.ts';
import { periodsOf, seriesBy } from './periods.ts';

export interface ClassesPanel {
  /** Classes drawn, largest total first; stacked in this order. */
  classes: { name: string; values: number[]; total: number }[];
  /** Every class seen in the window, filtered or not (the class filter's choices). */
  available: string[];
}

/** Detections per class per period, for the stacked chart the quality team reads. */
export async function classesPanel(reader: PanelReader, w: PanelWindow): Promise<ClassesPanel> {
  const periods = periodsOf(w);
  // Read without the class filter, so the filter's choices list every class; the panel applies it here.
  const rows = await reader.classes({ ...w, classes: undefined });
  const available = [...new Set(rows.map((r) => r.class))].sort();
  const wanted = w.classes?.length ? new Set(w.classes) : undefined;
  const series = seriesBy(
    rows.filter((r) => !wanted || wanted.has(r.class)),
    periods,
    (r) => r.class,
    (r) => r.detections,
  );
  const classes = [...series]
    .map(([name, values]) => ({ name, values: values as number[], total: (values as number[]).reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.total - a.total || (a.name < b.name ? -1 : 1));
  return { classes, available };
}
