/** The team queue on BullMQ and Redis: the bridge's side (RedisUpscaleQueue) and the worker's (UpscaleWorker). */
export { MAX_QUEUE_IMAGE_BYTES, displayUrl, redisOptions } from './connection.ts';
export { RedisUpscaleQueue, type RedisQueueOptions } from './redis-upscale-queue.ts';
export { RedisTrainRunner } from './train-runner.ts';
export { UpscaleWorker, type UpscaleWorkerOptions } from './upscale-worker.ts';
export { listWorkers, type WorkerRegistration } from './workers.ts';
