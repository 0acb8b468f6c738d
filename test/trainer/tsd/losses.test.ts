// The loss graphs against hand computations on tiny tensors, values and gradients (run with onnxruntime-node).
import { describe, expect, it } from 'vitest';
import { Graph, gradients, tensor, type Value } from '../../../models/graph/index.ts';
import { dataLoss, latentMse, regFlowMatchingLoss, regModelLoss, toUnitRange, tsdLoss } from '../../../trainer/src/tsd/index.ts';
import { applyLinear, linearDenoiserGraph } from './reference.ts';
import { runGraph } from './run-graph.ts';

const dims = [1, 2, 1, 2];
const feed = (data: number[]) => ({ dims, data });

function withInputs(names: string[]): { g: Graph; v: Record<string, Value> } {
  const g = new Graph('losses');
  return { g, v: Object.fromEntries(names.map((n) => [n, g.input(n, 'float32', dims)])) };
}

describe('TSD loss 0.5·MSE(ẑ, stopgrad(ẑ − g))', () => {
  it('is 0.5·mean(g²) with gradient g / numel', async () => {
    const { g, v } = withInputs(['z', 'grad']);
    const loss = tsdLoss(g, v.z!, v.grad!);
    const [dz, dgrad] = gradients(g, loss, [v.z!, v.grad!]);
    g.output(loss, 'loss'); g.output(dz!, 'dz'); g.output(dgrad!, 'dgrad');
    const out = await runGraph(g, { z: feed([0.5, -1, 2, 0.25]), grad: feed([1, -2, 0.5, 4]) });
    expect(out.loss![0]).toBeCloseTo(0.5 * (1 + 4 + 0.25 + 16) / 4, 6); // 2.65625
    expect(out.dz).toEqual([0.25, -0.5, 0.125, 1]);
    expect(out.dgrad).toEqual([0, 0, 0, 0]); // the target is stop-gradient
  });
});

describe('reg model flow-matching loss 0.5·w·MSE(x_t − sigma·v, stopgrad(ẑ))', () => {
  it('matches the hand computation, with d/dv = −w·sigma·(x0 − ẑ) / numel and no gradient into ẑ', async () => {
    const { g, v } = withInputs(['v', 'xt', 'zhat']);
    const loss = regFlowMatchingLoss(g, { velocity: v.v!, noisyLatent: v.xt!, sigma: 0.5, target: v.zhat!, weight: 0.8 });
    const [dv, dz] = gradients(g, loss, [v.v!, v.zhat!]);
    g.output(loss, 'loss'); g.output(dv!, 'dv'); g.output(dz!, 'dz');
    const [vel, xt, zhat] = [[1, 2, -2, 0], [0.5, 1, 0, 1], [0, 0, 0.5, 1]];
    const out = await runGraph(g, { v: feed(vel), xt: feed(xt), zhat: feed(zhat) });
    const x0 = xt.map((x, i) => x - 0.5 * vel[i]!); // [0, 0, 1, 1]
    const r = x0.map((x, i) => x - zhat[i]!); // [0, 0, 0.5, 0]
    expect(out.loss![0]).toBeCloseTo(0.5 * 0.8 * (0.25 / 4), 7); // 0.025
    out.dv!.forEach((d, i) => expect(d).toBeCloseTo((-0.8 * 0.5 * r[i]!) / 4, 7));
    expect(out.dz).toEqual([0, 0, 0, 0]);
  });
});

describe('data loss', () => {
  it('is perceptual(x̂, x_H) + MSE(ẑ, z_H), each with weight 1', async () => {
    const { g, v } = withInputs(['zhat', 'zhigh', 'img', 'imghigh']);
    const l1 = (gg: Graph, a: Value, b: Value): Value => latentMse(gg, a, b); // any term; here an MSE so the sum is checkable
    const parts = dataLoss(g, { zHat: v.zhat!, zHigh: v.zhigh!, image: v.img!, imageHigh: v.imghigh!, perceptual: l1 });
    const [dz, dzh] = gradients(g, parts.total, [v.zhat!, v.zhigh!]);
    g.output(parts.total, 'total'); g.output(parts.mse, 'mse'); g.output(parts.perceptual, 'perceptual'); g.output(dz!, 'dz'); g.output(dzh!, 'dzh');
    const out = await runGraph(g, { zhat: feed([1, 2, 3, 4]), zhigh: feed([1, 1, 1, 1]), img: feed([0, 0, 0, 1]), imghigh: feed([0, 0, 0, 0]) });
    expect(out.mse![0]).toBeCloseTo((0 + 1 + 4 + 9) / 4, 6);
    expect(out.perceptual![0]).toBeCloseTo(0.25, 6);
    expect(out.total![0]).toBeCloseTo(3.75, 6);
    expect(out.dz).toEqual([0, 0.5, 1, 1.5]); // 2·(ẑ − z_H) / 4
    expect(out.dzh).toEqual([0, 0, 0, 0]);
  });

  it('maps decoder output to [0, 1] by clamping to [−1, 1] then x·0.5 + 0.5', async () => {
    const { g, v } = withInputs(['x']);
    g.output(toUnitRange(g, v.x!), 'y');
    const out = await runGraph(g, { x: feed([-3, -0.5, 0.5, 1.5]) });
    expect(out.y).toEqual([0, 0.25, 0.75, 1]);
  });
});

describe('reg model loss composed from the student latent', () => {
  it('noises stop-grad ẑ, runs the reg model without guidance, and trains only the reg model', async () => {
    const g = new Graph('reg_model_loss');
    const [zHat, noise] = [g.input('zhat', 'float32', dims), g.input('noise', 'float32', dims)];
    const mix = g.input('mix', 'float32', [2, 2, 1, 1]);
    const timestep = g.input('t', 'float32', [1]);
    const reg = { mix: [[0.5, -0.25], [0.125, 1]], timeScale: 0.001 };
    const cond = g.constant(tensor('float32', [1, 2, 1, 1], Float32Array.from([0.25, -0.5])), 'cond');
    const loss = regModelLoss(g, { reg: linearDenoiserGraph(reg, mix), zHat, noise, sigma: 0.75, timestep, condition: cond, weight: 0.5 });
    const [dMix, dZ] = gradients(g, loss, [mix, zHat]);
    g.output(loss, 'loss'); g.output(dMix!, 'dmix'); g.output(dZ!, 'dz');
    const [z, e] = [[1, -1, 0.5, 2], [0.25, 0.5, -1, 0]];
    const out = await runGraph(g, { zhat: feed(z), noise: feed(e), mix: { dims: [2, 2, 1, 1], data: reg.mix.flat() }, t: { dims: [1], data: [750] } });
    const xt = z.map((zi, i) => 0.75 * e[i]! + 0.25 * zi);
    const v = applyLinear(reg, xt, [1, 2, 1, 2], 750, [0.25, -0.5]);
    const mse = xt.reduce((a, x, i) => a + (x - 0.75 * v[i]! - z[i]!) ** 2, 0) / 4;
    expect(out.loss![0]).toBeCloseTo(0.5 * 0.5 * mse, 6);
    expect(out.dmix!.some((d) => d !== 0)).toBe(true);
    expect(out.dz).toEqual([0, 0, 0, 0]);
  });
});
