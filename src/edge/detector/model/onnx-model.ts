import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { SeamError } from '../../../contract/index.ts';
import { repoPath } from '../../../plumbing/modules.ts';

/** A tensor's declared shape: a number per fixed dimension, a name (e.g. "batch", "anchors") per symbolic one. */
export type DeclaredShape = (number | string)[];

export interface OnnxValue {
  name: string;
  shape: DeclaredShape;
  /** TensorProto.DataType (1 = float32, 10 = float16). */
  elemType: number;
}

/** What the detector needs to know of a model before it asks onnxruntime to load it. */
export interface OnnxModelFile {
  path: string;
  /** `metadata_props` as written; Ultralytics puts Python literals here (see ../model-info.ts). */
  metadata: Record<string, string>;
  /** Graph inputs that are not initializers (the model's real inputs). */
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  producer: string;
}

let root: protobuf.Root | undefined;

/** The ONNX message types, from the vendored subset of onnx.proto beside this file. */
export function onnxTypes(): { Model: protobuf.Type; root: protobuf.Root } {
  root ??= protobuf.loadSync(repoPath('src/edge/detector/model/onnx.proto'));
  return { Model: root.lookupType('onnx.ModelProto'), root };
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v !== null && typeof v === 'object' && 'toNumber' in v) return (v as { toNumber(): number }).toNumber();
  return Number(v);
}

interface RawValueInfo {
  name?: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: { dimValue?: unknown; dimParam?: string }[] } } };
}

function value(info: RawValueInfo): OnnxValue {
  const dims = info.type?.tensorType?.shape?.dim ?? [];
  return {
    name: info.name ?? '',
    elemType: info.type?.tensorType?.elemType ?? 0,
    // Decoded messages answer unset fields with defaults from their prototype: test what was on the wire.
    shape: dims.map((d) =>
      Object.hasOwn(d, 'dimValue') ? toNumber(d.dimValue) : Object.hasOwn(d, 'dimParam') ? (d.dimParam as string) : '?',
    ),
  };
}

function modelError(path: string, reason: string, cause?: unknown): SeamError {
  return new SeamError('SEAM_ERR_MODEL', `model ${path} ${reason}`, { field: 'model', cause });
}

/**
 * Reads an ONNX file's metadata and declared input/output shapes with protobufjs: onnxruntime-node's JS
 * API does not expose `metadata_props`, and Ultralytics keeps the class names there. A missing file, a file
 * that is not an ONNX model, or one without a graph fails with SEAM_ERR_MODEL naming the file and the reason.
 */
export function readOnnxModel(path: string): OnnxModelFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EISDIR'
          ? 'is a directory, not an .onnx file'
          : `cannot be read (${(cause as Error).message})`;
    throw modelError(path, reason, cause);
  }
  let decoded: {
    producerName?: string;
    graph?: { input?: RawValueInfo[]; output?: RawValueInfo[]; initializer?: { name?: string }[]; node?: unknown[] };
    metadataProps?: { key?: string; value?: string }[];
  };
  try {
    decoded = onnxTypes().Model.decode(bytes) as unknown as typeof decoded;
  } catch (cause) {
    throw modelError(path, `is not an ONNX model (protobuf decoding failed: ${(cause as Error).message})`, cause);
  }
  const graph = decoded.graph;
  if (!graph?.output?.length || !graph.node?.length) {
    throw modelError(path, 'is not an ONNX model (no graph with nodes and outputs in it)');
  }
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const metadata: Record<string, string> = {};
  for (const { key, value: v } of decoded.metadataProps ?? []) if (key) metadata[key] = v ?? '';
  return {
    path,
    metadata,
    inputs: (graph.input ?? []).filter((i) => !initializers.has(i.name)).map(value),
    outputs: graph.output.map(value),
    producer: decoded.producerName ?? '',
  };
}
