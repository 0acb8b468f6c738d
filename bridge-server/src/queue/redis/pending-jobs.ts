/** The jobs a team bridge has submitted and not yet answered: by BullMQ id, by client and job id, and counted per client. */
import { performance } from 'node:perf_hooks';
import type { UpscaleProgressHandler, UpscaleResult } from '../../upscale-job.ts';
import type { QueueStats } from '../upscale-queue.ts';

/** One submitted job and how to answer its client. */
export interface PendingJob {
  clientId: string;
  jobId: string;
  bullId: string;
  model: string;
  /** A worker holds it now (false again when it went back to the queue). */
  running: boolean;
  onProgress?: UpscaleProgressHandler;
  resolve(value: UpscaleResult): void;
  reject(reason: unknown): void;
}

const keyOf = (clientId: string, jobId: string): string => `${clientId}\u0000${jobId}`;

/** Jobs waiting for their answer; a job leaves once, so it is answered once. */
export class PendingJobs {
  readonly #byBullId = new Map<string, PendingJob>();
  readonly #byClient = new Map<string, PendingJob>();
  readonly #perClient = new Map<string, number>();
  readonly #started = new Map<string, number>();

  add(job: PendingJob): void {
    this.#byBullId.set(job.bullId, job);
    this.#byClient.set(keyOf(job.clientId, job.jobId), job);
    this.#perClient.set(job.clientId, this.countOf(job.clientId) + 1);
  }

  /** Removes a job; false when it had left already. */
  forget(job: PendingJob): boolean {
    if (this.#byBullId.get(job.bullId) !== job) return false;
    this.#byBullId.delete(job.bullId);
    this.#byClient.delete(keyOf(job.clientId, job.jobId));
    const left = this.countOf(job.clientId) - 1;
    if (left > 0) this.#perClient.set(job.clientId, left);
    else this.#perClient.delete(job.clientId);
    return true;
  }

  /** True while the job is pending. */
  holds(job: PendingJob): boolean {
    return this.#byBullId.get(job.bullId) === job;
  }

  byBullId(bullId: string): PendingJob | undefined {
    return this.#byBullId.get(bullId);
  }

  of(clientId: string, jobId: string): PendingJob | undefined {
    return this.#byClient.get(keyOf(clientId, jobId));
  }

  /** Jobs the client has pending. */
  countOf(clientId: string): number {
    return this.#perClient.get(clientId) ?? 0;
  }

  list(): PendingJob[] {
    return [...this.#byBullId.values()];
  }

  /** Notes that a worker took the job (its first start counts for the queue-wait metric). */
  markRunning(job: PendingJob): void {
    job.running = true;
    const key = keyOf(job.clientId, job.jobId);
    if (!this.#started.has(key)) this.#started.set(key, performance.now());
  }

  /** When the job first started (performance.now()), forgetting it; undefined when it never ran. */
  takeStart(clientId: string, jobId: string): number | undefined {
    const key = keyOf(clientId, jobId);
    const started = this.#started.get(key);
    this.#started.delete(key);
    return started;
  }

  stats(): QueueStats {
    let running = 0;
    for (const job of this.#byBullId.values()) if (job.running) running++;
    return { running, queued: this.#byBullId.size - running };
  }
}
