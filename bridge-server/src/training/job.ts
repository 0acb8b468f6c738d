/** One training job: what was asked, the resolved run options, and where it is in its life. */
import type { TrainJobStatus, TrainKind, TrainState } from '../protocol/index.ts';
import type { RunOptions } from '../../../trainer/src/index.ts';
import { latestLoggedStep } from './progress.ts';
import type { RequestRunOptions } from './request-options.ts';

/** The run options a job passes to the trainer (paths already checked against the training roots); `steps` always set, for its status. */
export type JobRunOptions = RequestRunOptions & Pick<RunOptions, 'steps'>;

/** A training job and its mutable state; the manager owns its transitions. */
export class TrainingJob {
  state: TrainState = 'queued';
  /** Aborts the current run (a resume gets a fresh one). */
  controller = new AbortController();
  readonly createdAt = new Date();
  startedAt?: Date;
  finishedAt?: Date;
  /** Step the job stopped at (set when it ends; kept while a resumed job waits). */
  finalStep?: number;
  model?: string;
  /** (style) The images held out of training, and the models' scores on them. */
  heldOut?: string[];
  scores?: { label: string; psnrY: number }[];
  error?: string;
  /** Set by a resume: the next run continues from the checkpoint in `run.out`. */
  resume = false;
  /** The step the current run started from (a resumed run's checkpoint step), for the step rate. */
  firstStep = 0;
  /** The step count a time budget (`minutes`) fitted the run to, once the run has told it. */
  fittedSteps?: number;

  constructor(readonly id: string, readonly kind: TrainKind, readonly run: JobRunOptions) {}

  /** True while queued or running. */
  get active(): boolean {
    return this.state === 'queued' || this.state === 'running';
  }

  /** The job's status for `GET /v1/train/:id`, with step and losses read from its train.jsonl. */
  async status(now = Date.now()): Promise<TrainJobStatus> {
    const logged = this.state === 'queued' ? undefined : await latestLoggedStep(this.run.out);
    const step = this.finalStep ?? logged?.step ?? 0;
    const steps = this.state === 'done' && this.finalStep !== undefined ? this.finalStep : this.#totalSteps;
    const status: TrainJobStatus = {
      id: this.id, kind: this.kind, status: this.state, step, steps, losses: logged?.losses ?? null,
      etaSeconds: this.#eta(step, now), options: { ...this.run }, outDir: this.run.out, createdAt: this.createdAt.toISOString(),
    };
    if (this.model !== undefined) status.model = this.model;
    if (this.heldOut !== undefined) status.heldOut = this.heldOut;
    if (this.scores !== undefined) status.scores = this.scores;
    if (this.error !== undefined) status.error = this.error;
    if (this.startedAt) status.startedAt = this.startedAt.toISOString();
    if (this.finishedAt) status.finishedAt = this.finishedAt.toISOString();
    return status;
  }

  /** The steps the run will make: as fitted to its time budget, else as asked. */
  get #totalSteps(): number {
    return this.fittedSteps ?? this.run.steps;
  }

  /**
   * Seconds left: from the step rate, and never more than the rest of a time budget (the run ends when it is spent;
   * the rate counts the job's set-up too, so on a busy machine it alone would overshoot the budget).
   */
  #eta(step: number, now: number): number | null {
    if (this.state !== 'running' || !this.startedAt || step <= this.firstStep) return null;
    const elapsedSeconds = (now - this.startedAt.getTime()) / 1000;
    const budgetLeft = this.run.minutes !== undefined && !this.resume ? Math.max(0, this.run.minutes * 60 - elapsedSeconds) : Infinity;
    if (this.fittedSteps === undefined && budgetLeft !== Infinity) return budgetLeft;
    return Math.min(budgetLeft, Math.max(0, (elapsedSeconds / (step - this.firstStep)) * (this.#totalSteps - step)));
  }
}
