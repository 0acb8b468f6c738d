/** DataLoader: samples in a fixed (epoch, index) order, prepared ahead in worker threads, with a resumable position. */
import os from 'node:os';
import type { ImageEntry } from './folder.ts';
import { epochOrder, makeSample, sampleOptions, type SampleOptions, type TrainingSample } from './sample.ts';
import { SampleWorkerPool } from './worker-pool.ts';

/** The saved position: the next sample handed out is (epoch, index) of the run with this seed. */
export interface DataLoaderState {
  readonly seed: number;
  readonly epoch: number;
  readonly index: number;
}

/** DataLoader settings. */
export interface DataLoaderOptions {
  readonly entries: readonly ImageEntry[];
  readonly seed: number;
  readonly sample?: SampleOptions;
  /** Worker threads; 0 prepares samples in this thread (default: cores - 1, at most 4). */
  readonly workers?: number;
  /** Samples prepared ahead of the consumer (default 2 per worker, at least 2). */
  readonly prefetch?: number;
  /** Samples per epoch (default: one per image). */
  readonly samplesPerEpoch?: number;
  /** Resume from a saved position (its seed must match). */
  readonly state?: DataLoaderState;
}

/** A batch stacked as [n, 3, H, W] arrays, with per-sample texts. */
export interface TrainingBatch {
  readonly size: number;
  readonly hr: Float32Array;
  readonly lr: Float32Array;
  readonly hrSizePx: number;
  readonly lrSizePx: number;
  readonly captions: string[];
  readonly styles: string[];
  readonly positions: { epoch: number; index: number }[];
}

/** Default worker count: leave one core for the training step. */
function defaultWorkers(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}

/** Deterministic, prefetching sample stream; identical for any worker count. */
export class DataLoader {
  private readonly options: SampleOptions;
  private readonly pool: SampleWorkerPool | null;
  private readonly queue: Promise<TrainingSample>[] = [];
  private readonly prefetch: number;
  private readonly epochLength: number;
  private consumed: { epoch: number; index: number };
  private requested: { epoch: number; index: number };
  private localOrder: { epoch: number; order: number[] } | null = null;

  /** Start the workers and begin prefetching from the start or the saved position. */
  constructor(private readonly config: DataLoaderOptions) {
    if (config.entries.length === 0) throw new Error('DataLoader needs at least one image');
    if (config.state && config.state.seed !== config.seed) throw new Error(`saved loader seed ${config.state.seed} differs from ${config.seed}`);
    this.options = config.sample ?? sampleOptions();
    this.epochLength = config.samplesPerEpoch ?? config.entries.length;
    const workers = config.workers ?? defaultWorkers();
    this.prefetch = config.prefetch ?? Math.max(2, 2 * workers);
    this.pool = workers > 0 ? new SampleWorkerPool(workers, { entries: config.entries, options: this.options, seed: config.seed }) : null;
    this.consumed = { epoch: config.state?.epoch ?? 0, index: config.state?.index ?? 0 };
    this.requested = { ...this.consumed };
    this.fill();
  }

  /** The position to save: the next sample this loader will hand out. */
  getState(): DataLoaderState {
    return { seed: this.config.seed, ...this.consumed };
  }

  /** The next sample in order (already prepared, unless the consumer outpaces the workers). */
  next(): Promise<TrainingSample> {
    this.fill();
    const sample = this.queue.shift() as Promise<TrainingSample>;
    this.consumed = this.advance(this.consumed);
    this.fill();
    return sample;
  }

  /** The next n samples stacked into one batch. */
  async nextBatch(n: number): Promise<TrainingBatch> {
    const samples = await Promise.all(Array.from({ length: n }, () => this.next()));
    return stackSamples(samples);
  }

  /** Stop the workers (required before exit when workers > 0). */
  async close(): Promise<void> {
    this.queue.length = 0;
    await this.pool?.close();
  }

  /** The position after p. */
  private advance(p: { epoch: number; index: number }): { epoch: number; index: number } {
    return p.index + 1 >= this.epochLength ? { epoch: p.epoch + 1, index: 0 } : { epoch: p.epoch, index: p.index + 1 };
  }

  /** Keep `prefetch` requests in flight. */
  private fill(): void {
    while (this.queue.length < this.prefetch) {
      const { epoch, index } = this.requested;
      const promise = this.pool ? this.pool.request(epoch, index) : this.makeLocal(epoch, index);
      promise.catch(() => undefined);
      this.queue.push(promise);
      this.requested = this.advance(this.requested);
    }
  }

  /** Make a sample in this thread. */
  private makeLocal(epoch: number, index: number): Promise<TrainingSample> {
    if (this.localOrder?.epoch !== epoch) this.localOrder = { epoch, order: epochOrder(this.config.entries.length, this.config.seed, epoch) };
    return makeSample(this.config.entries, this.options, this.config.seed, epoch, index, this.localOrder.order);
  }
}

/** Stack samples of equal size into [n, 3, H, W] arrays. */
export function stackSamples(samples: readonly TrainingSample[]): TrainingBatch {
  const first = samples[0];
  if (!first) throw new Error('empty batch');
  const hr = new Float32Array(samples.length * first.hr.length);
  const lr = new Float32Array(samples.length * first.lr.length);
  samples.forEach((s, i) => {
    hr.set(s.hr, i * first.hr.length);
    lr.set(s.lr, i * first.lr.length);
  });
  return {
    size: samples.length, hr, lr, hrSizePx: first.hrSizePx, lrSizePx: first.lrSizePx,
    captions: samples.map((s) => s.caption), styles: samples.map((s) => s.style),
    positions: samples.map((s) => ({ epoch: s.epoch, index: s.index })),
  };
}
