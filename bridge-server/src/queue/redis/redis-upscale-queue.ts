/** The BullMQ upscale queue of a team bridge (`tsdsr serve --queue redis://…`): jobs go to Redis, `tsdsr worker`s run them, results come back here. */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { BridgeError } from '../../errors.ts';
import { isErrorCode } from '../../protocol/index.ts';
import type { UpscaleProgress, UpscaleProgressHandler, UpscaleRequest, UpscaleResult } from '../../upscale-job.ts';
import type { SubmittedJob } from '../job-queue.ts';
import { settleWithin } from '../settle.ts';
import type { DrainOutcome, QueueStats, UpscaleQueue } from '../upscale-queue.ts';
import {
  type RedisAddress, BYTES_TTL_MS, CANCEL_CHANNEL, KEY_PREFIX, MAX_QUEUE_IMAGE_BYTES, cancelKey, decodeFailure, displayUrl, imageKey, redisOptions, resultKey,
  upscaleQueueName,
} from './connection.ts';
import type { UpscaleJobData, UpscaleJobReturn } from './job-data.ts';
import { PendingJobs, type PendingJob } from './pending-jobs.ts';
import { listWorkers } from './workers.ts';

/** Settings of the BullMQ queue. */
export interface RedisQueueOptions {
  /** `redis://host:port/db`. */
  url: string;
  /** Jobs one client may have queued or running on this bridge; more are refused with `queue_full`. */
  maxJobsPerClient: number;
  /** Largest image a job carries through Redis (default MAX_QUEUE_IMAGE_BYTES). */
  maxImageBytes?: number;
  /** Milliseconds to wait for Redis to accept a job before answering `unavailable` (default 5000). */
  submitTimeoutMs?: number;
  /** Logs recoveries and lost jobs. */
  log?: (message: string) => void;
}

const cancelledError = (): BridgeError => new BridgeError('cancelled', 'the job was cancelled');
const shutdownError = (): BridgeError => new BridgeError('unavailable', 'the server is shutting down');
const WORKER_CACHE_MS = 1_000;
/** A reconciliation after an outage is tried this many times, this far apart, while the connections come back. */
const RECONCILE_ATTEMPTS = 60;
const RECONCILE_RETRY_MS = 500;

/** Submits jobs to BullMQ queues (one per model) and relays their progress and results to the submitting client. */
export class RedisUpscaleQueue implements UpscaleQueue {
  readonly #options: Required<Omit<RedisQueueOptions, 'log'>> & Pick<RedisQueueOptions, 'log'>;
  readonly #connection: RedisAddress;
  readonly #redis: Redis;
  readonly #queues = new Map<string, { queue: Queue; events: QueueEvents }>();
  readonly #jobs = new PendingJobs();
  #workers: { at: number; models: Set<string> } | undefined;
  #closed = false;

  private constructor(options: RedisQueueOptions) {
    this.#options = { maxImageBytes: MAX_QUEUE_IMAGE_BYTES, submitTimeoutMs: 5_000, ...options };
    this.#connection = redisOptions(options.url);
    this.#redis = new Redis({ ...this.#connection, enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: (times) => Math.min(times * 200, 2_000) });
    this.#redis.on('error', () => undefined);
    let lost = false;
    this.#redis.on('close', () => {
      if (!lost && !this.#closed) this.#options.log?.(`lost Redis at ${displayUrl(options.url)}; new jobs are answered unavailable until it is back`);
      lost = true;
    });
    this.#redis.on('ready', () => {
      if (!lost) return;
      lost = false;
      this.#options.log?.(`Redis at ${displayUrl(options.url)} is back`);
      void this.#reconcile();
    });
  }

  /** Connects to Redis; throws when it does not answer, so `tsdsr serve` fails at start rather than at the first job. */
  static async connect(options: RedisQueueOptions): Promise<RedisUpscaleQueue> {
    const queue = new RedisUpscaleQueue(options);
    try {
      await withTimeout(new Promise<void>((resolve, reject) => {
        queue.#redis.once('ready', () => resolve());
        queue.#redis.once('error', (err) => reject(err));
      }), 10_000, 'no answer in 10 s');
    } catch (err) {
      await queue.close();
      throw new Error(`the queue at ${displayUrl(options.url)} cannot be reached: ${err instanceof Error ? err.message : String(err)}`);
    }
    return queue;
  }

  async submit(clientId: string, jobId: string, request: UpscaleRequest, onProgress?: UpscaleProgressHandler): Promise<SubmittedJob<UpscaleResult>> {
    if (this.#closed) throw shutdownError();
    if (this.#jobs.of(clientId, jobId)) throw new BridgeError('bad_request', `job id '${jobId}' is already in use by one of your jobs`);
    const active = this.#jobs.countOf(clientId);
    if (active >= this.#options.maxJobsPerClient) {
      throw new BridgeError('queue_full', `you already have ${active} jobs queued or running (the limit); wait for one to finish`);
    }
    if (request.bytes.length > this.#options.maxImageBytes) {
      throw new BridgeError('body_too_large', `the image is ${mib(request.bytes.length)}; a team bridge passes at most ${mib(this.#options.maxImageBytes)} through its queue`);
    }
    if (this.#redis.status !== 'ready') throw new BridgeError('unavailable', 'the job queue (Redis) cannot be reached; try again shortly');
    let job!: PendingJob;
    const result = new Promise<UpscaleResult>((resolve, reject) => {
      job = { clientId, jobId, bullId: randomUUID(), model: request.model, running: false, onProgress, resolve, reject };
    });
    this.#jobs.add(job);
    try {
      const position = await withTimeout(this.#enqueue(job, request, active + 1), this.#options.submitTimeoutMs, 'Redis did not answer in time');
      if (!this.#jobs.holds(job)) void this.#withdraw(job); // cancelled while it was being added
      return { position, result };
    } catch (err) {
      this.#jobs.forget(job);
      void this.#withdraw(job); // it may have reached Redis after all: no worker should run it
      if (err instanceof BridgeError) throw err;
      throw new BridgeError('unavailable', `the job queue (Redis) failed: ${err instanceof Error ? err.message : String(err)}; try again shortly`);
    }
  }

  /** Stores the image and adds the job; the priority is the client's count of jobs, so one client's backlog does not hold up another's first job. */
  async #enqueue(job: PendingJob, request: UpscaleRequest, clientJobs: number): Promise<number> {
    await this.#checkWorkers(request.model);
    const { queue } = await this.#queueOf(request.model);
    const waiting = await queue.count();
    await this.#redis.set(imageKey(job.bullId), Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength), 'PX', BYTES_TTL_MS);
    const data: UpscaleJobData = { client: job.clientId, id: job.jobId, model: request.model, scale: request.scale, tile: request.tile, colorFix: request.colorFix };
    await queue.add('upscale', data, {
      jobId: job.bullId,
      priority: Math.min(clientJobs, 2_000_000),
      attempts: 1,
      removeOnComplete: { age: 600, count: 1000 },
      removeOnFail: { age: 600, count: 1000 },
    });
    return waiting;
  }

  /** Throws `unavailable` when no live worker holds the model (the job would wait forever). */
  async #checkWorkers(model: string): Promise<void> {
    const now = performance.now();
    if (!this.#workers || now - this.#workers.at > WORKER_CACHE_MS || !this.#workers.models.has(model)) {
      const workers = await listWorkers(this.#redis);
      this.#workers = { at: now, models: new Set(workers.flatMap((w) => w.models)) };
    }
    if (!this.#workers.models.has(model)) {
      throw new BridgeError('unavailable', `no worker serving model ${model} is running; start \`tsdsr worker\` on a machine that holds it`);
    }
  }

  async #queueOf(model: string): Promise<{ queue: Queue; events: QueueEvents }> {
    const known = this.#queues.get(model);
    if (known) return known;
    const name = upscaleQueueName(model);
    const queue = new Queue(name, { connection: { ...this.#connection, enableOfflineQueue: false }, prefix: KEY_PREFIX });
    // From the stream's start, not from "now": a job added before the first read must not finish unheard (old events name
    // jobs this bridge does not know and are ignored).
    const events = new QueueEvents(name, { connection: { ...this.#connection, maxRetriesPerRequest: null }, prefix: KEY_PREFIX, lastEventId: '0-0' });
    queue.on('error', () => undefined);
    events.on('error', () => undefined);
    events.on('active', ({ jobId }) => this.#onActive(jobId));
    events.on('progress', ({ jobId, data }) => this.#jobs.byBullId(jobId)?.onProgress?.(data as UpscaleProgress));
    events.on('completed', ({ jobId, returnvalue }) => void this.#onCompleted(jobId, returnvalue));
    events.on('failed', ({ jobId, failedReason }) => this.#onFailed(jobId, failedReason));
    const backInQueue = (bullId: string): void => {
      const job = this.#jobs.byBullId(bullId);
      if (job) job.running = false;
    };
    events.on('stalled', ({ jobId }) => backInQueue(jobId));
    events.on('waiting', ({ jobId }) => backInQueue(jobId));
    const entry = { queue, events };
    this.#queues.set(model, entry);
    await events.waitUntilReady();
    return entry;
  }

  #onActive(bullId: string): void {
    const job = this.#jobs.byBullId(bullId);
    if (job && !job.running) this.#jobs.markRunning(job);
  }

  /** Relays a result once: the job leaves the maps before the first await, so a second report of it finds nothing. */
  async #onCompleted(bullId: string, returnvalue: unknown): Promise<void> {
    const job = this.#jobs.byBullId(bullId);
    if (!job) return;
    this.#jobs.forget(job);
    try {
      const value = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as UpscaleJobReturn;
      const png = await this.#redis.getBuffer(resultKey(bullId));
      void this.#redis.del(resultKey(bullId), imageKey(bullId)).catch(() => undefined);
      if (!png) throw new BridgeError('internal', 'the worker finished the job but its result is gone from Redis');
      job.resolve({ ...value, png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength) });
    } catch (err) {
      job.reject(err instanceof BridgeError ? err : new BridgeError('unavailable', `the result could not be read from Redis: ${String(err)}`));
    }
  }

  #onFailed(bullId: string, reason: string): void {
    const job = this.#jobs.byBullId(bullId);
    if (!job) return;
    this.#jobs.forget(job);
    void this.#redis.del(imageKey(bullId), resultKey(bullId)).catch(() => undefined);
    const { code, message } = decodeFailure(reason);
    job.reject(new BridgeError(isErrorCode(code) ? code : 'internal', message));
  }

  /**
   * After an outage: jobs Redis no longer has (it restarted without persistence) end `unavailable`; ends missed meanwhile
   * are relayed. Tried again while the queues' own connections are still coming back.
   */
  async #reconcile(attempt = 0): Promise<void> {
    for (const job of this.#jobs.list()) {
      if (this.#closed) return;
      try {
        const { queue } = await this.#queueOf(job.model);
        const found = await queue.getJob(job.bullId);
        if (!found) {
          this.#jobs.forget(job);
          this.#options.log?.(`job ${job.jobId} of ${job.clientId} was lost by Redis (restarted without persistence?)`);
          job.reject(new BridgeError('unavailable', 'the job queue (Redis) restarted and lost this job; submit it again'));
          continue;
        }
        const state = await found.getState();
        if (state === 'completed') await this.#onCompleted(job.bullId, found.returnvalue);
        else if (state === 'failed') this.#onFailed(job.bullId, found.failedReason);
      } catch {
        if (attempt < RECONCILE_ATTEMPTS) setTimeout(() => void this.#reconcile(attempt + 1), RECONCILE_RETRY_MS).unref();
        return;
      }
    }
  }

  has(clientId: string, jobId: string): boolean {
    return this.#jobs.of(clientId, jobId) !== undefined;
  }

  cancel(clientId: string, jobId: string, reason: () => BridgeError = cancelledError): boolean {
    const job = this.#jobs.of(clientId, jobId);
    if (!job) return false;
    this.#jobs.forget(job);
    job.reject(reason());
    void this.#withdraw(job);
    return true;
  }

  /** Takes a job out of Redis: removed when still waiting, otherwise flagged and announced so its worker stops at the next tile. */
  async #withdraw(job: PendingJob): Promise<void> {
    try {
      await this.#redis.set(cancelKey(job.bullId), '1', 'PX', BYTES_TTL_MS);
      await this.#redis.publish(CANCEL_CHANNEL, job.bullId);
      const entry = this.#queues.get(job.model);
      if (entry && !job.running) await entry.queue.remove(job.bullId);
      await this.#redis.del(imageKey(job.bullId));
    } catch {
      // Redis is down: the worker finds no image or the cancel flag, and the bytes expire
    }
  }

  cancelClient(clientId: string, reason: () => BridgeError = cancelledError): number {
    let count = 0;
    for (const job of this.#jobs.list()) {
      if (job.clientId !== clientId) continue;
      this.cancel(clientId, job.jobId, reason);
      count++;
    }
    return count;
  }

  stats(): QueueStats {
    return this.#jobs.stats();
  }

  takeStart(clientId: string, jobId: string): number | undefined {
    return this.#jobs.takeStart(clientId, jobId);
  }

  async drain(timeoutMs: number): Promise<DrainOutcome> {
    this.#closed = true;
    const queued = this.#jobs.list().filter((job) => !job.running);
    for (const job of queued) this.cancel(job.clientId, job.jobId, shutdownError);
    const running = this.#jobs.list();
    const ends = running.map((job) => new Promise<void>((resolve) => {
      const { resolve: done, reject: failed } = job;
      job.resolve = (value) => { done(value); resolve(); };
      job.reject = (reason) => { failed(reason); resolve(); };
    }));
    const outcome = await settleWithin(ends, timeoutMs);
    let stopped = 0;
    if (outcome === 'timeout') {
      for (const job of this.#jobs.list()) {
        this.cancel(job.clientId, job.jobId, shutdownError);
        stopped++;
      }
    }
    return { finished: running.length - stopped, stopped, unqueued: queued.length };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#jobs.list()) this.cancel(job.clientId, job.jobId, shutdownError);
    const closing = Promise.all([...this.#queues.values()].flatMap(({ queue, events }) => [queue.close(), events.close()]));
    await withTimeout(closing, 5_000, 'Redis did not answer').catch(() => undefined); // Redis down: do not hang the shutdown
    this.#queues.clear();
    this.#redis.disconnect();
  }
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
