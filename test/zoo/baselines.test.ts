// The committed baseline model directories match their generator, and the graphs compute what they claim.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildResampler } from '../../models/nets/baselines.ts';
import { parseManifest } from '../../models/runtime/manifest.ts';
import { baselineFiles } from '../../models/zoo/baselines.ts';

const zooDir = join(import.meta.dirname, '../../models/zoo');

/** Keys' cubic kernel with a = -0.5. */
function keys(x: number, a = -0.5): number {
  const t = Math.abs(x);
  if (t <= 1) return (a + 2) * t ** 3 - (a + 3) * t ** 2 + 1;
  if (t < 2) return a * t ** 3 - 5 * a * t ** 2 + 8 * a * t - 4 * a;
  return 0;
}

/** Independent bicubic along one axis: half-pixel centres, edge pixels replicated. */
function bicubic1d(src: (i: number) => number, n: number, scale: number, out: number): number {
  const x = (out + 0.5) / scale - 0.5;
  const i0 = Math.floor(x);
  const t = x - i0;
  let sum = 0;
  for (let k = -1; k <= 2; k++) sum += keys(t - k) * src(Math.min(n - 1, Math.max(0, i0 + k)));
  return sum;
}

/** Reference upscaling of one [C, H, W] image. */
function bicubicReference(img: Float32Array, c: number, h: number, w: number, s: number): Float32Array {
  const H = h * s, W = w * s;
  const rows = new Float64Array(c * H * w);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < w; x++) rows[(ch * H + y) * w + x] = bicubic1d((i) => img[(ch * h + i) * w + x] as number, h, s, y);
  const out = new Float32Array(c * H * W);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) out[(ch * H + y) * W + x] = bicubic1d((i) => rows[(ch * H + y) * w + i] as number, w, s, x);
  return out;
}

async function runResampler(bytes: Uint8Array, input: Float32Array, dims: number[]): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const result = await session.run({ image: new ort.Tensor('float32', input, dims) });
    return result.upscaled as ort.Tensor;
  } finally {
    await session.release();
  }
}

const pseudoRandom = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 101) / 100);

describe('baseline model directories', () => {
  const files = baselineFiles();

  it('generates two directories with three graphs and a manifest each', () => {
    expect(files.map((f) => f.path).sort()).toEqual([
      'bicubic/model.json', 'bicubic/x2.onnx', 'bicubic/x3.onnx', 'bicubic/x4.onnx',
      'nearest/model.json', 'nearest/x2.onnx', 'nearest/x3.onnx', 'nearest/x4.onnx',
    ]);
  });

  it.each(files.map((f) => [f.path, f] as const))('committed %s is byte-identical to the generator output', (_path, file) => {
    const committed = readFileSync(join(zooDir, file.path));
    expect(Buffer.compare(committed, Buffer.from(file.bytes))).toBe(0);
  });

  it.each(['bicubic', 'nearest'])('%s/model.json is a valid manifest naming existing graphs', (id) => {
    const m = parseManifest(JSON.parse(readFileSync(join(zooDir, id, 'model.json'), 'utf8')), `${id}/model.json`);
    expect(m.id).toBe(id);
    expect(m.scales).toEqual([2, 3, 4]);
    for (const s of m.scales) expect(readFileSync(join(zooDir, id, m.graphs[String(s)] as string)).length).toBeGreaterThan(0);
  });
});

describe('baseline graphs', () => {
  it('bicubic x2 matches an independent Keys a=-0.5 half-pixel bicubic within 1e-5', async () => {
    const [c, h, w] = [3, 5, 7];
    const img = pseudoRandom(c * h * w);
    const out = await runResampler(buildResampler('bicubic', 2), img, [1, c, h, w]);
    expect(out.dims).toEqual([1, c, h * 2, w * 2]);
    const ref = bicubicReference(img, c, h, w, 2);
    const worst = Math.max(...Array.from(out.data as Float32Array, (v, i) => Math.abs(v - (ref[i] as number))));
    expect(worst).toBeLessThan(1e-5);
  });

  it('bicubic x3 and x4 agree with the reference too, on a batch of two', async () => {
    for (const s of [3, 4]) {
      const [c, h, w] = [3, 4, 3];
      const img = pseudoRandom(2 * c * h * w);
      const out = await runResampler(buildResampler('bicubic', s), img, [2, c, h, w]);
      expect(out.dims).toEqual([2, c, h * s, w * s]);
      const ref = bicubicReference(img.subarray(c * h * w), c, h, w, s);
      const second = (out.data as Float32Array).subarray(c * h * w * s * s);
      expect(Math.max(...Array.from(second, (v, i) => Math.abs(v - (ref[i] as number))))).toBeLessThan(1e-5);
    }
  });

  it.each([2, 3, 4])('nearest x%i replicates every pixel exactly', async (s) => {
    const [c, h, w] = [3, 3, 4];
    const img = pseudoRandom(c * h * w);
    const out = await runResampler(buildResampler('nearest', s), img, [1, c, h, w]);
    expect(out.dims).toEqual([1, c, h * s, w * s]);
    const data = out.data as Float32Array;
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h * s; y++)
        for (let x = 0; x < w * s; x++)
          expect(data[(ch * h * s + y) * w * s + x]).toBe(img[(ch * h + Math.floor(y / s)) * w + Math.floor(x / s)]);
  });

  it('rejects a non-integer scale', () => {
    expect(() => buildResampler('bicubic', 1.5)).toThrow(/positive integer/);
  });
});
