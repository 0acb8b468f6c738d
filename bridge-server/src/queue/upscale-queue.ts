/** The queue the upscale service submits to: one interface, an in-process implementation and a BullMQ one, chosen at start. */
import type { BridgeError } from '../errors.ts';
import type { UpscaleProgressHandler, UpscaleRequest, UpscaleResult } from '../upscale-job.ts';
import type { SubmittedJob } from './job-queue.ts';

/** Jobs of this bridge running and waiting right now. */
export interface QueueStats {
  running: number;
  queued: number;
}

/** How a drain ended: jobs that finished, were stopped, or were taken out of the queue unrun. */
export interface DrainOutcome {
  finished: number;
  stopped: number;
  unqueued: number;
}

/** Upscale jobs from many clients: fair, capped per client, cancellable, drained at shutdown. */
export interface UpscaleQueue {
  /** Queues a job; throws `queue_full`, `bad_request` (id in use) or `unavailable` (shutting down, queue backend down). */
  submit(clientId: string, jobId: string, request: UpscaleRequest, onProgress?: UpscaleProgressHandler): Promise<SubmittedJob<UpscaleResult>>;
  /** True when the client has a queued or running job with this id. */
  has(clientId: string, jobId: string): boolean;
  /** Cancels one job: a queued one is removed, a running one is told to stop. False when there is no such job. */
  cancel(clientId: string, jobId: string): boolean;
  /** Cancels every job of a client (it disconnected); returns how many there were. */
  cancelClient(clientId: string, reason?: () => BridgeError): number;
  /** This bridge's jobs running and waiting. */
  stats(): QueueStats;
  /** When the job started running (performance.now()), forgetting it; undefined when it never ran. */
  takeStart(clientId: string, jobId: string): number | undefined;
  /** Refuses new jobs, unqueues waiting ones, lets running ones finish for up to `timeoutMs`, then stops them. */
  drain(timeoutMs: number): Promise<DrainOutcome>;
  /** Refuses new jobs, cancels all of them and lets go of any connection. */
  close(): Promise<void>;
}
