// Runs a models/graph Graph once with onnxruntime-node: named float32 feeds in, named float32 outputs back.
import * as ort from 'onnxruntime-node';
import { serializeModel, type Graph, type TensorData } from '../../../models/graph/index.ts';

/** A float32 feed: dims and values. */
export interface Feed {
  dims: readonly number[];
  data: ArrayLike<number>;
}

/** Marks the values as outputs, serialises, runs once, and returns every output as plain numbers. */
export async function runGraph(g: Graph, feeds: Record<string, Feed | TensorData>): Promise<Record<string, number[]>> {
  const session = await ort.InferenceSession.create(serializeModel(g));
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [name, f] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', Float32Array.from(f.data as ArrayLike<number>), [...f.dims]);
  const out = await session.run(ortFeeds);
  await session.release();
  const result: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(out)) result[name] = Array.from(t.data as Float32Array, Number);
  return result;
}

/** Deterministic values in [-1, 1) from a seed (a small LCG), for tiny test tensors. */
export function uniformValues(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** Values rounded to float32, so JS references start from exactly what the graph sees. */
export const asFloat32 = (xs: readonly number[]): number[] => Array.from(Float32Array.from(xs), Number);

/** A uniform source for the trainer's draws, from a fixed list (cycled) or an LCG. */
export function scriptedUniform(values: readonly number[]): () => number {
  let k = 0;
  return () => values[k++ % values.length] as number;
}
