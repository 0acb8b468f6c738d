// SSIM as a graph against a plain-JS SSIM and a torch conv2d computation; identity gives 1; gradients match finite differences.
import { describe, expect, it } from 'vitest';
import { Graph, gradients } from '../../../models/graph/index.ts';
import { gaussianTaps, gaussianWindow, l1SsimLoss, ssim } from '../../../trainer/src/tsd/index.ts';
import { asFloat32, runGraph } from './run-graph.ts';

const [N, C, H, W] = [2, 3, 14, 13];
const n = N * C * H * W;
// The same formulas the torch check used (values committed below).
const xs = asFloat32(Array.from({ length: n }, (_, i) => 0.5 + 0.4 * Math.sin(0.37 * i)));
const ys = asFloat32(Array.from({ length: n }, (_, i) => 0.5 + 0.3 * Math.sin(0.37 * i + 0.2) + 0.1 * Math.cos(1.3 * i)));
// F.conv2d with the 11×11 Gaussian (sigma 1.5), valid, in float64 under torch 1.13, on the formulas above.
const TORCH_SSIM = 0.888633762092962;
const TORCH_L1 = 0.0912413511159654;

/** Plain loops: valid 11×11 windows, local means, variances and covariance, per plane. */
function referenceSsim(x: readonly number[], y: readonly number[], planes: number, h: number, w: number): number {
  const win = gaussianWindow(11, 1.5);
  const [c1, c2] = [1e-4, 9e-4];
  let sum = 0;
  let count = 0;
  for (let p = 0; p < planes; p++) {
    for (let r = 0; r + 11 <= h; r++) {
      for (let c = 0; c + 11 <= w; c++) {
        let [mx, my, xx, yy, xy] = [0, 0, 0, 0, 0];
        for (let k = 0; k < 121; k++) {
          const idx = p * h * w + (r + Math.floor(k / 11)) * w + c + (k % 11);
          const [a, b, wk] = [x[idx]!, y[idx]!, win[k]!];
          mx += wk * a; my += wk * b; xx += wk * a * a; yy += wk * b * b; xy += wk * a * b;
        }
        const [vx, vy, cov] = [xx - mx * mx, yy - my * my, xy - mx * my];
        sum += ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
        count++;
      }
    }
  }
  return sum / count;
}

function buildSsim(): Graph {
  const g = new Graph('ssim');
  const [x, y] = [g.input('x', 'float32', [N, C, H, W]), g.input('y', 'float32', [N, C, H, W])];
  g.output(ssim(g, x, y), 'ssim');
  g.output(ssim(g, x, x), 'self');
  const loss = l1SsimLoss(g, x, y);
  g.output(loss, 'loss');
  g.output(gradients(g, loss, [x])[0]!, 'dx');
  return g;
}

describe('SSIM graph', () => {
  it('has a normalised Gaussian window', () => {
    expect(gaussianTaps(11, 1.5).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(gaussianWindow(11, 1.5)[60]).toBeCloseTo(gaussianTaps(11, 1.5)[5]! ** 2, 12);
  });

  it('matches the JS reference and torch, gives 1 for identical images, and L1 + (1 − SSIM) adds up', async () => {
    const out = await runGraph(buildSsim(), { x: { dims: [N, C, H, W], data: xs }, y: { dims: [N, C, H, W], data: ys } });
    const ref = referenceSsim(xs, ys, N * C, H, W);
    expect(Math.abs(ref - TORCH_SSIM)).toBeLessThan(1e-6); // float32-rounded inputs vs torch's float64 ones
    expect(out.ssim![0]).toBeCloseTo(ref, 5);
    expect(out.self![0]).toBeCloseTo(1, 6);
    expect(out.loss![0]).toBeCloseTo(TORCH_L1 + 1 - TORCH_SSIM, 5);
  });

  it('is differentiable: d loss / d x matches central differences of the JS reference', async () => {
    const out = await runGraph(buildSsim(), { x: { dims: [N, C, H, W], data: xs }, y: { dims: [N, C, H, W], data: ys } });
    const lossAt = (x: number[]): number => x.reduce((a, v, i) => a + Math.abs(v - ys[i]!), 0) / n + 1 - referenceSsim(x, ys, N * C, H, W);
    for (const i of [0, 77, 200, 555, n - 1]) {
      const h = 1e-4;
      const [up, down] = [[...xs], [...xs]];
      up[i]! += h; down[i]! -= h;
      const numeric = (lossAt(up) - lossAt(down)) / (2 * h);
      expect(Math.abs(out.dx![i]! - numeric)).toBeLessThan(1e-3 * Math.max(1e-3, Math.abs(numeric)) + 2e-6);
    }
  });
});
