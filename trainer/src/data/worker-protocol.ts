/** Messages between the DataLoader and its sample workers. */
import type { ImageEntry } from './folder.ts';
import type { SampleOptions, TrainingSample } from './sample.ts';

/** Everything a worker needs to make any sample (sent once, as workerData). */
export interface WorkerInit {
  readonly entries: readonly ImageEntry[];
  readonly options: SampleOptions;
  readonly seed: number;
}

/** Loader → worker: make the sample at (epoch, index). */
export interface SampleRequest {
  readonly epoch: number;
  readonly index: number;
}

/** Worker → loader: the sample, or why it failed. */
export type SampleReply =
  | { readonly ok: true; readonly sample: TrainingSample }
  | { readonly ok: false; readonly epoch: number; readonly index: number; readonly message: string };
