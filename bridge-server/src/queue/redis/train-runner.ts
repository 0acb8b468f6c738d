/** Training runs of a team bridge carried out by `tsdsr worker --train` processes through a BullMQ queue. */
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { TrainKind } from '../../protocol/index.ts';
import type { TrainRunContext, TrainRunner, TrainRunOptions, TrainRunResult } from '../../training/index.ts';
import { CANCEL_CHANNEL, KEY_PREFIX, redisOptions, TRAIN_QUEUE, type RedisAddress } from './connection.ts';
import { listWorkers } from './workers.ts';

/** A training job's data in BullMQ. */
export interface TrainJobData {
  kind: TrainKind;
  options: TrainRunOptions;
}

/** A training job's progress event: one line the trainer logged. */
export interface TrainProgress {
  message: string;
}

/** How often a waiting bridge checks that Redis still holds its run. */
const LOST_CHECK_MS = 10_000;

interface PendingRun {
  ctx: TrainRunContext;
  resolve(result: TrainRunResult): void;
  reject(error: Error): void;
}

/** Sends each run to the `train` queue and waits for a worker to finish it; aborting the run stops it at a checkpoint. */
export class RedisTrainRunner implements TrainRunner {
  readonly #connection: RedisAddress;
  readonly #redis: Redis;
  readonly #queue: Queue;
  readonly #events: QueueEvents;
  readonly #runs = new Map<string, PendingRun>();

  constructor(url: string) {
    this.#connection = redisOptions(url);
    this.#redis = new Redis({ ...this.#connection, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.#queue = new Queue(TRAIN_QUEUE, { connection: { ...this.#connection, enableOfflineQueue: false }, prefix: KEY_PREFIX });
    this.#events = new QueueEvents(TRAIN_QUEUE, { connection: { ...this.#connection, maxRetriesPerRequest: null }, prefix: KEY_PREFIX, lastEventId: '0-0' });
    this.#redis.on('error', () => undefined);
    this.#queue.on('error', () => undefined);
    this.#events.on('error', () => undefined);
    this.#events.on('progress', ({ jobId, data }) => this.#runs.get(jobId)?.ctx.log((data as TrainProgress).message));
    this.#events.on('completed', ({ jobId, returnvalue }) => {
      const run = this.#take(jobId);
      run?.resolve((typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as TrainRunResult);
    });
    this.#events.on('failed', ({ jobId, failedReason }) => this.#take(jobId)?.reject(new Error(failedReason)));
  }

  async run(kind: TrainKind, options: TrainRunOptions, ctx: TrainRunContext): Promise<TrainRunResult> {
    const workers = await listWorkers(this.#redis);
    if (!workers.some((worker) => worker.train)) throw new Error('no worker takes training jobs; start `tsdsr worker --train` where the training data is');
    const bullId = randomUUID();
    const result = new Promise<TrainRunResult>((resolve, reject) => this.#runs.set(bullId, { ctx, resolve, reject }));
    const data: TrainJobData = { kind, options };
    await this.#queue.add('train', data, { jobId: bullId, attempts: 1, removeOnComplete: { age: 3600 }, removeOnFail: { age: 3600 } });
    ctx.signal.addEventListener('abort', () => void this.#stop(bullId), { once: true });
    const watch = setInterval(() => void this.#checkStillQueued(bullId), LOST_CHECK_MS);
    return result.finally(() => clearInterval(watch));
  }

  /** Fails a run Redis no longer has (it restarted without persistence), which would otherwise never end. */
  async #checkStillQueued(bullId: string): Promise<void> {
    const job = await this.#queue.getJob(bullId).catch(() => 'unknown' as const);
    if (job === undefined || job === null) this.#take(bullId)?.reject(new Error('the job queue (Redis) lost this run (restarted without persistence?); resume it'));
  }

  /** Removes a run still waiting; a running one is told to stop, and ends interrupted after its checkpoint. */
  async #stop(bullId: string): Promise<void> {
    try {
      if (await this.#queue.remove(bullId)) this.#take(bullId)?.resolve({ step: 0, interrupted: true });
      else await this.#redis.publish(CANCEL_CHANNEL, bullId);
    } catch (err) {
      this.#take(bullId)?.reject(new Error(`the job queue (Redis) failed while stopping the run: ${err instanceof Error ? err.message : String(err)}`));
    }
  }

  #take(bullId: string): PendingRun | undefined {
    const run = this.#runs.get(bullId);
    this.#runs.delete(bullId);
    return run;
  }

  async close(): Promise<void> {
    await Promise.all([this.#queue.close(), this.#events.close()]).catch(() => undefined);
    this.#redis.disconnect();
  }
}
