/** The in-process upscale queue: the bridge's own JobQueue running jobs on this machine (no `--queue`). */
import { performance } from 'node:perf_hooks';
import type { BridgeError } from '../errors.ts';
import type { UpscaleExecutor, UpscaleProgressHandler, UpscaleRequest, UpscaleResult } from '../upscale-job.ts';
import { JobQueue, type JobQueueOptions, type SubmittedJob } from './job-queue.ts';
import type { DrainOutcome, QueueStats, UpscaleQueue } from './upscale-queue.ts';

const keyOf = (clientId: string, jobId: string): string => `${clientId}\u0000${jobId}`;

/** Runs upscale jobs with `run` on this machine's job queue. */
export class LocalUpscaleQueue implements UpscaleQueue {
  readonly #queue: JobQueue;
  readonly #started = new Map<string, number>();

  constructor(options: JobQueueOptions, private readonly run: UpscaleExecutor) {
    this.#queue = new JobQueue(options);
  }

  async submit(clientId: string, jobId: string, request: UpscaleRequest, onProgress?: UpscaleProgressHandler): Promise<SubmittedJob<UpscaleResult>> {
    return this.#queue.submit(clientId, jobId, (signal) => {
      this.#started.set(keyOf(clientId, jobId), performance.now());
      return this.run(request, signal, onProgress);
    });
  }

  has(clientId: string, jobId: string): boolean {
    return this.#queue.has(clientId, jobId);
  }

  cancel(clientId: string, jobId: string): boolean {
    return this.#queue.cancel(clientId, jobId);
  }

  cancelClient(clientId: string, reason?: () => BridgeError): number {
    return this.#queue.cancelClient(clientId, reason);
  }

  stats(): QueueStats {
    return this.#queue.stats();
  }

  takeStart(clientId: string, jobId: string): number | undefined {
    const key = keyOf(clientId, jobId);
    const started = this.#started.get(key);
    this.#started.delete(key);
    return started;
  }

  drain(timeoutMs: number): Promise<DrainOutcome> {
    return this.#queue.drain(timeoutMs);
  }

  async close(): Promise<void> {
    this.#queue.close();
  }
}
