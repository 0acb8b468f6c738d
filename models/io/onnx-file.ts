/**
 * Writing ONNX models to disk: optional float16 storage of float32 weights (cast back to float32 at
 * load), and external data for models whose weights would break protobuf's 2 GB message limit.
 */
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { writeFileAtomic, writeFileAtomicWith } from './atomic-write.ts';
import { float32ToFloat16 } from './half.ts';

const { onnx } = onnxProto;
const FLOAT = 1;
const FLOAT16 = 10;
/** Weights smaller than this stay inline and in float32 (scalars, biases of tiny layers, shape constants). */
const SMALL_BYTES = 1024;

/** How to write a model. */
export interface OnnxWriteOptions {
  /** Store float32 weights as float16 (a Cast node restores float32 when the model loads). */
  fp16Storage?: boolean;
  /** `auto` (default): external data when the weights exceed `externalThreshold` bytes; `always`; `never`. */
  externalData?: 'auto' | 'always' | 'never';
  externalThreshold?: number;
}

/** What was written. */
export interface OnnxWriteResult {
  modelBytes: number;
  /** The external data file's name next to the model, when one was written. */
  dataFile?: string;
  dataBytes: number;
}

const rawBytes = (t: Onnx.ITensorProto): number => t.rawData?.length ?? 0;

/** Replaces large float32 initializers by float16 ones plus a Cast to the original name, at the graph's start. */
function storeAsFloat16(graph: Onnx.IGraphProto): void {
  const casts: Onnx.INodeProto[] = [];
  for (const t of graph.initializer ?? []) {
    if (t.dataType !== FLOAT || rawBytes(t) < SMALL_BYTES || !t.rawData) continue;
    const raw = t.rawData;
    const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
    const half = float32ToFloat16(values);
    const name = t.name as string;
    t.name = `${name}.fp16`;
    t.dataType = FLOAT16;
    t.rawData = new Uint8Array(half.buffer);
    casts.push({ name: `${name}.cast`, opType: 'Cast', input: [t.name], output: [name], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }] });
  }
  graph.node = [...casts, ...(graph.node ?? [])];
}

/** Moves large initializers' bytes into `dataPath` (4 KB aligned, via a fsynced temporary file) and points the tensors at it. */
async function moveToExternalData(graph: Onnx.IGraphProto, dataPath: string): Promise<number> {
  return writeFileAtomicWith(dataPath, async (file) => {
    let offset = 0;
    for (const t of graph.initializer ?? []) {
      if (rawBytes(t) < SMALL_BYTES || !t.rawData) continue;
      offset = Math.ceil(offset / 4096) * 4096;
      await file.write(t.rawData, 0, t.rawData.length, offset);
      t.externalData = [
        { key: 'location', value: basename(dataPath) },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(t.rawData.length) },
      ];
      t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      offset += t.rawData.length;
      t.rawData = null;
    }
    return offset;
  });
}

/**
 * Writes a model to `path` (and `<path>.data` when its weights go external), each file crash-safe (temporary file,
 * fsync, rename). The pair is two renames: write into writeDirectoryAtomic's folder for it to switch as one.
 */
export async function writeOnnxModel(path: string, model: Onnx.ModelProto, options: OnnxWriteOptions = {}): Promise<OnnxWriteResult> {
  const graph = model.graph;
  if (!graph) throw new Error(`writeOnnxModel: ${path}: the model has no graph`);
  if (options.fp16Storage) storeAsFloat16(graph);
  const weightBytes = (graph.initializer ?? []).reduce((n, t) => n + rawBytes(t), 0);
  const mode = options.externalData ?? 'auto';
  const external = mode === 'always' || (mode === 'auto' && weightBytes > (options.externalThreshold ?? 1.5 * 2 ** 30));
  const dataPath = `${path}.data`;
  let dataBytes = 0;
  if (external) dataBytes = await moveToExternalData(graph, dataPath);
  const bytes = onnx.ModelProto.encode(model).finish();
  await writeFileAtomic(path, bytes);
  if (!external) await rm(dataPath, { force: true }); // an earlier export's, once nothing refers to it
  return { modelBytes: bytes.length, dataBytes, ...(external ? { dataFile: basename(dataPath) } : {}) };
}
