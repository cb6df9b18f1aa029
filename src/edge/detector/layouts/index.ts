import { SeamError } from '../../../contract/index.ts';
import type { DeclaredShape } from '../model/onnx-model.ts';
import { endToEndLayout } from './end-to-end.ts';
import type { LayoutHint, OutputLayout } from './output-layout.ts';
import { yolov5Layout } from './yolov5.ts';
import { yolov8Layout } from './yolov8.ts';

export type { LayoutHint, OutputLayout } from './output-layout.ts';

/** Every output layout the detector reads, by name; the order is the order they are tried in. */
export const OUTPUT_LAYOUTS: readonly OutputLayout[] = [endToEndLayout, yolov8Layout, yolov5Layout];

function show(shape: DeclaredShape): string {
  return `[${shape.join(', ')}]`;
}

/**
 * The layout that reads an output of this declared shape, with the class count it implies. An output no
 * layout reads fails with SEAM_ERR_MODEL naming the shape seen and every shape supported.
 */
export function recogniseLayout(
  path: string,
  outputName: string,
  shape: DeclaredShape,
  hint: LayoutHint,
): { layout: OutputLayout; nc: number | undefined } {
  for (const layout of OUTPUT_LAYOUTS) {
    const m = layout.match(shape, hint);
    if (m) return { layout, nc: m.nc };
  }
  const names = hint.nc === undefined ? '' : ` with ${hint.nc} class names`;
  throw new SeamError(
    'SEAM_ERR_MODEL',
    `model ${path} has output "${outputName}" of shape ${show(shape)}${names}, which no supported layout reads; ` +
      `supported: ${OUTPUT_LAYOUTS.map((l) => l.describes).join('; ')}`,
    { field: 'model' },
  );
}
