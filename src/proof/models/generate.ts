/**
 * Writes the models the repository ships (models/*.onnx) from the generators in this folder:
 * `npm run models`. test/proof/models.test.ts fails when a committed file differs from what they generate.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { conveyorModel } from './conveyor-model.ts';
import {
  endToEndLayoutModel,
  unsupportedLayoutModel,
  yolov5HalfLayoutModel,
  yolov5LayoutModel,
  yolov8LayoutModel,
} from './layout-models.ts';
import { slowModel } from './slow-model.ts';

export const MODELS_DIR = fileURLToPath(new URL('../../../models/', import.meta.url));

/** File name -> generator, for every committed model. */
export const SHIPPED_MODELS: Record<string, () => Buffer> = {
  'seamline-conveyor.onnx': conveyorModel,
  'layout-yolov8.onnx': yolov8LayoutModel,
  'layout-yolov5.onnx': yolov5LayoutModel,
  'layout-yolov5-half.onnx': yolov5HalfLayoutModel,
  'layout-end-to-end.onnx': endToEndLayoutModel,
  'layout-unsupported.onnx': unsupportedLayoutModel,
  'slow.onnx': () => slowModel(),
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(MODELS_DIR, { recursive: true });
  for (const [name, make] of Object.entries(SHIPPED_MODELS)) {
    const bytes = make();
    writeFileSync(new URL(name, `file://${MODELS_DIR}`), bytes);
    process.stdout.write(`models/${name}: ${bytes.length} bytes\n`);
  }
}
