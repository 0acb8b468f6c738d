// The TSD regulariser graph end to end against the float64 reference, its stop-gradient, and CFG.
import { describe, expect, it } from 'vitest';
import { Graph, gradients, tensor, type Value } from '../../../models/graph/index.ts';
import {
  declareDasmInputs, dasmFeeds, flowMatchingSchedule, guidedVelocity, planDasm, tsdLoss, tsdRegulariserTarget, type DasmPlan,
} from '../../../trainer/src/tsd/index.ts';
import { linearDenoiserGraph, referenceTsdTarget, type LinearDenoiser, type Shape4 } from './reference.ts';
import { asFloat32, runGraph, uniformValues } from './run-graph.ts';

const shape: Shape4 = [2, 3, 2, 2];
const numel = shape.reduce((a, b) => a * b, 1);
const teacher: LinearDenoiser = { mix: [[0.3, -0.1, 0.05], [0.2, 0.25, -0.15], [-0.05, 0.1, 0.35]], timeScale: 0.0004 };
const reg: LinearDenoiser = { mix: [[0.25, 0.05, 0], [0.1, 0.3, -0.1], [0, 0.15, 0.3]], timeScale: -0.0002 };
const condition = asFloat32([0.1, -0.2, 0.05]);
const nullCondition = asFloat32([0, 0.03, -0.02]);
const data = { zHat: asFloat32(uniformValues(numel, 1)), zHigh: asFloat32(uniformValues(numel, 2)), noise: asFloat32(uniformValues(numel, 3)) };

interface Built { g: Graph; zHat: Value; regMix: Value; grad: Value; vsd: Value; tsm: Value }

function buildTarget(steps: number, lambda: number): Built {
  const g = new Graph('tsd_target');
  const [zHat, zHigh, noise] = ['z_hat', 'z_high', 'noise'].map((n) => g.input(n, 'float32', shape));
  const regMix = g.input('reg_mix', 'float32', [3, 3, 1, 1]);
  const cond = (name: string, v: number[]): Value => g.constant(tensor('float32', [1, 3, 1, 1], Float32Array.from(v)), name);
  const target = tsdRegulariserTarget(g, {
    zHat: zHat!, zHigh: zHigh!, noise: noise!, steps: declareDasmInputs(g, steps), lambda,
    teacher: linearDenoiserGraph(teacher), reg: linearDenoiserGraph(reg, regMix),
    guidance: { condition: cond('cond', condition), nullCondition: cond('null_cond', nullCondition), scale: 7.5 },
  });
  return { g, zHat: zHat!, regMix, ...target };
}

const feeds = (plan: DasmPlan) => ({
  z_hat: { dims: shape, data: data.zHat }, z_high: { dims: shape, data: data.zHigh }, noise: { dims: shape, data: data.noise },
  reg_mix: { dims: [3, 3, 1, 1], data: reg.mix.flat() }, ...dasmFeeds(plan),
});

const maxAbsDiff = (a: readonly number[], b: readonly number[]): number => Math.max(...a.map((x, i) => Math.abs(x - (b[i] as number))));

describe('TSD regulariser target', () => {
  const schedule = flowMatchingSchedule();

  for (const [start, bias, steps, lambda] of [[100, 0, 4, 0.7], [613, -17, 4, 0.7], [930, 12, 4, 0.5], [400, 0, 1, 0.7]] as const) {
    it(`matches the float64 reference within 1e-5 (start ${start}, bias ${bias}, N = ${steps}, λ = ${lambda})`, async () => {
      const plan = planDasm(schedule, start, bias, { steps });
      const built = buildTarget(steps, lambda);
      for (const [v, n] of [[built.grad, 'grad'], [built.vsd, 'vsd'], [built.tsm, 'tsm']] as const) built.g.output(v, n);
      const out = await runGraph(built.g, feeds(plan));
      const ref = referenceTsdTarget({ ...data, shape, plan, teacher, reg, condition, nullCondition, scale: 7.5, lambda });
      expect(Math.max(...ref.grad.map(Math.abs))).toBeGreaterThan(0.01); // the check is not vacuous
      for (const key of ['grad', 'vsd', 'tsm'] as const) expect(maxAbsDiff(out[key]!, ref[key])).toBeLessThan(1e-5);
    });
  }

  it('is a stop-gradient target: d tsdLoss / d ẑ = g / numel (up to float32 rounding of ẑ − (ẑ − g)), and no gradient reaches the reg model', async () => {
    const built = buildTarget(4, 0.7);
    const loss = tsdLoss(built.g, built.zHat, built.grad);
    const [dzHat, dRegMix] = gradients(built.g, loss, [built.zHat, built.regMix]);
    for (const [v, n] of [[built.grad, 'grad'], [loss, 'loss'], [dzHat!, 'd_zhat'], [dRegMix!, 'd_reg_mix']] as const) built.g.output(v, n);
    const out = await runGraph(built.g, feeds(planDasm(schedule, 250, 7)));
    const grad = out.grad!;
    out.d_zhat!.forEach((d, i) => expect(d).toBeCloseTo(grad[i]! / numel, 7));
    expect(out.d_reg_mix!.every((d) => d === 0)).toBe(true);
    expect(out.loss![0]!).toBeCloseTo(0.5 * grad.reduce((a, x) => a + x * x, 0) / numel, 6); // 0.5 · mean(g²)
  });
});

describe('classifier-free guidance', () => {
  it('is uncond + 7.5 · (cond − uncond), and just cond at scale 1', async () => {
    const g = new Graph('cfg');
    const latent = g.input('latent', 'float32', [1, 1, 1, 2]);
    const t = g.input('t', 'float32', [1]);
    const denoiser = (gg: Graph, x: Value, _t: Value, c: number): Value => (c === 0 ? x : gg.constant(tensor('float32', [1, 1, 1, 2], Float32Array.from([c, c])), 'c'));
    g.output(guidedVelocity(g, denoiser, latent, t, { condition: 3, nullCondition: 0, scale: 7.5 }), 'guided');
    g.output(guidedVelocity(g, denoiser, latent, t, { condition: 3, nullCondition: 0, scale: 1 }), 'plain');
    const out = await runGraph(g, { latent: { dims: [1, 1, 1, 2], data: [1, -2] }, t: { dims: [1], data: [500] } });
    expect(out.guided).toEqual([1 + 7.5 * (3 - 1), -2 + 7.5 * (3 + 2)]);
    expect(out.plain).toEqual([3, 3]);
  });
});
