// DASM index arithmetic: linspace of torch (float32, truncated), bias range, per-step sigmas and weights.
import { describe, expect, it } from 'vitest';
import {
  dasmBiasRange, dasmIndices, dasmStepWeights, flowMatchingSchedule, planDasm, sampleDasmPlan, truncatedLinspace,
} from '../../../trainer/src/tsd/index.ts';
import { scriptedUniform } from './run-graph.ts';

// torch.linspace(torch.tensor(a), torch.tensor(b), n + 1).long() under torch 1.13.
const TORCH_LINSPACE: ReadonlyArray<[number, number, number, number[]]> = [
  [100, 300, 4, [100, 150, 200, 250, 300]],
  [100, 287, 4, [100, 146, 193, 240, 287]],
  [900, 999, 4, [900, 924, 949, 974, 999]],
  [949, 999, 4, [949, 961, 974, 986, 999]],
  [50, 225, 4, [50, 93, 137, 181, 225]],
  [123, 344, 4, [123, 178, 233, 288, 344]],
  [100, 300, 3, [100, 166, 233, 300]],
  [77, 251, 3, [77, 135, 193, 251]],
  [50, 449, 8, [50, 99, 149, 199, 249, 299, 349, 399, 449]],
  [913, 999, 8, [913, 923, 934, 945, 956, 966, 977, 988, 999]],
  [123, 318, 6, [123, 155, 188, 220, 253, 285, 318]],
  [61, 999, 7, [61, 195, 329, 463, 597, 731, 865, 999]],
  [300, 340, 2, [300, 320, 340]],
];

describe('DASM indices', () => {
  it('reproduces torch.linspace(...).long() including the non-exact steps', () => {
    for (const [a, b, n, expected] of TORCH_LINSPACE) expect(truncatedLinspace(a, b, n + 1)).toEqual(expected);
  });

  it('walks s·N + bias indices from the start, clamped at the last index', () => {
    expect(dasmIndices(100, 4, 50, 0, 999)).toEqual([100, 150, 200, 250, 300]);
    expect(dasmIndices(100, 4, 50, -13, 999)).toEqual([100, 146, 193, 240, 287]); // end 100 + 200 − 13
    expect(dasmIndices(900, 4, 50, 20, 999)).toEqual([900, 924, 949, 974, 999]); // end clamped from 1120
    expect(dasmIndices(700, 1, 50, 0, 999)).toEqual([700, 750]); // N = 1: one step, no Euler move used
  });

  it('draws the bias from [floor(−s/2), floor(s/2)) like torch.randint(-s // 2, s // 2)', () => {
    expect(dasmBiasRange(50)).toEqual([-25, 25]);
    expect(dasmBiasRange(25)).toEqual([-13, 12]);
  });

  it('weights the first step 1.0 and later ones 0.3', () => {
    expect(dasmStepWeights(4)).toEqual([1, 0.3, 0.3, 0.3]);
  });
});

describe('DASM plans', () => {
  const schedule = flowMatchingSchedule();

  it('gives each step its index, the next index, both sigmas, the timestep and the weight', () => {
    const plan = planDasm(schedule, 100, 0);
    expect(plan.indices).toEqual([100, 150, 200, 250, 300]);
    expect(plan.steps.map((s) => [s.index, s.nextIndex, s.weight])).toEqual([[100, 150, 1], [150, 200, 0.3], [200, 250, 0.3], [250, 300, 0.3]]);
    expect(plan.steps[0]!.sigma).toBe(schedule.sigmas[100]);
    expect(plan.steps[0]!.timestep).toBe(schedule.timesteps[100]);
    expect(plan.steps[3]!.nextSigma).toBe(schedule.sigmas[300]);
    for (const s of plan.steps) expect(s.nextSigma).toBeLessThan(s.sigma); // the paths move towards the data
  });

  it('samples the start in [50, 950) and then the bias, from the injected uniform source', () => {
    const low = sampleDasmPlan(schedule, scriptedUniform([0, 0]));
    expect([low.startIndex, low.bias]).toEqual([50, -25]);
    const high = sampleDasmPlan(schedule, scriptedUniform([0.999999, 0.999999]));
    expect([high.startIndex, high.bias]).toEqual([949, 24]);
    expect(high.indices[4]).toBe(999);
    const noBias = sampleDasmPlan(schedule, scriptedUniform([0.5]), { randomBias: false, steps: 1 });
    expect(noBias).toMatchObject({ startIndex: 500, bias: 0, indices: [500, 550] });
  });

  it('refuses fewer weights than steps', () => {
    expect(() => planDasm(schedule, 100, 0, { steps: 4, stepWeights: [1, 0.3] })).toThrow(/2 step weights for 4 steps/);
  });
});
