/** The bridge's job queue: fair scheduling across clients, workers, limits and cancellation. */
export { JobQueue, type JobQueueOptions, type JobTask, type SubmittedJob } from './job-queue.ts';
export { FairSchedule } from './schedule.ts';
