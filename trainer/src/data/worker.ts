/** Sample worker: answers (epoch, index) requests with prepared samples, transferring the pixel buffers. */
import { parentPort, workerData } from 'node:worker_threads';
import { epochOrder, makeSample } from './sample.ts';
import type { SampleReply, SampleRequest, WorkerInit } from './worker-protocol.ts';

const init = workerData as WorkerInit;
const orders = new Map<number, number[]>();

/** The entry order of an epoch, memoised (the last few epochs only). */
function orderOf(epoch: number): number[] {
  let order = orders.get(epoch);
  if (!order) {
    order = epochOrder(init.entries.length, init.seed, epoch);
    orders.set(epoch, order);
    for (const key of orders.keys()) if (key < epoch - 1) orders.delete(key);
  }
  return order;
}

parentPort?.on('message', (request: SampleRequest) => {
  makeSample(init.entries, init.options, init.seed, request.epoch, request.index, orderOf(request.epoch)).then(
    (sample) => {
      const reply: SampleReply = { ok: true, sample };
      parentPort?.postMessage(reply, [sample.hr.buffer, sample.lr.buffer] as ArrayBuffer[]);
    },
    (error: unknown) => {
      const reply: SampleReply = { ok: false, epoch: request.epoch, index: request.index, message: String((error as Error)?.message ?? error) };
      parentPort?.postMessage(reply);
    },
  );
});
