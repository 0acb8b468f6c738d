/** A training job's ETA: from the step rate, capped by the rest of a time budget. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainingJob, type JobRunOptions } from '../../bridge-server/src/training/job.ts';

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'tsdsr-eta-'));
  await writeFile(join(out, 'train.jsonl'), `${JSON.stringify({ stage: 'tsd', step: 10, tsd: 0.5 })}\n`);
});
afterAll(async () => rm(out, { recursive: true, force: true }));

function runningJob(run: Partial<JobRunOptions>, startedSecondsAgo: number, now: number): TrainingJob {
  const job = new TrainingJob('j', 'tsd', { out, steps: 100, ...run } as JobRunOptions);
  job.state = 'running';
  job.startedAt = new Date(now - startedSecondsAgo * 1000);
  return job;
}

describe('a training job\'s ETA', () => {
  const now = Date.parse('2026-12-06T12:00:00Z');

  it('comes from the step rate without a budget', async () => {
    // 10 steps in 20 s, 90 to go: 180 s.
    expect((await runningJob({}, 20, now).status(now)).etaSeconds).toBeCloseTo(180, 6);
  });

  it('is the rest of the budget before the run fitted its step count', async () => {
    expect((await runningJob({ minutes: 1 }, 20, now).status(now)).etaSeconds).toBeCloseTo(40, 6);
  });

  it('never exceeds the rest of the budget once fitted, even when set-up slowed the early rate', async () => {
    const job = runningJob({ minutes: 1 }, 20, now);
    job.fittedSteps = 400; // the loop's own pace (set-up excluded) fitted 400 steps; the job's rate says 780 s more
    expect((await job.status(now)).etaSeconds).toBeCloseTo(40, 6);
    job.fittedSteps = 12; // and a rate below the budget stands: 2 steps at 2 s
    expect((await job.status(now)).etaSeconds).toBeCloseTo(4, 6);
  });

  it('is the step rate\'s for a resumed run (its budget was spent fitting the count)', async () => {
    const job = runningJob({ minutes: 1 }, 20, now);
    job.resume = true;
    job.fittedSteps = 400;
    expect((await job.status(now)).etaSeconds).toBeCloseTo(780, 6);
  });
});
