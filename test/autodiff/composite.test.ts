// Composite helpers: SiLU, GELU (tanh and erf) and attention, checked in value and in gradient.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import * as G from '../../models/graph/index.ts';
import { gradCheck, uniform } from './gradcheck.ts';

const erf = (x: number): number => { // Abramowitz–Stegun 7.1.26 is too coarse; integrate the series instead
  let [sum, term, n] = [x, x, 0];
  while (Math.abs(term) > 1e-17 && n < 200) { n++; term *= (-x * x) / n; sum += term / (2 * n + 1); }
  return (2 / Math.sqrt(Math.PI)) * sum;
};

const references: [string, (g: G.Graph, x: G.Value) => G.Value, (x: number) => number][] = [
  ['silu', G.silu, (x) => x / (1 + Math.exp(-x))],
  ['geluErf', G.geluErf, (x) => 0.5 * x * (1 + erf(x / Math.SQRT2))],
  ['geluTanh', G.geluTanh, (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)))],
];

describe('composite helpers', () => {
  it.each(references)('%s matches its formula', async (_name, build, reference) => {
    const g = new G.Graph();
    const x = g.input('x', 'float32', [7]);
    g.output(build(g, x), 'y');
    const xs = Float32Array.from([-3, -1, -0.5, 0, 0.3, 1, 2.5]);
    const session = await ort.InferenceSession.create(G.serializeModel(g));
    const y = (await session.run({ x: new ort.Tensor('float32', xs, [7]) })).y!.data as Float32Array;
    xs.forEach((v, i) => expect(y[i]).toBeCloseTo(reference(v), 5));
  });

  it('attention equals softmax(q kᵀ/√d) v computed by hand', async () => {
    const g = new G.Graph();
    const [q, k, v] = [g.input('q', 'float64', [2, 3]), g.input('k', 'float64', [4, 3]), g.input('v', 'float64', [4, 2])];
    g.output(G.scaledDotProductAttention(g, q, k, v), 'y');
    const [qd, kd, vd] = [uniform(6, 1), uniform(12, 2), uniform(8, 3)];
    const session = await ort.InferenceSession.create(G.serializeModel(g));
    const feeds = { q: new ort.Tensor('float64', Float64Array.from(qd), [2, 3]), k: new ort.Tensor('float64', Float64Array.from(kd), [4, 3]), v: new ort.Tensor('float64', Float64Array.from(vd), [4, 2]) };
    const y = (await session.run(feeds)).y!.data as Float64Array;
    for (let i = 0; i < 2; i++) {
      const scores = [0, 1, 2, 3].map((j) => [0, 1, 2].reduce((s, c) => s + qd[i * 3 + c]! * kd[j * 3 + c]!, 0) / Math.sqrt(3));
      const e = scores.map((s) => Math.exp(s - Math.max(...scores)));
      const p = e.map((x) => x / e.reduce((a, b) => a + b, 0));
      for (let c = 0; c < 2; c++) expect(y[i * 2 + c]).toBeCloseTo(p.reduce((s, pj, j) => s + pj * vd[j * 2 + c]!, 0), 8); // ORT's double kernels agree to ~1e-9, not to the last bit
    }
  });

  it.each([
    ['silu', 'float64', G.silu], ['geluTanh', 'float64', G.geluTanh], ['geluErf', 'float32', G.geluErf],
  ] as const)('%s gradient matches central differences', async (name, dtype, build) => {
    const r = await gradCheck({ op: name, name, dtype, shapes: [[9]], build: (g, [x]) => build(g, x!) });
    expect(r.error).toBeLessThan(r.tolerance);
  });

  it('attention with an additive mask: gradient for q, k, v and the mask', async () => {
    const r = await gradCheck({
      op: 'attention', name: 'attention', dtype: 'float64', shapes: [[2, 3, 4], [2, 5, 4], [2, 5, 3], [3, 5]],
      build: (g, [q, k, v, mask]) => G.scaledDotProductAttention(g, q!, k!, v!, mask!),
    });
    expect(r.error).toBeLessThan(r.tolerance);
  });
});
