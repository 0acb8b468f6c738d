// A time budget (--minutes): the loop measures its first steps, fits the step count to the budget, tells the schedules,
// and ends as a complete run; a resumed budgeted run keeps the count its checkpoint holds. The clock is simulated:
// each step of the fake stage advances it by one second, so nothing here depends on this machine's speed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DataLoader } from '../../../trainer/src/data/index.ts';
import { runTrainingLoop, stepsForBudget, type LoopOptions, type TrainStage } from '../../../trainer/src/loop/runner.ts';
import { BUDGET_STEP_CAP, RUN_DEFAULTS, withDefaults } from '../../../trainer/src/loop/run-options.ts';

const fakeLoader = (): DataLoader => ({
  nextBatch: async () => ({ lr: new Float32Array(0), hr: new Float32Array(0), styles: [] }),
  getState: () => ({ epoch: 0, index: 0 }),
  close: async () => undefined,
} as unknown as DataLoader);

const secondPerStep: TrainStage = {
  name: 'fake', sessions: [],
  step: async () => {
    vi.setSystemTime(Date.now() + 1000);
    return { losses: { loss: 1 }, learningRates: {} };
  },
};

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsdsr-budget-'));
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

const options = (o: Partial<LoopOptions>): LoopOptions => ({
  outDir: dir, totalSteps: 1000, batchSize: 1, seed: 0, checkpointEvery: 0, sampleEvery: 0, makeLoader: fakeLoader, ...o,
});

describe('time budget', () => {
  it('fits the step count to the budget after the first steps and tells the schedules', async () => {
    const retarget = vi.fn();
    const result = await runTrainingLoop(secondPerStep, options({ timeBudgetMs: 20_000, retarget }));
    // six steps timed (the first not counted): 1 s a step, 14 s left after step 6 → 20 steps in all
    expect(retarget).toHaveBeenCalledWith(20);
    expect(result).toMatchObject({ step: 20, interrupted: false });
  });

  it('fits again at half and four fifths of the run when the pace changes, and ends near the budget', async () => {
    let ms = 2000;
    const speedingUp: TrainStage = {
      name: 'fake', sessions: [],
      step: async (_batch, _rng, step) => {
        if (step === 7) ms = 500; // the machine got less busy
        vi.setSystemTime(Date.now() + ms);
        return { losses: { loss: 1 }, learningRates: {} };
      },
    };
    const retarget = vi.fn();
    const result = await runTrainingLoop(speedingUp, options({ timeBudgetMs: 40_000, retarget }));
    // step 6 at 12 s, 2 s a step: 20 steps; at step 10 (half), 0.5 s a step since: 10 + 26 s / 0.5 s = 62;
    // at step 50 (four fifths) the pace holds: 50 + 6 s / 0.5 s = 62
    expect(retarget.mock.calls.map((c) => c[0])).toEqual([20, 62, 62]);
    expect(result).toMatchObject({ step: 62, interrupted: false });
  });

  it('never runs past the step count it was given, and says when that count, not the budget, ends the run', async () => {
    const lines: string[] = [];
    const result = await runTrainingLoop(secondPerStep, options({ totalSteps: 9, timeBudgetMs: 600_000, log: (l) => lines.push(l) }));
    expect(result.step).toBe(9);
    // at step 6 (6 s spent), 594 s more at 1 s a step would fit 600 steps
    expect(lines.join('\n')).toMatch(/9 steps at 1\.00 s a step \(the step count caps it: the budget holds about 600;/);
  });

  it('does not mention a cap when the budget ends the run', async () => {
    const lines: string[] = [];
    await runTrainingLoop(secondPerStep, options({ timeBudgetMs: 20_000, log: (l) => lines.push(l) }));
    expect(lines.join('\n')).toMatch(/20 steps at 1\.00 s a step$/m);
    expect(lines.join('\n')).not.toMatch(/caps it/);
  });

  it('a budget without a step count of its own is not held to the stage default (withDefaults)', () => {
    expect(withDefaults(RUN_DEFAULTS.tsd, { minutes: 60 }).steps).toBe(BUDGET_STEP_CAP);
    expect(withDefaults(RUN_DEFAULTS.tsd, { minutes: 60, steps: 500 }).steps).toBe(500);
    expect(withDefaults(RUN_DEFAULTS.tsd, {}).steps).toBe(RUN_DEFAULTS.tsd.steps);
    expect(BUDGET_STEP_CAP).toBeGreaterThan(RUN_DEFAULTS.teacher.steps * 10);
  });

  it('a resumed budgeted run finishes the count its checkpoint holds', async () => {
    const first = await runTrainingLoop(secondPerStep, options({ timeBudgetMs: 20_000, stopAfterStep: 10 }));
    expect(first).toMatchObject({ step: 10, interrupted: true });
    const retarget = vi.fn();
    const second = await runTrainingLoop(secondPerStep, options({ timeBudgetMs: 5_000, resume: true, retarget })); // finishes, though over 5 s
    expect(retarget).toHaveBeenCalledWith(20);
    expect(second).toMatchObject({ step: 20, interrupted: false });
  });

  it('stepsForBudget: what the rest of the budget holds, never fewer than done nor more than asked', () => {
    expect(stepsForBudget({ step: 6, totalSteps: 100, elapsedMs: 6000, budgetMs: 20_000, msPerStep: 1000 })).toBe(20);
    expect(stepsForBudget({ step: 6, totalSteps: 10, elapsedMs: 6000, budgetMs: 20_000, msPerStep: 1000 })).toBe(10);
    expect(stepsForBudget({ step: 6, totalSteps: 100, elapsedMs: 30_000, budgetMs: 20_000, msPerStep: 1000 })).toBe(6);
  });
});
