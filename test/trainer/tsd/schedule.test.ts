// The flow-matching schedule against diffusers' FlowMatchEulerDiscreteScheduler(1000 steps, shift 3.0) under torch 1.13 (float32).
import { describe, expect, it } from 'vitest';
import { flowMatchingSchedule, flowMatchingSigma, flowMatchingTimestep, shiftSigma } from '../../../trainer/src/tsd/index.ts';

// index, scheduler.sigmas[index].item(), scheduler.timesteps[index].item(), printed by torch 1.13.
// The 17-digit literals are exact doubles (JS prints them back unchanged); the lint rule misreads them.
/* eslint-disable no-loss-of-precision */
const TORCH_VALUES: ReadonlyArray<[number, number, number]> = [
  [0, 1.0, 1000.0],
  [1, 0.9996663928031921, 999.6663818359375],
  [50, 0.9827585816383362, 982.7586059570312],
  [51, 0.9824016690254211, 982.4016723632812],
  [100, 0.964285671710968, 964.28564453125],
  [250, 0.8999999761581421, 900.0],
  [500, 0.75, 750.0],
  [749, 0.5013315677642822, 501.3315734863281],
  [900, 0.25, 250.0],
  [949, 0.13883846998214722, 138.83847045898438],
  [950, 0.13636364042758942, 136.3636474609375],
  [999, 0.002994012087583542, 2.9940121173858643],
];
/* eslint-enable no-loss-of-precision */

describe('flow-matching schedule (SD3: 1000 steps, shift 3)', () => {
  const schedule = flowMatchingSchedule();

  it('matches the torch scheduler bit for bit at known indices', () => {
    for (const [i, sigma, timestep] of TORCH_VALUES) {
      expect(flowMatchingSigma(schedule, i)).toBe(sigma);
      expect(flowMatchingTimestep(schedule, i)).toBe(timestep);
    }
  });

  it('matches the closed form by hand: i = 500 → s = 0.5 → 3·0.5 / (1 + 2·0.5) = 0.75', () => {
    expect(shiftSigma(0.5, 3)).toBe(0.75);
    expect(flowMatchingSigma(schedule, 900)).toBe(0.25); // s = 0.1 → 0.3 / 1.2
  });

  it('decreases strictly from sigma 1 (index 0) with timestep = sigma · 1000', () => {
    expect(schedule.sigmas.length).toBe(1000);
    for (let i = 1; i < 1000; i++) expect(schedule.sigmas[i]!).toBeLessThan(schedule.sigmas[i - 1]!);
    for (let i = 0; i < 1000; i++) expect(schedule.timesteps[i]).toBe(Math.fround(schedule.sigmas[i]! * 1000));
  });

  it('shift 1 is the plain linear schedule; bad options and indices are refused', () => {
    const plain = flowMatchingSchedule({ shift: 1, numTrainTimesteps: 10 });
    expect(Array.from(plain.sigmas)).toEqual([1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1].map(Math.fround));
    expect(() => flowMatchingSigma(schedule, 1000)).toThrow(/outside/);
    expect(() => flowMatchingSigma(schedule, 2.5)).toThrow(/outside/);
    expect(() => flowMatchingSchedule({ shift: 0 })).toThrow(/shift/);
  });
});
