/** The job queue: a fixed number of workers, fair across clients, a per-client cap, and cancellation of queued and running jobs. */
import { BridgeError } from '../errors.ts';
import { FairSchedule } from './schedule.ts';
import { settleWithin } from './settle.ts';

/** The work of one job; it must stop soon after the signal aborts (the runtime checks before each tile batch). */
export type JobTask<T> = (signal: AbortSignal) => Promise<T>;

/** A submitted job: where it stands in the queue and how it ends. */
export interface SubmittedJob<T> {
  /** Queued jobs that will start before this one (0: it starts next, or already started). */
  position: number;
  /** Resolves with the task's value; rejects with the task's error or a BridgeError `cancelled`. */
  result: Promise<T>;
}

/** Queue settings. */
export interface JobQueueOptions {
  /** Jobs run at the same time (workers). */
  concurrency: number;
  /** Jobs one client may have queued or running; more are refused with `queue_full`. */
  maxJobsPerClient: number;
}

interface Job {
  clientId: string;
  jobId: string;
  task: JobTask<unknown>;
  controller: AbortController;
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

const keyOf = (clientId: string, jobId: string): string => `${clientId}\u0000${jobId}`;
const cancelledError = (): BridgeError => new BridgeError('cancelled', 'the job was cancelled');
const shutdownError = (): BridgeError => new BridgeError('unavailable', 'the server is shutting down');

/** Why an aborted job ended: the BridgeError it was aborted with (cancelled, or unavailable at shutdown). */
function abortReason(signal: AbortSignal): BridgeError {
  return signal.reason instanceof BridgeError ? signal.reason : cancelledError();
}

/** Runs jobs from many clients on a few workers. */
export class JobQueue {
  readonly #schedule = new FairSchedule<Job>();
  readonly #running = new Map<string, Job>();
  readonly #active = new Map<string, Set<string>>();
  /** The run of each running job, settled when it has answered. */
  readonly #runs = new Set<Promise<void>>();
  #closed = false;

  constructor(private readonly options: JobQueueOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RangeError('concurrency must be a positive integer');
  }

  /** Queues a job for a client; throws `queue_full` over the per-client cap and `bad_request` for an id already in use. */
  submit<T>(clientId: string, jobId: string, task: JobTask<T>): SubmittedJob<T> {
    if (this.#closed) throw new BridgeError('unavailable', 'the server is shutting down');
    const active = this.#active.get(clientId) ?? new Set<string>();
    if (active.has(jobId)) throw new BridgeError('bad_request', `job id '${jobId}' is already in use by one of your jobs`);
    if (active.size >= this.options.maxJobsPerClient) {
      throw new BridgeError('queue_full', `you already have ${active.size} jobs queued or running (the limit); wait for one to finish`);
    }
    let job!: Job;
    const result = new Promise<T>((resolve, reject) => {
      job = { clientId, jobId, task, controller: new AbortController(), resolve: resolve as (v: unknown) => void, reject };
    });
    this.#active.set(clientId, active.add(jobId));
    const position = this.#schedule.push(clientId, job);
    this.#pump();
    return { position: this.#running.get(keyOf(clientId, jobId)) ? 0 : position, result };
  }

  /** True when the client has a queued or running job with this id. */
  has(clientId: string, jobId: string): boolean {
    return this.#active.get(clientId)?.has(jobId) ?? false;
  }

  /** Cancels one job: a queued one is removed, a running one is aborted. Returns false when there is no such job. */
  cancel(clientId: string, jobId: string): boolean {
    const queued = this.#schedule.remove(clientId, (j) => j.jobId === jobId);
    if (queued) {
      this.#finish(queued);
      queued.reject(cancelledError());
      return true;
    }
    const running = this.#running.get(keyOf(clientId, jobId));
    if (!running) return false;
    running.controller.abort(cancelledError());
    return true;
  }

  /** Cancels every job of a client (it disconnected); returns how many there were. */
  cancelClient(clientId: string, reason: () => BridgeError = cancelledError): number {
    const queued = this.#schedule.drain(clientId);
    for (const job of queued) {
      this.#finish(job);
      job.reject(reason());
    }
    let running = 0;
    for (const job of this.#running.values()) {
      if (job.clientId !== clientId) continue;
      job.controller.abort(reason());
      running++;
    }
    return queued.length + running;
  }

  /** Jobs running and waiting right now. */
  stats(): { running: number; queued: number } {
    return { running: this.#running.size, queued: this.#schedule.size };
  }

  /**
   * Shuts down gently: refuses new jobs, answers queued ones `unavailable`, lets running ones finish for up to
   * `timeoutMs`, then stops those still running (they end `unavailable` too). Resolves once every job has answered.
   */
  async drain(timeoutMs: number): Promise<{ finished: number; stopped: number; unqueued: number }> {
    this.#closed = true;
    let unqueued = 0;
    for (const clientId of [...this.#active.keys()]) {
      for (const job of this.#schedule.drain(clientId)) {
        this.#finish(job);
        job.reject(shutdownError());
        unqueued++;
      }
    }
    const running = [...this.#runs];
    const outcome = await settleWithin(running, timeoutMs);
    let stopped = 0;
    if (outcome === 'timeout') {
      for (const job of this.#running.values()) {
        job.controller.abort(shutdownError());
        stopped++;
      }
      await Promise.all([...this.#runs]);
    }
    return { finished: running.length - stopped, stopped, unqueued };
  }

  /** Refuses new jobs and cancels all queued and running ones. */
  close(): void {
    this.#closed = true;
    const clients = new Set([...this.#active.keys()]);
    for (const clientId of clients) this.cancelClient(clientId, shutdownError);
  }

  #pump(): void {
    while (this.#running.size < this.options.concurrency) {
      const next = this.#schedule.take();
      if (!next) return;
      const run = this.#run(next.item);
      this.#runs.add(run);
      void run.finally(() => this.#runs.delete(run));
    }
  }

  async #run(job: Job): Promise<void> {
    const key = keyOf(job.clientId, job.jobId);
    this.#running.set(key, job);
    try {
      const value = await job.task(job.controller.signal);
      if (job.controller.signal.aborted) job.reject(abortReason(job.controller.signal));
      else job.resolve(value);
    } catch (err) {
      job.reject(job.controller.signal.aborted ? abortReason(job.controller.signal) : err);
    } finally {
      this.#running.delete(key);
      this.#finish(job);
      this.#pump();
    }
  }

  #finish(job: Job): void {
    const active = this.#active.get(job.clientId);
    active?.delete(job.jobId);
    if (active && active.size > 0) return;
    this.#active.delete(job.clientId);
    this.#schedule.forget(job.clientId);
  }
}
