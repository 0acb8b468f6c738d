// averageModels: every float weight (float32, and float16 storage) is the weighted mean of the sources' weights,
// the graph is kept, model.json records the sources; models that differ in more than their weights are refused.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { add, Graph, mul, tensor, toModelProto } from '../../../models/graph/index.ts';
import { float16ToFloat32, float32ToFloat16 } from '../../../models/io/half.ts';
import { writeOnnxModel } from '../../../models/io/index.ts';
import { averageModels } from '../../../trainer/src/index.ts';

const { onnx } = onnxProto;
const SIZE = 300; // float32 weights of ≥ 1 KB, so float16 storage applies to them

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'tsdsr-average-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A model directory whose denoiser computes x·scale + shift with the given weights (op `Mul` or another). */
async function modelDir(name: string, scale: Float32Array, shift: Float32Array, o: { fp16?: boolean; op?: 'mul' | 'add'; kind?: string } = {}): Promise<string> {
  const g = new Graph('toy');
  const x = g.input('x', 'float32', [SIZE]);
  const s = g.constant(tensor('float32', [SIZE], scale), 'scale');
  g.output(add(g, o.op === 'add' ? add(g, x, s) : mul(g, x, s), g.constant(tensor('float32', [SIZE], shift), 'shift')), 'y');
  const out = join(dir, name);
  await mkdir(out, { recursive: true });
  await writeOnnxModel(join(out, 'denoiser.onnx'), toModelProto(g), { fp16Storage: o.fp16 ?? false });
  await writeFile(join(out, 'model.json'), JSON.stringify({ id: name, kind: o.kind ?? 'tsdsr', graphs: { denoiser: 'denoiser.onnx' }, provenance: { steps: name.length } }));
  return out;
}

const ramp = (k: number): Float32Array => Float32Array.from({ length: SIZE }, (_, i) => Math.sin(i * k) * (1 + k));

/** The model's initializers by name, as float32 values, and its nodes' op types. */
async function readModel(path: string): Promise<{ weights: Map<string, Float32Array>; dtypes: number[]; ops: string[] }> {
  const m = onnx.ModelProto.decode(await readFile(path));
  const weights = new Map<string, Float32Array>();
  for (const t of m.graph!.initializer!) {
    const raw = t.rawData!;
    const bytes = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length);
    weights.set(t.name!, t.dataType === onnx.TensorProto.DataType.FLOAT16 ? float16ToFloat32(new Uint16Array(bytes)) : new Float32Array(bytes));
  }
  return { weights, dtypes: m.graph!.initializer!.map((t) => t.dataType!), ops: m.graph!.node!.map((n) => n.opType!) };
}

type ReadModel = Awaited<ReturnType<typeof readModel>>;
/** The denoisers of two sources and of their average. */
async function readModels(a: string, b: string, out: string): Promise<[ReadModel, ReadModel, ReadModel]> {
  return [await readModel(join(a, 'denoiser.onnx')), await readModel(join(b, 'denoiser.onnx')), await readModel(join(out, 'denoiser.onnx'))];
}

describe('averageModels', () => {
  it('writes each float32 weight as the weighted mean and keeps the graph; model.json lists the sources', async () => {
    const a = await modelDir('a', ramp(1), ramp(2));
    const b = await modelDir('bb', ramp(3), ramp(4));
    const out = join(dir, 'ab');
    const manifest = await averageModels([{ dir: a, weight: 0.25 }, { dir: b, weight: 0.75 }], out);
    const [ma, mb, mo] = await readModels(a, b, out);
    expect(mo.ops).toEqual(ma.ops);
    expect([...mo.weights.keys()].sort()).toEqual([...ma.weights.keys()].sort());
    for (const [name, values] of mo.weights) {
      const expected = values.map((_, i) => Math.fround(0.25 * ma.weights.get(name)![i]! + 0.75 * mb.weights.get(name)![i]!));
      expect(values).toEqual(expected);
      expect(values).not.toEqual(mb.weights.get(name)); // the sources differ, so the mean is neither
    }
    expect(manifest).toMatchObject({ id: 'bb', provenance: { steps: 2, averagedFrom: [{ weight: 0.25, steps: 1 }, { weight: 0.75, steps: 2 }] } });
    expect(JSON.parse(await readFile(join(out, 'model.json'), 'utf8'))).toEqual(manifest);
  });

  it('averages float16-stored weights in float32 and stores them as float16 again', async () => {
    const a = await modelDir('h1', ramp(1), ramp(2), { fp16: true });
    const b = await modelDir('h2', ramp(5), ramp(6), { fp16: true });
    const out = join(dir, 'h12');
    await averageModels([{ dir: a, weight: 0.5 }, { dir: b, weight: 0.5 }], out);
    const [ma, mb, mo] = await readModels(a, b, out);
    expect(mo.dtypes).toEqual(ma.dtypes);
    expect(mo.dtypes).toContain(onnx.TensorProto.DataType.FLOAT16);
    for (const [name, values] of mo.weights) {
      const mean = Float32Array.from(values, (_, i) => 0.5 * ma.weights.get(name)![i]! + 0.5 * mb.weights.get(name)![i]!);
      expect(values).toEqual(float16ToFloat32(float32ToFloat16(mean)));
    }
  });

  it('refuses models whose graphs differ, a single model, shares that do not sum to 1, and a model that is not tsdsr', async () => {
    const a = await modelDir('r1', ramp(1), ramp(2));
    const other = await modelDir('r2', ramp(1), ramp(2), { op: 'add' });
    const bicubic = await modelDir('r3', ramp(1), ramp(2), { kind: 'bicubic' });
    const out = join(dir, 'refused');
    await expect(averageModels([{ dir: a, weight: 0.5 }, { dir: other, weight: 0.5 }], out)).rejects.toThrow(/r2\/denoiser\.onnx is not the same graph as .*r1\/denoiser\.onnx/);
    await expect(averageModels([{ dir: a, weight: 1 }], out)).rejects.toThrow('averaging needs at least two models (got 1)');
    await expect(averageModels([{ dir: a, weight: 0.5 }, { dir: a, weight: 0.6 }], out)).rejects.toThrow('the weights must sum to 1 (they sum to 1.1)');
    await expect(averageModels([{ dir: a, weight: 0.5 }, { dir: bicubic, weight: 0.5 }], out)).rejects.toThrow(/r3: not a tsdsr model/);
    await expect(averageModels([{ dir: a, weight: 0.5 }, { dir: join(dir, 'none'), weight: 0.5 }], out)).rejects.toThrow(/none: no model\.json/);
  });
});
