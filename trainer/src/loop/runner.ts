/** The training loop shared by every stage: batches, steps, JSONL log, progress, sample sheets, checkpoints and resume. */
import { join } from 'node:path';
import { DataLoader, Rng, type DataLoaderState, type TrainingBatch } from '../data/index.ts';
import { loadCheckpoint, readCheckpointMeta, saveCheckpoint } from './checkpoint.ts';
import { checkResumeOptions } from './resume-check.ts';
import { formatDuration, JsonlLog, TrainProgress, type ProgressSink } from './progress.ts';
import { writeSampleSheet, type SheetImage } from './sample-sheet.ts';
import type { TrainSession } from './train-session.ts';

/** What one iteration of a stage reports. */
export interface StageStepResult {
  losses: Record<string, number>;
  learningRates: Record<string, number>;
  /** Images for a sample sheet (e.g. LR | student | HR), values in [0, 1]. */
  sheet?: () => SheetImage[];
}

/** A training stage: its sessions (checkpointed) and one iteration on a batch. */
export interface TrainStage {
  readonly name: string;
  readonly sessions: readonly TrainSession[];
  step(batch: TrainingBatch, rng: Rng, step: number): Promise<StageStepResult>;
  /** The stage's output images for a batch as of `step`, in [0, 1], with nothing trained (stages that have one). */
  evaluate?(batch: TrainingBatch, step: number): Promise<Float32Array>;
}

/** How the loop runs. */
export interface LoopOptions {
  outDir: string;
  totalSteps: number;
  batchSize: number;
  seed: number;
  checkpointEvery: number;
  sampleEvery: number;
  /** Continue from `<outDir>/checkpoint`. */
  resume?: boolean;
  /** Makes the data loader, from a saved position on resume. */
  makeLoader: (state?: DataLoaderState) => DataLoader;
  /** Stops after the current step with a checkpoint (SIGINT/SIGTERM in the CLI). */
  signal?: AbortSignal;
  /** Stop (with a checkpoint) after this step, as if interrupted. */
  stopAfterStep?: number;
  progress?: ProgressSink;
  log?: (message: string) => void;
  /** Recorded in the checkpoint; resume refuses a checkpoint of another stage. */
  options?: Record<string, unknown>;
  /**
   * A time budget: after the first steps the run's step count is fitted to it (at most `totalSteps`) and `retarget`
   * is told, so learning-rate schedules end with the run; it is fitted again at half and at four fifths of the run
   * from the pace since, and the run also ends, as complete, when the budget is spent.
   * A resumed run finishes the step count its checkpoint holds (the budget was spent on fitting it).
   */
  timeBudgetMs?: number;
  retarget?: (totalSteps: number) => void;
  /** Called before the first step and at every sample step (and the last): e.g. scores held-out images (`probe.ts`). */
  probe?: (stage: TrainStage, step: number) => Promise<unknown>;
}

/** Steps timed before a time budget fixes the step count (the first step, which builds and warms up, is not counted). */
const BUDGET_CALIBRATION_STEPS = 6;

/**
 * Fractions of the fitted step count at which a time budget fits it again, from the pace since the previous fit, so a
 * run whose machine got less (or more) busy still ends near its budget. Each fit retargets the schedules.
 */
const BUDGET_REFITS = [0.5, 0.8] as const;

/** The step count that fits a time budget: steps done plus what the rest of the budget holds at the measured pace. */
export function stepsForBudget(o: { step: number; totalSteps: number; elapsedMs: number; budgetMs: number; msPerStep: number; warmupSteps?: number }): number {
  const more = Math.floor(Math.max(0, o.budgetMs - o.elapsedMs) / Math.max(1e-3, o.msPerStep));
  return Math.max(o.step, Math.min(o.totalSteps, o.step + more));
}

/** The loop's outcome. */
export interface LoopResult {
  /** Steps completed in total. */
  step: number;
  interrupted: boolean;
  /** Losses of the steps this call ran, in order. */
  history: Record<string, number>[];
}

/** The checkpoint folder of a run. */
export const checkpointDir = (outDir: string): string => join(outDir, 'checkpoint');

async function startState(stage: TrainStage, o: LoopOptions): Promise<{ step: number; rng: Rng; data?: DataLoaderState; totalSteps?: number }> {
  if (!o.resume) return { step: 0, rng: new Rng(o.seed, 0x7a1e) };
  const saved = await readCheckpointMeta(checkpointDir(o.outDir));
  if (saved.stage !== stage.name) throw new Error(`--resume: the checkpoint in ${o.outDir} is from stage ${saved.stage}, not ${stage.name}`);
  checkResumeOptions(o.outDir, saved.options ?? {}, o.options ?? {});
  const meta = await loadCheckpoint(checkpointDir(o.outDir), stage.sessions);
  o.log?.(`resuming ${stage.name} at step ${meta.step} of ${o.totalSteps}`);
  return { step: meta.step, rng: Rng.fromState(meta.rng), data: meta.data, totalSteps: meta.totalSteps };
}

/** Runs the stage from step 0 (or the checkpoint) to `totalSteps`; checkpoints every K steps, at the end and when stopped. */
export async function runTrainingLoop(stage: TrainStage, o: LoopOptions): Promise<LoopResult> {
  const start = await startState(stage, o);
  let totalSteps = o.totalSteps;
  let budget = o.timeBudgetMs;
  let calibrated = budget === undefined;
  if (budget !== undefined && start.totalSteps !== undefined) { // a resumed budgeted run finishes the count it was given
    totalSteps = Math.min(o.totalSteps, start.totalSteps);
    o.retarget?.(totalSteps);
    budget = undefined;
  }
  const loader = o.makeLoader(start.data);
  const log = new JsonlLog(join(o.outDir, 'train.jsonl'));
  const bar = new TrainProgress(o.progress ?? { write: () => undefined }, stage.name, start.step + 1, totalSteps);
  const startedAt = Date.now();
  let paceFrom = { step: start.step, ms: 0 };
  let refits = 0;
  const history: Record<string, number>[] = [];
  let step = start.step;
  let learningRates: Record<string, number> = {};
  const save = async (): Promise<void> => saveCheckpoint(checkpointDir(o.outDir), stage.sessions, {
    stage: stage.name, step, totalSteps, learningRates, data: loader.getState(), rng: start.rng.getState(),
    options: o.options ?? {}, savedAt: new Date().toISOString(),
  });
  try {
    await o.probe?.(stage, step);
    while (step < totalSteps) {
      const batch = await loader.nextBatch(o.batchSize);
      const result = await stage.step(batch, start.rng, ++step);
      if (budget !== undefined) {
        const elapsedMs = Date.now() - startedAt;
        if (step === start.step + 1) paceFrom = { step, ms: elapsedMs }; // the first step builds and warms up: not timed
        const refit = calibrated && refits < BUDGET_REFITS.length && step >= BUDGET_REFITS[refits]! * totalSteps && step < totalSteps;
        if ((!calibrated && step - start.step >= BUDGET_CALIBRATION_STEPS) || refit) {
          const msPerStep = (elapsedMs - paceFrom.ms) / (step - paceFrom.step); // the pace since the last fit: the machine's load changes
          if (calibrated) refits++;
          calibrated = true;
          paceFrom = { step, ms: elapsedMs };
          const fits = stepsForBudget({ step, totalSteps: Infinity, elapsedMs, budgetMs: budget, msPerStep });
          totalSteps = Math.min(o.totalSteps, fits);
          o.retarget?.(totalSteps);
          bar.retarget(totalSteps);
          const capped = fits > totalSteps ? ` (the step count caps it: the budget holds about ${fits}; give --steps to raise it)` : '';
          o.log?.(`time budget ${formatDuration(budget / 1000)}: ${totalSteps} steps at ${(msPerStep / 1000).toFixed(2)} s a step${capped}`);
        } else if (elapsedMs >= budget && step < totalSteps) {
          o.log?.(`time budget spent at step ${step} of ${totalSteps}`);
          totalSteps = step;
        }
      }
      learningRates = result.learningRates;
      history.push(result.losses);
      await log.write({ stage: stage.name, step, ...result.losses, lr: result.learningRates });
      bar.update(step, result.losses);
      if (o.sampleEvery > 0 && (step % o.sampleEvery === 0 || step === totalSteps)) {
        if (result.sheet) await writeSampleSheet(join(o.outDir, 'samples', `step-${String(step).padStart(6, '0')}.png`), result.sheet());
        await o.probe?.(stage, step);
      }
      const stopping = o.signal?.aborted === true || step === o.stopAfterStep;
      if (stopping || step === totalSteps || (o.checkpointEvery > 0 && step % o.checkpointEvery === 0)) await save();
      if (stopping && step < totalSteps) {
        bar.clear();
        o.log?.(`stopped at step ${step}; continue with --resume`);
        return { step, interrupted: true, history };
      }
    }
  } finally {
    bar.clear();
    await loader.close();
  }
  return { step, interrupted: false, history };
}
