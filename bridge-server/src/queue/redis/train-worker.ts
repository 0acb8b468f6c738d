/** The training side of `tsdsr worker --train`: takes runs from the `train` queue one at a time and runs them with the trainer here. */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { WaitingError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { DeviceChoice } from '../../../../models/runtime/index.ts';
import { loadTrainer, localTrainRunner, type TrainRunResult } from '../../training/index.ts';
import { CANCEL_CHANNEL, KEY_PREFIX, TRAIN_QUEUE, type RedisAddress } from './connection.ts';
import type { TrainJobData, TrainProgress } from './train-runner.ts';

/** BullMQ's lock on a running training run: a worker silent this long counts as dead and its run is handed on. */
const TRAIN_LOCK_MS = 5 * 60_000;

/** Settings of the training side of a worker. */
export interface TrainWorkerOptions {
  connection: RedisAddress;
  /** The device runs use here, whatever the bridge was started with. */
  device: DeviceChoice;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  log?: (message: string) => void;
}

/** Runs training jobs; stopping the worker stops a run at a checkpoint and puts it back for another worker to resume. */
export class TrainWorker {
  readonly #options: TrainWorkerOptions;
  readonly #subscriber: Redis;
  readonly #running = new Map<string, AbortController>();
  #worker: Worker<TrainJobData, TrainRunResult> | undefined;
  #stopping = false;

  private constructor(options: TrainWorkerOptions) {
    this.#options = options;
    this.#subscriber = new Redis({ ...options.connection, maxRetriesPerRequest: null });
    this.#subscriber.on('error', () => undefined);
  }

  /** Subscribes to cancels and starts taking runs. */
  static async start(options: TrainWorkerOptions): Promise<TrainWorker> {
    const trainer = new TrainWorker(options);
    await trainer.#subscriber.subscribe(CANCEL_CHANNEL);
    trainer.#subscriber.on('message', (_channel: string, bullId: string) => trainer.#running.get(bullId)?.abort());
    trainer.#worker = new Worker<TrainJobData, TrainRunResult>(TRAIN_QUEUE, (job, token) => trainer.#process(job, token), {
      connection: { ...options.connection, maxRetriesPerRequest: null },
      prefix: KEY_PREFIX,
      concurrency: 1,
      // Generous: a long step must never make a live run look stalled (two workers would train into one folder).
      lockDuration: options.lockDurationMs ?? TRAIN_LOCK_MS,
      stalledInterval: options.stalledIntervalMs ?? 60_000,
      maxStalledCount: 1,
    });
    trainer.#worker.on('error', () => undefined);
    await trainer.#worker.waitUntilReady();
    return trainer;
  }

  async #process(job: Job<TrainJobData, TrainRunResult>, token: string | undefined): Promise<TrainRunResult> {
    const bullId = job.id ?? '';
    const controller = new AbortController();
    this.#running.set(bullId, controller);
    const { kind, options } = job.data;
    const log = (message: string): void => {
      const progress: TrainProgress = { message };
      job.updateProgress(progress).catch(() => undefined);
      this.#options.log?.(`training run ${bullId}: ${message}`);
    };
    try {
      // A run that went back to the queue (its worker stopped or died) continues from its checkpoint when it has one.
      const resume = options.resume || await hasCheckpoint(String(options.out));
      const result = await localTrainRunner.run(kind, { ...options, device: this.#options.device, resume }, { log, signal: controller.signal });
      if (result.interrupted && this.#stopping) {
        await job.moveToWait(token);
        throw new WaitingError();
      }
      return result;
    } finally {
      this.#running.delete(bullId);
    }
  }

  /** Stops a running run at its next checkpoint, puts it back in the queue, and disconnects. */
  async close(): Promise<void> {
    this.#stopping = true;
    for (const controller of this.#running.values()) controller.abort();
    await this.#worker?.close();
    this.#subscriber.disconnect();
  }
}

async function hasCheckpoint(out: string): Promise<boolean> {
  const { checkpointDir, CHECKPOINT_FILES } = await loadTrainer();
  return stat(join(checkpointDir(out), CHECKPOINT_FILES.meta)).then(() => true, () => false);
}
