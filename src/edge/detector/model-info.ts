import { basename } from 'node:path';
import { SeamError } from '../../contract/index.ts';
import { classIdentifier, namesFromLiteral, readLabelsFile } from './model/labels.ts';
import { recogniseLayout, type OutputLayout } from './layouts/index.ts';
import { readOnnxModel, type OnnxModelFile } from './model/onnx-model.ts';
import { parsePythonLiteral, type PyValue } from './model/python-literal.ts';

/** Everything the detector decided about a model before loading it into onnxruntime. */
export interface ModelInfo {
  path: string;
  /** detection.v1 `model.name`: the file name without `.onnx`. */
  name: string;
  /** detection.v1 `model.version`: metadata `version` (Ultralytics writes its own version there), else "1". */
  version: string;
  task: string;
  /** Class names as identifiers (see model/labels.ts), index = class id. */
  names: string[];
  /** Names as the model or labels file spells them. */
  rawNames: string[];
  nc: number;
  layout: OutputLayout;
  /** `float16` for a half-precision export (Ultralytics half=True, YOLOv5 --half): fed and read as halves. */
  input: { name: string; width: number; height: number; type: TensorType };
  output: { name: string; type: TensorType };
  stride?: number;
  metadata: Record<string, string>;
}

/** The element types a detection model's input and output may have. */
export type TensorType = 'float32' | 'float16';

/** ONNX TensorProto.DataType: FLOAT 1, FLOAT16 10. */
const TENSOR_TYPES: Record<number, TensorType> = { 1: 'float32', 10: 'float16' };

function tensorType(path: string, what: string, name: string, elemType: number): TensorType {
  const type = TENSOR_TYPES[elemType];
  if (!type) fail(path, `has ${what} "${name}" of element type ${elemType}; float32 or float16 expected`);
  return type;
}

function fail(path: string, reason: string): never {
  throw new SeamError('SEAM_ERR_MODEL', `model ${path} ${reason}`, { field: 'model' });
}

/** One metadata value as a Python literal; a value that is not one fails naming the key. */
function literal(file: OnnxModelFile, key: string): PyValue | undefined {
  const text = file.metadata[key];
  if (text === undefined) return undefined;
  try {
    return parsePythonLiteral(text);
  } catch (err) {
    // Ultralytics writes plain strings (task, description) unquoted.
    if (/^[\w .:/-]*$/.test(text)) return text;
    return fail(file.path, `has metadata "${key}" that is not a Python literal (${(err as Error).message}): ${text.slice(0, 80)}`);
  }
}

function endToEndHint(file: OnnxModelFile): boolean | undefined {
  const e2e = literal(file, 'end2end');
  if (typeof e2e === 'boolean') return e2e;
  const args = literal(file, 'args');
  if (args instanceof Map && typeof args.get('nms') === 'boolean') return args.get('nms') as boolean;
  return undefined;
}

function imgsz(file: OnnxModelFile): { width: number; height: number } | undefined {
  const v = literal(file, 'imgsz');
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return { width: v, height: v };
  // Ultralytics writes [height, width].
  if (Array.isArray(v) && v.length === 2 && v.every((d) => typeof d === 'number' && Number.isInteger(d) && d > 0)) {
    return { height: v[0] as number, width: v[1] as number };
  }
  if (v !== undefined) fail(file.path, `has metadata imgsz ${file.metadata.imgsz}, expected [height, width]`);
  return undefined;
}

/**
 * Reads a model file and decides how to run it: input size (metadata `imgsz`, else the input's fixed shape),
 * class names (`labelsPath` overrides metadata `names`), the output layout (from the output shape and
 * metadata). Refuses a non-detection `task`, an input or output neither float32 nor float16 (int8/QDQ exports
 * quantise inside the graph and keep float32 at its edges), an input that is not [1, 3, H, W] and an output no
 * layout reads, each with SEAM_ERR_MODEL naming the file and the reason.
 */
export function describeModel(path: string, options: { labelsPath?: string } = {}): ModelInfo {
  const file = readOnnxModel(path);
  const task = literal(file, 'task');
  if (task !== undefined && task !== 'detect') {
    fail(path, `is a "${String(task)}" model; Seamline runs object detection models only (Ultralytics task=detect)`);
  }
  if (file.inputs.length !== 1) fail(path, `has ${file.inputs.length} inputs; a detection model has one image input [1, 3, H, W]`);
  const input = file.inputs[0];
  const inputType = tensorType(path, 'input', input.name, input.elemType);
  const s = input.shape;
  if (s.length !== 4 || (s[1] !== 3 && typeof s[1] === 'number'))
    fail(path, `has input "${input.name}" of shape [${s.join(', ')}]; [1, 3, H, W] expected`);
  const declared = typeof s[2] === 'number' && typeof s[3] === 'number' ? { height: s[2], width: s[3] } : undefined;
  const size = imgsz(file) ?? declared;
  if (!size) fail(path, `has a dynamic input size [${s.join(', ')}] and no imgsz metadata; export with a fixed imgsz`);
  if (declared && (declared.width !== size.width || declared.height !== size.height)) {
    fail(path, `says imgsz ${size.height}x${size.width} but its input is ${declared.height}x${declared.width}`);
  }

  let rawNames: string[] | undefined;
  if (options.labelsPath) rawNames = readLabelsFile(options.labelsPath);
  else if (file.metadata.names !== undefined) {
    rawNames = namesFromLiteral(literal(file, 'names') ?? null);
    if (!rawNames) fail(path, `has metadata names that are not {id: 'name', ...}: ${file.metadata.names.slice(0, 80)}`);
  }
  const output = file.outputs[0];
  const { layout, nc: shapeNc } = recogniseLayout(path, output.name, output.shape, { nc: rawNames?.length, endToEnd: endToEndHint(file) });
  const nc = shapeNc ?? rawNames?.length;
  if (nc === undefined) fail(path, `does not say its class names (no names metadata); pass --labels FILE`);
  if (rawNames && rawNames.length !== nc) {
    const from = options.labelsPath ? `labels file ${options.labelsPath}` : 'names metadata';
    fail(path, `has ${nc} classes in its output but the ${from} lists ${rawNames.length}`);
  }
  rawNames ??= Array.from({ length: nc }, (_, i) => `class_${i}`);
  const stride = literal(file, 'stride');
  const version = file.metadata.version;
  return {
    path,
    name:
      basename(path)
        .replace(/\.onnx$/i, '')
        .slice(0, 128) || 'model',
    version: version && version.length <= 64 ? version : '1',
    task: typeof task === 'string' ? task : 'detect',
    names: rawNames.map(classIdentifier),
    rawNames,
    nc,
    layout,
    input: { name: input.name, width: size.width, height: size.height, type: inputType },
    // An output without a declared type (elemType 0) is read by what onnxruntime hands back.
    output: { name: output.name, type: output.elemType === 0 ? 'float32' : tensorType(path, 'output', output.name, output.elemType) },
    stride: typeof stride === 'number' ? stride : undefined,
    metadata: file.metadata,
  };
}
