// Shared test helpers: run a built graph with onnxruntime-node, make deterministic inputs.
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { evaluateShape, serializeModel, type DimBindings, type Graph, type Value } from '../../models/graph/index.ts';

/** A feed: dims plus data for one graph input. */
export interface Feed {
  dims: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array;
}

const ORT_TYPE: Record<string, ort.Tensor.Type> = {
  float32: 'float32', float16: 'float16', float64: 'float64', int64: 'int64', int32: 'int32', bool: 'bool', uint8: 'uint8', int8: 'int8',
};

/** Serialises and runs a graph; returns every graph output by name. */
export async function runGraph(g: Graph, feeds: Record<string, Feed>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(serializeModel(g));
  try {
    const inputs: Record<string, ort.Tensor> = {};
    for (const v of g.inputs) {
      const f = feeds[v.name];
      if (!f) throw new Error(`no feed for ${v.name}`);
      inputs[v.name] = new ort.Tensor(ORT_TYPE[v.dtype] as 'float32', f.data as Float32Array, f.dims);
    }
    return await session.run(inputs);
  } finally {
    await session.release();
  }
}

/** Deterministic values in [-1, 1) (a simple LCG), so failures reproduce. */
export function randomFloats(n: number, seed = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** Element count of static dims. */
export const count = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);

/** Asserts a value's inferred shape (evaluated with the bindings) equals the tensor ORT returned. */
export function expectShape(value: Value, actual: ort.Tensor, bindings: DimBindings = {}): void {
  expect(evaluateShape(value.shape, bindings), `shape of ${value.name}`).toEqual([...actual.dims]);
}

/** Largest absolute difference between two arrays of equal length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}
