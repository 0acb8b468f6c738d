/** The worker side of the team queue (`tsdsr worker`): takes upscale jobs of the models it holds from BullMQ and runs them with the bridge's runtime. */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { WaitingError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { DeviceChoice } from '../../../../models/runtime/index.ts';
import { BridgeError, toBridgeError } from '../../errors.ts';
import { DEFAULT_MAX_INPUT_PIXELS, DEFAULT_MAX_OUTPUT_PIXELS } from '../../protocol/index.ts';
import type { ModelRegistry } from '../../registry.ts';
import type { BridgeRuntime } from '../../runtime.ts';
import { upscaleExecutor, type UpscaleExecutor } from '../../upscale-job.ts';
import {
  type RedisAddress, BYTES_TTL_MS, CANCEL_CHANNEL, KEY_PREFIX, MAX_QUEUE_IMAGE_BYTES, cancelKey, displayUrl, encodeFailure, imageKey, redisOptions, resultKey,
  upscaleQueueName,
} from './connection.ts';
import type { UpscaleJobData, UpscaleJobReturn } from './job-data.ts';
import { TrainWorker } from './train-worker.ts';
import { register, unregister, type WorkerRegistration } from './workers.ts';

/** Settings of a worker. */
export interface UpscaleWorkerOptions {
  /** `redis://host:port/db`, the same address the bridges use. */
  url: string;
  registry: ModelRegistry;
  runtime: BridgeRuntime;
  device: DeviceChoice;
  /** Jobs run at the same time, all models together (default 1). */
  concurrency?: number;
  /** BullMQ's lock on a running job, renewed at half this; a worker silent this long counts as dead (default 30 000 ms). */
  lockDurationMs?: number;
  /** How often stalled jobs (their worker died) are looked for and put back (default 30 000 ms). */
  stalledIntervalMs?: number;
  /** How often the worker renews its registration, which lives three times this (default 5 000 ms). */
  heartbeatMs?: number;
  /** Largest result PNG passed back through Redis (default MAX_QUEUE_IMAGE_BYTES). */
  maxResultBytes?: number;
  /** Take training runs too (`--train`), one at a time, beside the upscale jobs. */
  train?: boolean;
  /** Logs jobs and connection trouble. */
  log?: (message: string) => void;
}

/** A repeated connection problem is logged at most this often. */
const TROUBLE_LOG_MS = 30_000;
const cancelledError = (): BridgeError => new BridgeError('cancelled', 'the job was cancelled');

/** Runs the models of one registry for every bridge on the queue. */
export class UpscaleWorker {
  /** This worker's id in its registration. */
  readonly id = `${hostname()}.${process.pid}.${randomUUID().slice(0, 8)}`;
  readonly #options: UpscaleWorkerOptions;
  readonly #connection: RedisAddress;
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #workers: Worker<UpscaleJobData, UpscaleJobReturn>[] = [];
  readonly #running = new Map<string, AbortController>();
  /** Jobs holding one of the `concurrency` slots (running, or about to). */
  #busy = 0;
  readonly #execute: UpscaleExecutor;
  readonly #registration: WorkerRegistration;
  #heartbeat: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  /** Stopping now: running jobs are stopped at their next tile and go back to the queue. */
  #stopping = false;
  #trainer: TrainWorker | undefined;
  readonly #troubleLogged = new Map<string, number>();

  private constructor(options: UpscaleWorkerOptions) {
    this.#options = options;
    this.#connection = redisOptions(options.url);
    const reconnecting = { ...this.#connection, maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(times * 200, 2_000) };
    this.#redis = new Redis(reconnecting);
    this.#subscriber = new Redis(reconnecting);
    for (const client of [this.#redis, this.#subscriber]) client.on('error', () => undefined);
    this.#execute = upscaleExecutor({
      runtime: options.runtime, registry: options.registry, device: options.device,
      limits: { maxInputPixels: DEFAULT_MAX_INPUT_PIXELS, maxOutputPixels: DEFAULT_MAX_OUTPUT_PIXELS },
    });
    this.#registration = {
      id: this.id, host: hostname(), pid: process.pid, device: options.device, models: options.registry.list().map((entry) => entry.manifest.id),
      concurrency: options.concurrency ?? 1, train: options.train ?? false, startedAt: new Date().toISOString(),
    };
  }

  /** Connects, registers the worker's models and device, and starts taking jobs. */
  static async start(options: UpscaleWorkerOptions): Promise<UpscaleWorker> {
    const worker = new UpscaleWorker(options);
    await worker.#start();
    return worker;
  }

  /** The models this worker takes jobs for. */
  get models(): readonly string[] {
    return this.#registration.models;
  }

  async #start(): Promise<void> {
    if (this.models.length === 0) throw new Error('no models found; pass --models <dir> with at least one model');
    const waiting = setTimeout(() => this.#options.log?.(`waiting for Redis at ${displayUrl(this.#options.url)}…`), 3_000);
    await this.#subscriber.subscribe(CANCEL_CHANNEL).finally(() => clearTimeout(waiting));
    this.#subscriber.on('message', (_channel: string, bullId: string) => this.#running.get(bullId)?.abort(cancelledError()));
    for (const model of this.models) {
      const worker = new Worker<UpscaleJobData, UpscaleJobReturn>(upscaleQueueName(model), (job, token) => this.#take(job, token), {
        connection: { ...this.#connection, maxRetriesPerRequest: null },
        prefix: KEY_PREFIX,
        concurrency: this.#registration.concurrency,
        lockDuration: this.#options.lockDurationMs ?? 30_000,
        stalledInterval: this.#options.stalledIntervalMs ?? 30_000,
        maxStalledCount: 1,
      });
      worker.on('error', (err) => this.#logTrouble(`queue ${model}: ${err.message}`));
      this.#workers.push(worker);
    }
    await Promise.all(this.#workers.map((worker) => worker.waitUntilReady()));
    if (this.#options.train) {
      const { log } = this.#options;
      this.#trainer = await TrainWorker.start({ connection: this.#connection, device: this.#options.device, log });
    }
    await this.#register();
    const heartbeatMs = this.#options.heartbeatMs ?? 5_000;
    this.#heartbeat = setInterval(() => void this.#register(), heartbeatMs);
    this.#heartbeat.unref();
  }

  async #register(): Promise<void> {
    await register(this.#redis, this.#registration, 3 * (this.#options.heartbeatMs ?? 5_000)).catch((err: unknown) => {
      this.#logTrouble(`could not renew the registration: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  /** Logs a connection problem once per TROUBLE_LOG_MS, however often it repeats (Redis down: every reconnection fails). */
  #logTrouble(message: string): void {
    const now = performance.now();
    if (now - (this.#troubleLogged.get(message) ?? -Infinity) < TROUBLE_LOG_MS) return;
    this.#troubleLogged.set(message, now);
    this.#options.log?.(message);
  }

  /**
   * Runs a job in one of the worker's `concurrency` slots. One queue per model means one BullMQ Worker per model, so
   * they stop fetching while every slot is busy, and a job one of them fetched anyway goes back to the queue for
   * another worker instead of waiting here.
   */
  async #take(job: Job<UpscaleJobData, UpscaleJobReturn>, token: string | undefined): Promise<UpscaleJobReturn> {
    if (this.#busy >= this.#registration.concurrency) {
      await job.moveToWait(token);
      throw new WaitingError();
    }
    this.#busy++;
    this.#fetchWhileFree();
    try {
      return await this.#process(job, token);
    } finally {
      this.#busy--;
      this.#fetchWhileFree();
    }
  }

  /** Pauses fetching on every model's queue while all slots are busy, resumes it when one frees up. */
  #fetchWhileFree(): void {
    if (this.#closing) return;
    const full = this.#busy >= this.#registration.concurrency;
    for (const worker of this.#workers) {
      if (full && !worker.isPaused()) void worker.pause(true);
      else if (!full && worker.isPaused()) void worker.resume();
    }
  }

  /** Runs one job; a failure becomes the job's failed reason as a protocol code and message. */
  async #process(job: Job<UpscaleJobData, UpscaleJobReturn>, token: string | undefined): Promise<UpscaleJobReturn> {
    const bullId = job.id ?? '';
    const controller = new AbortController();
    const startedAt = performance.now();
    this.#running.set(bullId, controller);
    try {
      if (await this.#redis.exists(cancelKey(bullId))) throw cancelledError();
      const bytes = await this.#redis.getBuffer(imageKey(bullId));
      if (!bytes) throw new BridgeError('unavailable', 'the image of this job is no longer in Redis (cancelled, or it expired)');
      const { model, scale, tile, colorFix } = job.data;
      const result = await this.#execute({ model, scale, tile, colorFix, bytes }, controller.signal, (progress) => {
        job.updateProgress(progress).catch(() => undefined);
      });
      const maxBytes = this.#options.maxResultBytes ?? MAX_QUEUE_IMAGE_BYTES;
      if (result.png.byteLength > maxBytes) {
        throw new BridgeError('too_many_pixels', `the result PNG is ${Math.ceil(result.png.byteLength / 1048576)} MiB, over the ${Math.floor(maxBytes / 1048576)} MiB a team queue passes through Redis; choose a smaller scale or image`);
      }
      await this.#redis.set(resultKey(bullId), Buffer.from(result.png.buffer, result.png.byteOffset, result.png.byteLength), 'PX', BYTES_TTL_MS);
      const { png: _png, ...value } = result;
      this.#options.log?.(`job ${bullId}: ${model} x${scale} → ${value.width}x${value.height} in ${Math.round(performance.now() - startedAt)} ms (${job.data.client})`);
      return value;
    } catch (err) {
      if (this.#stopping && controller.signal.aborted) {
        await job.moveToWait(token);
        throw new WaitingError();
      }
      const error = controller.signal.aborted ? cancelledError() : toBridgeError(err);
      if (error.code === 'internal') this.#options.log?.(`job ${bullId} (${job.data.model}) failed: ${err instanceof Error ? err.message : String(err)}`);
      throw new Error(encodeFailure({ code: error.code, message: error.message }));
    } finally {
      this.#running.delete(bullId);
    }
  }

  /** Jobs running on this worker now. */
  get running(): number {
    return this.#running.size;
  }

  /**
   * Stops taking jobs, lets running ones finish (or, with `force`, stops them at their next tile and puts them back in
   * the queue for another worker), removes the registration and disconnects.
   */
  close(force = false): Promise<void> {
    if (force) {
      this.#stopping = true;
      for (const controller of this.#running.values()) controller.abort(new BridgeError('unavailable', 'the worker is stopping'));
    }
    this.#closing ??= (async () => {
      clearInterval(this.#heartbeat);
      await unregister(this.#redis, this.id).catch(() => undefined);
      await this.#trainer?.close();
      await Promise.all(this.#workers.map((worker) => worker.close()));
      await this.#options.registry.dispose();
      this.#subscriber.disconnect();
      this.#redis.disconnect();
    })();
    return this.#closing;
  }
}
