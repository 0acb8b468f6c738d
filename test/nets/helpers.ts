// Shared helpers for the SD3 fixture comparisons: fixture loading, graph runs, relative error.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSafetensors } from '../../models/io/index.ts';
import { readWeights, type MapWeightSource, type WeightTensor } from '../../models/nets/index.ts';
import type { Graph } from '../../models/graph/index.ts';
import { runGraph } from '../graph/helpers.ts';

/** The fixture folder written by test/fixtures/sd3/make_fixtures.py. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/sd3/', import.meta.url));

/** Reads every tensor of a fixture safetensors file (path relative to FIXTURES). */
export async function loadTensors(relative: string, prefix?: string): Promise<MapWeightSource> {
  const reader = await openSafetensors(join(FIXTURES, relative));
  try {
    return await readWeights(reader, prefix === undefined ? {} : { prefix });
  } finally {
    await reader.close();
  }
}

/** Reads a fixture's diffusers `config.json`. */
export async function loadConfig(relative: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(FIXTURES, relative, 'config.json'), 'utf8')) as Record<string, unknown>;
}

/** Runs a graph on float32 feeds and returns its first output as plain data. */
export async function runFirst(g: Graph, feeds: Record<string, WeightTensor>): Promise<WeightTensor> {
  const inputs = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, { dims: [...t.dims], data: t.data }]));
  const out = await runGraph(g, inputs);
  const first = out[g.outputs[0]?.name ?? ''];
  if (!first) throw new Error('graph produced no output');
  return { dims: [...first.dims], data: first.data as Float32Array };
}

/** max |a − b| / max |b|: the error relative to the reference output's scale. */
export function relativeError(actual: WeightTensor, expected: WeightTensor): number {
  if (actual.dims.join() !== expected.dims.join()) throw new Error(`dims differ: [${actual.dims.join(', ')}] vs [${expected.dims.join(', ')}]`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.data.length; i++) {
    diff = Math.max(diff, Math.abs((actual.data[i] as number) - (expected.data[i] as number)));
    scale = Math.max(scale, Math.abs(expected.data[i] as number));
  }
  return diff / scale;
}
