/** The bridge's job queue: fair scheduling across clients, workers, limits and cancellation; in process or on BullMQ. */
export { JobQueue, type JobQueueOptions, type JobTask, type SubmittedJob } from './job-queue.ts';
export { FairSchedule } from './schedule.ts';
export { LocalUpscaleQueue } from './local-upscale-queue.ts';
export type { DrainOutcome, QueueStats, UpscaleQueue } from './upscale-queue.ts';
