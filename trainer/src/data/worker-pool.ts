/** A pool of sample workers (node:worker_threads) answering (epoch, index) requests. */
import { Worker } from 'node:worker_threads';
import type { TrainingSample } from './sample.ts';
import type { SampleReply, SampleRequest, WorkerInit } from './worker-protocol.ts';

/** Settling functions of one outstanding request. */
interface Pending {
  readonly resolve: (sample: TrainingSample) => void;
  readonly reject: (error: Error) => void;
}

/** One worker and its outstanding requests, keyed "epoch:index". */
interface PoolWorker {
  readonly worker: Worker;
  readonly pending: Map<string, Pending>;
}

/** The key of a request. */
function requestKey(epoch: number, index: number): string {
  return `${epoch}:${index}`;
}

/** Worker threads that make samples; requests go to the least busy worker. */
export class SampleWorkerPool {
  private readonly workers: PoolWorker[] = [];
  private closed = false;

  /** Start `count` workers, each given the dataset, options and seed once. */
  constructor(count: number, init: WorkerInit) {
    for (let i = 0; i < count; i++) this.workers.push(this.startWorker(init));
  }

  /** Spawn one worker and route its replies and failures. */
  private startWorker(init: WorkerInit): PoolWorker {
    const worker = new Worker(new URL('./worker-entry.js', import.meta.url), { workerData: init });
    const entry: PoolWorker = { worker, pending: new Map() };
    worker.on('message', (reply: SampleReply) => {
      const key = reply.ok ? requestKey(reply.sample.epoch, reply.sample.index) : requestKey(reply.epoch, reply.index);
      const pending = entry.pending.get(key);
      entry.pending.delete(key);
      if (reply.ok) pending?.resolve(reply.sample);
      else pending?.reject(new Error(`sample ${key} failed in a worker: ${reply.message}`));
    });
    const failAll = (error: Error): void => {
      for (const p of entry.pending.values()) p.reject(error);
      entry.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => {
      if (!this.closed) failAll(new Error(`sample worker exited with code ${code}`));
    });
    return entry;
  }

  /** Ask the least busy worker for the sample at (epoch, index). */
  request(epoch: number, index: number): Promise<TrainingSample> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    const target = this.workers.reduce((best, w) => (w.pending.size < best.pending.size ? w : best));
    return new Promise<TrainingSample>((resolve, reject) => {
      target.pending.set(requestKey(epoch, index), { resolve, reject });
      const message: SampleRequest = { epoch, index };
      target.worker.postMessage(message);
    });
  }

  /** Stop every worker; outstanding requests are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.workers) {
      for (const p of w.pending.values()) p.reject(new Error('worker pool closed'));
      w.pending.clear();
    }
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
