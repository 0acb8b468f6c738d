// The gradient variance loss as a graph against torch 1.13 (float64, the paper's formulation: grey, Sobel with zero
// padding 1, nn.Unfold 8×8 stride 8, torch.var unbiased, MSE_x + MSE_y; values committed below) and a plain-JS
// reference; identical images give 0; a blurred copy costs more than a sharp one; gradients match torch's autograd.
import { describe, expect, it } from 'vitest';
import { Graph, gradients } from '../../../models/graph/index.ts';
import { GV_GREY, GV_SOBEL_X, GV_SOBEL_Y, gradientVarianceLoss } from '../../../trainer/src/tsd/gradient-variance.ts';
import { asFloat32, runGraph } from './run-graph.ts';

const [N, C, H, W] = [2, 3, 20, 19]; // 20×19: 2×2 patches of 8, with a remainder on both axes
const n = N * C * H * W;
const xs = asFloat32(Array.from({ length: n }, (_, i) => 0.5 + 0.4 * Math.sin(0.37 * i)));
const ys = asFloat32(Array.from({ length: n }, (_, i) => 0.5 + 0.3 * Math.sin(0.37 * i + 0.2) + 0.1 * Math.cos(1.3 * i)));
// torch 1.13, float64, from the float32-rounded values above (the script's loss and x.grad at these indices)
const TORCH_LOSS = 0.009774702547981606;
const TORCH_GRAD: Record<number, number> = { 0: 0.0003458589344609955, 77: 5.138354226712078e-05, 200: 0.00042850046376344183, 555: -0.0009282937222101984, [n - 1]: 0 };

/** Plain loops: grey, zero-padded 3×3 Sobel, per-patch unbiased variance, MSE over x and y maps summed. */
function referenceLoss(x: ArrayLike<number>, y: ArrayLike<number>, h = H, w = W, p = 8): number {
  const variances = (img: ArrayLike<number>): number[] => {
    const out: number[] = [];
    for (let b = 0; b < N; b++) {
      const grey = (r: number, c: number): number => (r < 0 || c < 0 || r >= h || c >= w ? 0
        : GV_GREY.reduce((s, k, ch) => s + k * (img[((b * C + ch) * h + r) * w + c] as number), 0));
      for (const kernel of [GV_SOBEL_X, GV_SOBEL_Y]) {
        for (let pr = 0; pr + p <= h; pr += p) {
          for (let pc = 0; pc + p <= w; pc += p) {
            const values: number[] = [];
            for (let r = pr; r < pr + p; r++) {
              for (let c = pc; c < pc + p; c++) values.push(kernel.reduce((s, k, t) => s + k * grey(r + Math.floor(t / 3) - 1, c + (t % 3) - 1), 0));
            }
            const mean = values.reduce((a, v) => a + v, 0) / values.length;
            out.push(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
          }
        }
      }
    }
    return out;
  };
  const [vx, vy] = [variances(x), variances(y)];
  return (2 * vx.reduce((a, v, i) => a + (v - vy[i]!) ** 2, 0)) / vx.length;
}

function build(): Graph {
  const g = new Graph('gv');
  const [x, y] = [g.input('x', 'float32', [N, C, H, W]), g.input('y', 'float32', [N, C, H, W])];
  const loss = gradientVarianceLoss(g, x, y);
  g.output(loss, 'loss');
  g.output(gradientVarianceLoss(g, y, y), 'self');
  g.output(gradients(g, loss, [x])[0]!, 'dx');
  return g;
}

describe('gradient variance loss', () => {
  it('matches torch and the JS reference, and is 0 for identical images', async () => {
    const out = await runGraph(build(), { x: { dims: [N, C, H, W], data: xs }, y: { dims: [N, C, H, W], data: ys } });
    const ref = referenceLoss(xs, ys);
    expect(Math.abs(ref - TORCH_LOSS) / TORCH_LOSS).toBeLessThan(1e-9); // the same float64 sums
    expect(Math.abs(out.loss![0]! - TORCH_LOSS) / TORCH_LOSS).toBeLessThan(1e-4); // float32 graph: E[v²] − E[v]²
    expect(Math.abs(out.self![0]!)).toBeLessThan(1e-12);
  });

  it('has torch\'s gradient (a pixel in the remainder has none)', async () => {
    const out = await runGraph(build(), { x: { dims: [N, C, H, W], data: xs }, y: { dims: [N, C, H, W], data: ys } });
    for (const [i, want] of Object.entries(TORCH_GRAD)) {
      expect(Math.abs(out.dx![Number(i)]! - want)).toBeLessThan(1e-4 * Math.abs(want) + 1e-9);
    }
  });

  it('costs a blurred copy of a textured image more than the image itself', () => {
    const blurred = Float32Array.from(ys, (_, i) => {
      const c = i % W;
      return c === 0 || c === W - 1 ? ys[i]! : (ys[i - 1]! + ys[i]! + ys[i + 1]!) / 3;
    });
    expect(referenceLoss(blurred, ys)).toBeGreaterThan(10 * referenceLoss(ys, ys) + 1e-4);
  });

  it('refuses images smaller than one patch', () => {
    const g = new Graph('small');
    const x = g.input('x', 'float32', [1, 3, 6, 6]);
    expect(() => gradientVarianceLoss(g, x, x)).toThrow(/smaller than one 8×8 patch/);
  });
});
