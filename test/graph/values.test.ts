// Values computed by onnxruntime for representative ops agree with small independent JS computations.
import { describe, expect, it } from 'vitest';
import * as G from '../../models/graph/index.ts';
import { count, expectShape, maxAbsDiff, randomFloats, runGraph } from './helpers.ts';

/** Builds one op on float32 inputs of the given dims, runs it, returns inputs, output data and checks the shape. */
async function runOp(dims: number[][], build: (g: G.Graph, xs: G.Value[]) => G.Value): Promise<{ xs: Float32Array[]; y: Float32Array }> {
  const g = new G.Graph('value_test');
  const inputs = dims.map((d, i) => g.input(`x${i}`, 'float32', d));
  const out = g.output(build(g, inputs), 'y');
  const xs = dims.map((d, i) => randomFloats(count(d), 11 + i));
  const result = await runGraph(g, Object.fromEntries(xs.map((data, i) => [`x${i}`, { dims: dims[i] as number[], data }])));
  const y = result.y;
  if (!y) throw new Error('no output');
  expectShape(out, y);
  return { xs, y: y.data as Float32Array };
}

/** Row-major strides of dims. */
const strides = (dims: readonly number[]): number[] => dims.map((_, i) => count(dims.slice(i + 1)));

/** Calls fn with every multi-index of dims, in row-major order. */
function forEachIndex(dims: readonly number[], fn: (idx: number[], flat: number) => void): void {
  const idx = dims.map(() => 0);
  for (let flat = 0; flat < count(dims); flat++) {
    fn(idx, flat);
    for (let a = dims.length - 1; a >= 0 && ++idx[a]! === dims[a]; a--) idx[a] = 0;
  }
}

describe('op values against independent JS computations', () => {
  it('Add broadcasts [2, 3, 4] + [3, 1]', async () => {
    const { xs: [a, b], y } = await runOp([[2, 3, 4], [3, 1]], (g, [p, q]) => G.add(g, p!, q!));
    const ref = new Float32Array(24);
    forEachIndex([2, 3, 4], ([, j], flat) => { ref[flat] = a![flat]! + b![j!]!; });
    expect(maxAbsDiff(y, ref)).toBe(0);
  });

  it('MatMul [2, 3, 4] @ [4, 5]', async () => {
    const { xs: [a, b], y } = await runOp([[2, 3, 4], [4, 5]], (g, [p, q]) => G.matmul(g, p!, q!));
    const ref = new Float32Array(30);
    forEachIndex([2, 3, 5], ([n, i, j], flat) => {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a![(n! * 3 + i!) * 4 + k]! * b![k * 5 + j!]!;
      ref[flat] = s;
    });
    expect(maxAbsDiff(y, ref)).toBeLessThan(1e-5);
  });

  it('Conv with groups, stride, padding, dilation and bias', async () => {
    const [C, H, W, M, group, k] = [4, 7, 8, 6, 2, 3];
    const wDims = [M, C / group, k, k];
    const w = randomFloats(count(wDims), 5);
    const bias = randomFloats(M, 6);
    const opts = { group, strides: [2, 1], pads: [1, 0, 1, 2], dilations: [1, 2] };
    const { xs: [x], y } = await runOp([[1, C, H, W]], (g, [v]) =>
      G.conv(g, v!, g.initializer('w', G.tensor('float32', wDims, w)), g.initializer('b', G.tensor('float32', [M], bias)), opts));
    const [OH, OW] = [Math.floor((H + 2 - 2 - 1) / 2) + 1, Math.floor((W + 2 - 4 - 1) / 1) + 1];
    const ref = new Float32Array(M * OH * OW);
    forEachIndex([M, OH, OW], ([m, oy, ox], flat) => {
      const cg = Math.floor(m! / (M / group)) * (C / group);
      let s = bias[m!]!;
      for (let c = 0; c < C / group; c++)
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) {
            const [iy, ix] = [oy! * 2 - 1 + ky, ox! - 0 + kx * 2];
            if (iy >= 0 && iy < H && ix >= 0 && ix < W) s += x![((cg + c) * H + iy) * W + ix]! * w[((m! * (C / group) + c) * k + ky) * k + kx]!;
          }
      ref[flat] = s;
    });
    expect(maxAbsDiff(y, ref)).toBeLessThan(1e-5);
  });

  it('Resize cubic (a = -0.75, half_pixel) x2 matches Keys interpolation with clamped edges', async () => {
    const a = -0.75;
    const keys = (t: number): number => {
      const u = Math.abs(t);
      return u <= 1 ? (a + 2) * u ** 3 - (a + 3) * u ** 2 + 1 : u < 2 ? a * u ** 3 - 5 * a * u ** 2 + 8 * a * u - 4 * a : 0;
    };
    const [H, W, s] = [4, 5, 2];
    const { xs: [x], y } = await runOp([[1, 1, H, W]], (g, [v]) => G.resize(g, v!, { mode: 'cubic', scales: [1, 1, s, s] }));
    const taps = (o: number, n: number): [number, number][] => {
      const src = (o + 0.5) / s - 0.5;
      const i0 = Math.floor(src);
      return [-1, 0, 1, 2].map((d) => [Math.min(n - 1, Math.max(0, i0 + d)), keys(src - (i0 + d))]);
    };
    const ref = new Float32Array(H * s * W * s);
    forEachIndex([H * s, W * s], ([oy, ox], flat) => {
      let v = 0;
      for (const [iy, wy] of taps(oy!, H)) for (const [ix, wx] of taps(ox!, W)) v += wy * wx * x![iy * W + ix]!;
      ref[flat] = v;
    });
    expect(maxAbsDiff(y, ref)).toBeLessThan(1e-5);
  });

  it('Resize nearest (half_pixel, round_prefer_floor) x3 picks the source pixel under each centre', async () => {
    const [H, W, s] = [3, 4, 3];
    const { xs: [x], y } = await runOp([[1, 1, H, W]], (g, [v]) => G.resize(g, v!, { mode: 'nearest', scales: [1, 1, s, s] }));
    const pick = (o: number, n: number): number => {
      const src = (o + 0.5) / s - 0.5;
      const r = src - Math.floor(src) === 0.5 ? Math.floor(src) : Math.round(src);
      return Math.min(n - 1, Math.max(0, r));
    };
    const ref = new Float32Array(H * s * W * s);
    forEachIndex([H * s, W * s], ([oy, ox], flat) => { ref[flat] = x![pick(oy!, H) * W + pick(ox!, W)]!; });
    expect(maxAbsDiff(y, ref)).toBe(0);
  });

  it('Reshape keeps the row-major element order', async () => {
    const { xs: [x], y } = await runOp([[2, 3, 4]], (g, [v]) => G.reshape(g, v!, [4, -1]));
    expect(maxAbsDiff(y, x!)).toBe(0);
  });

  it('Transpose [2, 3, 4] by [2, 0, 1]', async () => {
    const { xs: [x], y } = await runOp([[2, 3, 4]], (g, [v]) => G.transpose(g, v!, [2, 0, 1]));
    const st = strides([2, 3, 4]);
    const ref = new Float32Array(24);
    forEachIndex([4, 2, 3], ([k, i, j], flat) => { ref[flat] = x![i! * st[0]! + j! * st[1]! + k!]!; });
    expect(maxAbsDiff(y, ref)).toBe(0);
  });

  it('Slice [1:5:2, ::-1] of [6, 4]', async () => {
    const { xs: [x], y } = await runOp([[6, 4]], (g, [v]) => G.slice(g, v!, { starts: [1, -1], ends: [5, -Infinity], steps: [2, -1] }));
    const ref: number[] = [];
    for (let i = 1; i < 5; i += 2) for (let j = 3; j >= 0; j--) ref.push(x![i * 4 + j]!);
    expect(maxAbsDiff(y, ref)).toBe(0);
  });

  it('Softmax along axis 1 of [2, 3, 4]', async () => {
    const { xs: [x], y } = await runOp([[2, 3, 4]], (g, [v]) => G.softmax(g, v!, 1));
    const ref = new Float32Array(24);
    forEachIndex([2, 4], ([n, k]) => {
      const at = (c: number): number => (n! * 3 + c) * 4 + k!;
      const e = [0, 1, 2].map((c) => Math.exp(x![at(c)]!));
      const sum = e.reduce((p, q) => p + q, 0);
      e.forEach((v, c) => { ref[at(c)] = v / sum; });
    });
    expect(maxAbsDiff(y, ref)).toBeLessThan(1e-6);
  });

  it('ReduceMean over axes [0, 2] of [2, 3, 4] without keepdims', async () => {
    const { xs: [x], y } = await runOp([[2, 3, 4]], (g, [v]) => G.reduceMean(g, v!, { axes: [0, 2], keepdims: false }));
    const ref = [0, 1, 2].map((c) => {
      let s = 0;
      forEachIndex([2, 4], ([n, k]) => { s += x![(n! * 3 + c) * 4 + k!]!; });
      return s / 8;
    });
    expect(maxAbsDiff(y, ref)).toBeLessThan(1e-6);
  });
});
