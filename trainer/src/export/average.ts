/**
 * Weight averaging of exported models (a "model soup"): every float weight of the output is the weighted mean of the
 * same weight in models that share their graphs, e.g. two refinement runs of one student. The graphs themselves,
 * and every weight that is not a float, must be identical.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { float32ToFloat16 } from '../../../models/io/half.ts';
import { floatValues } from '../../../models/io/onnx-initializers.ts';
import { writeModelDirectory } from './model-directory.ts';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;

/** One model directory and its share of the average. */
export interface AveragedSource { dir: string; weight: number }

/** Checks the shares: at least two models, each share above 0, summing to 1. */
function checkWeights(sources: readonly AveragedSource[]): void {
  if (sources.length < 2) throw new Error(`averaging needs at least two models (got ${sources.length})`);
  for (const s of sources) {
    if (!Number.isFinite(s.weight) || s.weight <= 0) throw new Error(`${s.dir}: its weight ${s.weight} must be a number above 0`);
  }
  const sum = sources.reduce((a, s) => a + s.weight, 0);
  if (Math.abs(sum - 1) > 1e-6) throw new Error(`the weights must sum to 1 (they sum to ${sum})`);
}

/** Stores float32 values into a float initializer of its own type, as raw bytes. */
function setFloatValues(t: Onnx.ITensorProto, values: Float32Array): void {
  t.rawData = new Uint8Array((t.dataType === FLOAT ? values : float32ToFloat16(values)).buffer);
  t.floatData = [];
  t.int32Data = [];
}

/** The parts of a tensor that must match across the models (its values apart, for floats). */
const tensorKey = (t: Onnx.ITensorProto): string => JSON.stringify([t.name, t.dataType, (t.dims ?? []).map(Number)]);

/** The graph without its initializers' values: two models average only when these are equal. */
function structure(model: Onnx.ModelProto): string {
  const graph = onnx.GraphProto.fromObject(onnx.GraphProto.toObject(model.graph as Onnx.GraphProto));
  graph.initializer = [];
  return JSON.stringify([
    onnx.GraphProto.toObject(graph, { longs: String, bytes: String }),
    (model.graph?.initializer ?? []).map(tensorKey),
  ]);
}

/** Averages one graph file of every source into `outPath`. */
async function averageGraph(sources: readonly AveragedSource[], file: string, outPath: string): Promise<void> {
  const models = await Promise.all(sources.map(async (s) => onnx.ModelProto.decode(await readFile(join(s.dir, file)))));
  for (const [k, m] of models.entries()) {
    if (m.graph?.initializer?.some((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL)) {
      throw new Error(`${join(sources[k]!.dir, file)}: weights in external data are not supported by averaging`);
    }
  }
  const reference = structure(models[0]!);
  for (const [k, m] of models.entries()) {
    if (k > 0 && structure(m) !== reference) throw new Error(`${join(sources[k]!.dir, file)} is not the same graph as ${join(sources[0]!.dir, file)}; only models that differ in their weights average`);
  }
  const out = models.at(-1)!;
  for (const [i, t] of (out.graph?.initializer ?? []).entries()) {
    const all = models.map((m) => m.graph!.initializer![i]!);
    if (t.dataType !== FLOAT && t.dataType !== FLOAT16) {
      const bytes = all.map((x) => JSON.stringify(onnx.TensorProto.toObject(x as Onnx.TensorProto, { bytes: String, longs: String })));
      if (bytes.some((b) => b !== bytes[0])) throw new Error(`${file}: weight ${t.name} is not a float and differs between the models`);
      continue;
    }
    const values = all.map(floatValues);
    const mean = new Float32Array(values[0]!.length);
    for (let j = 0; j < mean.length; j++) {
      let sum = 0;
      for (const [k, s] of sources.entries()) sum += s.weight * values[k]![j]!;
      mean[j] = sum;
    }
    setFloatValues(t, mean);
  }
  await writeFile(outPath, onnx.ModelProto.encode(out).finish());
}

/**
 * Writes into `outDir` the weighted average of tsdsr model directories that share their graphs: every graph model.json
 * lists, averaged weight by weight; model.json is the last source's, with `provenance.averagedFrom` (each source's
 * folder, share and steps). The folder is written as a whole (writeModelDirectory). Returns the written manifest.
 */
export async function averageModels(sources: readonly AveragedSource[], outDir: string): Promise<Record<string, unknown>> {
  checkWeights(sources);
  const manifests = await Promise.all(sources.map(async (s) => {
    const path = join(s.dir, 'model.json');
    if (!existsSync(path)) throw new Error(`${s.dir}: no model.json; averaging needs exported model directories`);
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown> & { graphs?: Record<string, string>; provenance?: Record<string, unknown> };
  }));
  const graphs = (m: (typeof manifests)[number]): string => JSON.stringify(m.graphs ?? {});
  for (const [k, m] of manifests.entries()) {
    if (m.kind !== 'tsdsr' || !m.graphs) throw new Error(`${sources[k]!.dir}: not a tsdsr model (averaging needs trained students)`);
    if (graphs(m) !== graphs(manifests[0]!)) throw new Error(`${sources[k]!.dir}: its graphs (${graphs(m)}) differ from ${sources[0]!.dir}'s (${graphs(manifests[0]!)})`);
  }
  const last = manifests.at(-1)!;
  const manifest = {
    ...last,
    provenance: {
      ...last.provenance,
      averagedFrom: sources.map((s, k) => ({ model: relative(process.cwd(), s.dir) || '.', weight: s.weight, steps: manifests[k]!.provenance?.steps ?? null })),
    },
  };
  await writeModelDirectory(outDir, async (dir) => {
    for (const file of Object.values(manifests[0]!.graphs!)) await averageGraph(sources, file, join(dir, file));
    await writeFile(join(dir, 'model.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  });
  return manifest;
}
