// FLOP counting from inferred static shapes, and the student's budget of 60 GFLOP per output megapixel.
import { describe, expect, it } from 'vitest';
import { Graph, conv, gemm, matmul } from '../../../models/graph/index.ts';
import { countFlops, studentFlops } from '../../../models/nets/index.ts';

describe('countFlops', () => {
  it('counts 2 × multiply-accumulates of Conv (grouped and strided), MatMul and Gemm', () => {
    const g = new Graph('counted');
    const x = g.input('x', 'float32', [2, 4, 8, 8]);
    const y = conv(g, x, g.input('w', 'float32', [6, 2, 3, 3]), undefined, { group: 2, strides: [2, 2], pads: [1, 1, 1, 1] }); // [2, 6, 4, 4]
    const a = matmul(g, g.input('a', 'float32', [3, 5, 7]), g.input('b', 'float32', [7, 2])); // [3, 5, 2]
    const c = gemm(g, g.input('c', 'float32', [7, 5]), g.input('d', 'float32', [7, 3]), undefined, { transA: true }); // [5, 3]
    g.output(y, 'y_out'); g.output(a, 'a_out'); g.output(c, 'c_out');
    expect(countFlops(g)).toBe(2 * (2 * 6 * 4 * 4 * 2 * 9 + 3 * 5 * 2 * 7 + 5 * 3 * 7));
  });

  it('needs a graph built at a fixed size', () => {
    const g = new Graph('symbolic');
    g.output(conv(g, g.input('x', 'float32', ['N', 4, 'H', 'W']), g.input('w', 'float32', [4, 4, 1, 1])), 'y');
    expect(() => countFlops(g)).toThrow(/symbolic shape/);
  });
});

describe('student budget', () => {
  it('encoder + denoiser + decoder cost at most 60 GFLOP per output megapixel at the default config', () => {
    const cost = studentFlops();
    console.log(`small student: ${cost.gflopsPerMegapixel.toFixed(1)} GFLOP per output megapixel ` +
      `(encoder ${(cost.encoder / 1e9).toFixed(2)}, denoiser ${(cost.denoiser / 1e9).toFixed(2)}, decoder ${(cost.decoder / 1e9).toFixed(2)} GFLOP at ${cost.sizePx}²)`);
    expect(cost.gflopsPerMegapixel).toBeLessThanOrEqual(60);
    expect(cost.total).toBe(cost.encoder + cost.denoiser + cost.decoder);
  });

  it('scales with the output area (fully convolutional; only the per-image embeddings do not)', () => {
    expect(studentFlops(undefined, undefined, 512).gflopsPerMegapixel).toBeCloseTo(studentFlops().gflopsPerMegapixel, 1);
  });
});
