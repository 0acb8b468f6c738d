/** What every scenario of the load bench shares for one model: the bridge, the job settings, the clock and the image counter. */
import type { BridgeProcess } from './bridge-process.ts';
import { makeJobImage, resultProblem, type JobImage } from './job-images.ts';
import type { JobRecord } from './load-client.ts';

/** Shared state of the scenarios run against one bridge. */
export interface LoadContext {
  bridge: BridgeProcess;
  model: string;
  scale: number;
  minPx: number;
  maxPx: number;
  /** Mean-colour tolerance of a result, in levels (0–255). */
  tolerance: number;
  /** Tile side for jobs cancelled while running, so they run several tile batches: twice the model's overlap, at least 32. */
  cancelTile: number;
  /** The hard time limit of the whole bench (performance.now()). */
  deadline: number;
  /** A wait ends as `stalled` after this long without a frame. */
  stallMs: number;
  /** The next job image number; every job of the bench gets its own. */
  nextImage: number;
}

/** `count` job images with fresh numbers. */
export async function makeImages(ctx: LoadContext, count: number): Promise<JobImage[]> {
  const first = ctx.nextImage;
  ctx.nextImage += count;
  return Promise.all(Array.from({ length: count }, (_, k) => makeJobImage(first + k, ctx.minPx, ctx.maxPx)));
}

/** Checks a job that ended with a result: undefined when the PNG is this job's, else the problem. */
export async function jobProblem(ctx: LoadContext, job: JobRecord): Promise<string | undefined> {
  if (job.outcome?.kind !== 'result') return `${job.spec.id}: no result`;
  const problem = await resultProblem(job.outcome.png, job.outcome, job.spec.image, ctx.scale, ctx.tolerance);
  return problem && `${job.spec.id}: ${problem}`;
}

/** The bridge's health after a scenario: waits (up to 10 s) for its queue to empty; undefined fields when it did not answer. */
export async function healthAfter(ctx: LoadContext): Promise<{ status: number | string; queue?: { running: number; queued: number }; drainMs: number }> {
  const t0 = performance.now();
  for (;;) {
    let answer: { status: number | string; queue?: { running: number; queued: number } };
    try {
      const reply = await ctx.bridge.http('GET', '/v1/health', undefined, 5_000);
      answer = { status: reply.status, queue: (JSON.parse(reply.body.toString('utf8')) as { queue?: { running: number; queued: number } }).queue };
    } catch (err) {
      answer = { status: err instanceof Error ? err.message : String(err) };
    }
    const idle = answer.queue && answer.queue.running === 0 && answer.queue.queued === 0;
    if (idle || performance.now() - t0 > 10_000) return { ...answer, drainMs: Math.round(performance.now() - t0) };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
