/** One training job: what was asked, the resolved run options, and where it is in its life. */
import type { TrainJobStatus, TrainKind, TrainState } from '../protocol/index.ts';
import { latestLoggedStep } from './progress.ts';

/** The run options a job passes to the trainer (paths already checked against the training roots). */
export interface JobRunOptions {
  data: string;
  out: string;
  vae?: string;
  teacher?: string;
  exportDir?: string;
  id?: string;
  style?: string;
  steps: number;
  batch?: number;
  cropSizePx?: number;
}

/** A training job and its mutable state; the manager owns its transitions. */
export class TrainingJob {
  state: TrainState = 'queued';
  readonly controller = new AbortController();
  readonly createdAt = new Date();
  startedAt?: Date;
  finishedAt?: Date;
  /** Step the job stopped at (set when it ends). */
  finalStep?: number;
  model?: string;
  error?: string;

  constructor(readonly id: string, readonly kind: TrainKind, readonly run: JobRunOptions) {}

  /** True while queued or running. */
  get active(): boolean {
    return this.state === 'queued' || this.state === 'running';
  }

  /** The job's status for `GET /v1/train/:id`, with step and losses read from its train.jsonl. */
  async status(now = Date.now()): Promise<TrainJobStatus> {
    const logged = this.state === 'queued' ? undefined : await latestLoggedStep(this.run.out);
    const step = this.finalStep ?? logged?.step ?? 0;
    const status: TrainJobStatus = {
      id: this.id, kind: this.kind, status: this.state, step, steps: this.run.steps, losses: logged?.losses ?? null,
      etaSeconds: this.#eta(step, now), outDir: this.run.out, createdAt: this.createdAt.toISOString(),
    };
    if (this.model !== undefined) status.model = this.model;
    if (this.error !== undefined) status.error = this.error;
    if (this.startedAt) status.startedAt = this.startedAt.toISOString();
    if (this.finishedAt) status.finishedAt = this.finishedAt.toISOString();
    return status;
  }

  #eta(step: number, now: number): number | null {
    if (this.state !== 'running' || !this.startedAt || step === 0) return null;
    const secondsPerStep = (now - this.startedAt.getTime()) / 1000 / step;
    return Math.max(0, secondsPerStep * (this.run.steps - step));
  }
}
