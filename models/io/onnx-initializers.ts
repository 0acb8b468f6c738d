/** Reading the float weights (initializers) of an ONNX file, e.g. to train further from an exported model. */
import { readFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { float16ToFloat32 } from './half.ts';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;

/** A float initializer's values as float32 (raw bytes or the typed field; float16 stored as raw bytes or int32Data). */
export function floatValues(t: Onnx.ITensorProto): Float32Array {
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  if (t.dataType === FLOAT) return raw ? new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length)) : Float32Array.from(t.floatData ?? []);
  const half = raw ? new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length)) : Uint16Array.from(t.int32Data ?? []);
  return float16ToFloat32(half);
}

/** True for float32 and float16 initializers. */
export const isFloatInitializer = (t: Onnx.ITensorProto): boolean => t.dataType === FLOAT || t.dataType === FLOAT16;

/**
 * Every float initializer of an ONNX file as float32, by name. Weights kept as float16 behind a Cast (`writeOnnxModel`'s
 * fp16 storage) are found under the Cast's output name, which is the name the graph uses. External data is refused.
 */
export async function readOnnxFloatInitializers(path: string): Promise<Map<string, { dims: number[]; data: Float32Array }>> {
  const model = onnx.ModelProto.decode(await readFile(path));
  const graph = model.graph;
  const out = new Map<string, { dims: number[]; data: Float32Array }>();
  if (!graph) return out;
  if (graph.initializer?.some((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL)) {
    throw new Error(`${path}: weights in external data are not supported here`);
  }
  const castTo = new Map<string, string>();
  for (const node of graph.node ?? []) {
    if (node.opType === 'Cast' && node.input?.length === 1 && node.output?.length === 1) castTo.set(node.input[0] as string, node.output[0] as string);
  }
  for (const t of graph.initializer ?? []) {
    if (!isFloatInitializer(t)) continue;
    const name = (t.dataType === FLOAT16 && castTo.get(t.name as string)) || (t.name as string);
    out.set(name, { dims: (t.dims ?? []).map(Number), data: floatValues(t) });
  }
  return out;
}
