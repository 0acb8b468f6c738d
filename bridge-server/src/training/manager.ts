/** The training job manager: validates requests against the training roots, runs one job at a time, registers trained models. */
import { randomUUID } from 'node:crypto';
import { mkdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { DeviceChoice } from '../../../models/runtime/index.ts';
import type { RunOptions } from '../../../trainer/src/index.ts';
import { idFromName } from '../cli/train-style.ts';
import { BridgeError } from '../errors.ts';
import { MAX_QUEUED_TRAINING_JOBS, type TrainJobStatus, type TrainRequest } from '../protocol/index.ts';
import type { ModelRegistry } from '../registry.ts';
import { TrainingJob, type JobRunOptions } from './job.ts';
import { loadTrainer, localTrainRunner, type TrainRunner, type TrainRunResult } from './runner.ts';
import { requestRunOptions, type CheckedPaths } from './request-options.ts';
import { checkTrainingPath, resolveRoots, type TrainingRoots } from './roots.ts';

/** How the manager is set up. */
export interface TrainingManagerOptions {
  /** Folders training data and teachers may come from; none: training is disabled. */
  roots: readonly string[];
  /** Where job outputs go (`<workDir>/<job id>`); vae/teacher outputs there may be used by later jobs. */
  workDir: string;
  /** Where tsd jobs export their model (`<modelsDir>/<model id>`). */
  modelsDir: string;
  registry: ModelRegistry;
  /** Device the runs use (default cpu, as `tsdsr train`). */
  device?: DeviceChoice;
  /** Run options applied under every request (e.g. `workers`, `loraRank`; tests use tiny settings). */
  runDefaults?: Partial<RunOptions>;
  log?: (message: string) => void;
  /** Carries out the runs (default: the trainer on this machine; a team bridge: `tsdsr worker --train` through Redis). */
  runner?: TrainRunner;
}

/** The model a `style` job starts from unless `fromModel` names another (as `tsdsr train style`). */
const DEFAULT_STYLE_START = 'tsdsr-fast';

/** A copy without the undefined fields, so they do not override the run's defaults. */
function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The trainer's message when a time budget has fixed the run's step count (`time budget 10:00: 1234 steps at …`). */
const FITTED_STEPS = /^time budget \S+: (\d+) steps\b/;

/** The trainer's messages with the CLI's `--resume` advice replaced by this API's way to resume. */
function forRestClients(message: string, jobId: string): string {
  return message.replace(/continue with --resume$/, `resume with POST /v1/train/${jobId}/resume`);
}

/** Runs training jobs one at a time, queueing up to MAX_QUEUED_TRAINING_JOBS behind the running one. */
export class TrainingManager {
  readonly #jobs = new Map<string, TrainingJob>();
  #running?: Promise<void>;
  #closed = false;

  private constructor(private readonly options: TrainingManagerOptions, private readonly roots: TrainingRoots, private readonly workRoots: TrainingRoots) {}

  /** Resolves the roots (each must exist) and creates the work folder. */
  static async create(options: TrainingManagerOptions): Promise<TrainingManager> {
    const roots = await resolveRoots(options.roots);
    await mkdir(options.workDir, { recursive: true });
    const work = await resolveRoots([options.workDir]);
    return new TrainingManager(options, roots, { given: [...roots.given, ...work.given], real: [...roots.real, ...work.real] });
  }

  /** True when at least one training root is configured. */
  get enabled(): boolean {
    return this.roots.real.length > 0;
  }

  /** Checks a request and queues it; throws training_disabled, bad_request, forbidden_path, model_exists or busy. */
  async submit(request: TrainRequest): Promise<TrainingJob> {
    if (!this.enabled) throw new BridgeError('training_disabled', 'training is disabled on this server: start it with --train-root <dir> to allow training on data under <dir>');
    if (this.#closed) throw new BridgeError('unavailable', 'the server is shutting down');
    const id = `train-${randomUUID().slice(0, 8)}`;
    const run = await this.#runOptions(id, request);
    if (this.#queued().length >= MAX_QUEUED_TRAINING_JOBS) {
      throw new BridgeError('busy', `a training job is running and ${MAX_QUEUED_TRAINING_JOBS} more are queued; try again later or cancel one`);
    }
    const job = new TrainingJob(id, request.kind, run);
    this.#jobs.set(id, job);
    this.#pump();
    return job;
  }

  async #runOptions(id: string, request: TrainRequest): Promise<JobRunOptions> {
    const { kind } = request;
    if (kind === 'teacher' && request.vae === undefined) throw new BridgeError('bad_request', 'a teacher job needs vae (the folder a vae job wrote)');
    if (kind === 'tsd' && request.teacher === undefined && request.fromModel === undefined) {
      throw new BridgeError('bad_request', 'a tsd job needs teacher (the folder a teacher job wrote) or fromModel (a model to train further)');
    }
    if (request.teacher !== undefined && request.fromModel !== undefined) throw new BridgeError('bad_request', 'give teacher or fromModel, not both');
    const fromModel = request.fromModel ?? (kind === 'style' ? DEFAULT_STYLE_START : undefined);
    const paths: CheckedPaths = {
      data: await checkTrainingPath('data', request.data, this.roots),
      out: join(this.options.workDir, id),
      vae: request.vae === undefined ? undefined : await checkTrainingPath('vae', request.vae, this.workRoots),
      teacher: request.teacher === undefined ? undefined : await checkTrainingPath('teacher', request.teacher, this.workRoots),
      initStudent: request.initStudent === undefined ? undefined : await checkTrainingPath('initStudent', request.initStudent, this.workRoots),
      fromModel: fromModel === undefined ? undefined : await this.#modelDir(fromModel),
      fromLabel: fromModel,
    };
    if (kind === 'tsd' || kind === 'style') {
      const modelId = request.id ?? (kind === 'style' && request.name !== undefined ? idFromName(request.name) : `tsdsr-${id}`);
      await this.#checkModelIdFree(modelId);
      paths.model = { id: modelId, dir: join(this.options.modelsDir, modelId) };
    }
    const run = requestRunOptions(request, paths);
    const { BUDGET_STEP_CAP, RUN_DEFAULTS, STYLE_DEFAULTS } = await loadTrainer();
    const minutes = run.minutes ?? (kind === 'style' ? STYLE_DEFAULTS.minutes : undefined);
    // with a time budget and no step count, the budget alone sets the run's length (as on the command line)
    const defaultSteps = minutes !== undefined ? BUDGET_STEP_CAP : RUN_DEFAULTS[kind === 'style' ? 'tsd' : kind].steps;
    return { ...run, ...(minutes === undefined ? {} : { minutes }), steps: run.steps ?? this.options.runDefaults?.steps ?? defaultSteps };
  }

  /** `fromModel`'s folder: a model id the registry lists, or an absolute path under the roots or the training folder. */
  async #modelDir(fromModel: string): Promise<string> {
    if (isAbsolute(fromModel)) return checkTrainingPath('fromModel', fromModel, this.workRoots);
    return (await this.options.registry.find(fromModel)).dir;
  }

  /** Throws model_exists when the id is installed, being trained by another active job, or its folder exists. */
  async #checkModelIdFree(modelId: string): Promise<void> {
    const taken = this.options.registry.list().some((entry) => entry.manifest.id === modelId)
      || [...this.#jobs.values()].some((job) => job.active && job.run.id === modelId)
      || (await stat(join(this.options.modelsDir, modelId)).then(() => true, () => false));
    if (taken) throw new BridgeError('model_exists', `a model with id ${modelId} already exists (or is being trained); choose another id`);
  }

  /** The job with this id; throws unknown_job. */
  get(id: string): TrainingJob {
    const job = this.#jobs.get(id);
    if (!job) throw new BridgeError('unknown_job', `no training job with id '${id}'`);
    return job;
  }

  /** Status of every job, oldest first. */
  async list(): Promise<TrainJobStatus[]> {
    return Promise.all([...this.#jobs.values()].map((job) => job.status()));
  }

  /** Cancels a job: a queued one ends at once; a running one checkpoints after its current step, then ends `cancelled`. */
  cancel(id: string): TrainingJob {
    const job = this.get(id);
    if (job.state === 'queued') this.#finish(job, 'cancelled');
    else if (job.state === 'running') job.controller.abort();
    return job;
  }

  /**
   * Queues a cancelled job again: it continues from the checkpoint its cancellation saved (as `tsdsr train --resume`
   * with the same options and output folder), or starts over when it was cancelled before its first step.
   * Throws unknown_job, bad_request (the job is not cancelled), model_exists or busy.
   */
  async resume(id: string): Promise<TrainingJob> {
    const job = this.get(id);
    if (this.#closed) throw new BridgeError('unavailable', 'the server is shutting down');
    if (job.state !== 'cancelled') throw new BridgeError('bad_request', `training job ${id} is ${job.state}; only a cancelled job can be resumed`);
    if (job.run.id !== undefined) await this.#checkModelIdFree(job.run.id);
    if (this.#queued().length >= MAX_QUEUED_TRAINING_JOBS) {
      throw new BridgeError('busy', `a training job is running and ${MAX_QUEUED_TRAINING_JOBS} more are queued; try again later or cancel one`);
    }
    const { checkpointDir, CHECKPOINT_FILES } = await loadTrainer();
    job.resume = await stat(join(checkpointDir(job.run.out), CHECKPOINT_FILES.meta)).then(() => true, () => false);
    job.controller = new AbortController();
    job.state = 'queued';
    job.finishedAt = undefined;
    this.#jobs.delete(id); // to the back of the queue, which runs in insertion order
    this.#jobs.set(id, job);
    this.#pump();
    return job;
  }

  /** Cancels every job and waits for the running one to checkpoint and stop. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#jobs.values()) if (job.active) this.cancel(job.id);
    await this.#running;
    await this.options.runner?.close?.();
  }

  #queued(): TrainingJob[] {
    return [...this.#jobs.values()].filter((job) => job.state === 'queued');
  }

  #pump(): void {
    if (this.#running) return;
    const next = this.#queued()[0];
    if (!next) return;
    this.#running = this.#execute(next).finally(() => {
      this.#running = undefined;
      this.#pump();
    });
  }

  async #execute(job: TrainingJob): Promise<void> {
    job.state = 'running';
    job.startedAt = new Date();
    job.firstStep = job.resume ? (job.finalStep ?? 0) : 0;
    job.finalStep = undefined;
    try {
      const result = await this.#train(job);
      job.finalStep = result.step;
      if (result.interrupted) return this.#finish(job, 'cancelled');
      if (result.modelDir !== undefined) job.model = await this.#listModel(result.modelDir);
      this.#finish(job, 'done');
    } catch (err) {
      job.error = err instanceof Error ? err.message : String(err);
      this.options.log?.(`training job ${job.id} failed: ${job.error}`);
      this.#finish(job, 'failed');
    }
  }

  async #train(job: TrainingJob): Promise<TrainRunResult> {
    const options = { ...this.options.runDefaults, device: this.options.device ?? 'cpu', ...definedOnly(job.run), resume: job.resume };
    const log = (message: string): void => {
      const fitted = FITTED_STEPS.exec(message);
      if (fitted) job.fittedSteps = Number(fitted[1]);
      this.options.log?.(`training job ${job.id}: ${forRestClients(message, job.id)}`);
    };
    const result = await (this.options.runner ?? localTrainRunner).run(job.kind, options, { log, signal: job.controller.signal });
    if (result.heldOut) job.heldOut = result.heldOut;
    if (result.scores) job.scores = result.scores;
    return result;
  }

  /**
   * Lists a job's exported model at once. The export lies in a models root, so a rescan (a client asking for the
   * model list meanwhile) may have listed it already: that is success too.
   */
  async #listModel(modelDir: string): Promise<string> {
    const dir = await realpath(modelDir);
    try {
      return (await this.options.registry.register(dir)).manifest.id;
    } catch (err) {
      const listed = this.options.registry.list().find((entry) => entry.dir === dir);
      if (listed) return listed.manifest.id;
      throw err;
    }
  }

  #finish(job: TrainingJob, state: 'done' | 'failed' | 'cancelled'): void {
    job.state = state;
    job.finishedAt = new Date();
  }
}
