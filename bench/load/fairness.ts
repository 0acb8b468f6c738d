/**
 * The fairness probe: one client's single job submitted behind another client's full backlog. A fair queue (round-robin
 * across clients) starts it as soon as the running job ends, so it waits for at most one backlog job.
 */
import { DEFAULT_MAX_JOBS_PER_CLIENT } from '../../bridge-server/src/protocol/index.ts';
import { healthAfter, jobProblem, makeImages, type LoadContext } from './context.ts';
import { LoadClient, type JobRecord } from './load-client.ts';
import { percentile, waitFor, type WaitEnd } from './stats.ts';

/** What the probe measured. */
export interface FairnessResult {
  model: string;
  end: WaitEnd;
  /** The probe image's time from submit to result on an idle bridge (median of 5). */
  aloneMs?: number;
  backlogJobs: number;
  /** Median gap between two backlog results: one backlog job's service time. */
  backlogJobMs?: number;
  /** Probes run one after another while the backlog still has jobs waiting. */
  probes: number;
  /** The highest `accepted.position` of a probe. */
  probePosition?: number;
  /** A probe's time from submit to result behind the backlog: median and slowest. */
  probeMs?: number;
  probeMaxMs?: number;
  /** Median probeMs / aloneMs. */
  probeToAlone?: number;
  /** What a first-come-first-served queue would have made a probe wait (median): backlog jobs still open at its submit × backlogJobMs. */
  fifoEstimateMs?: number;
  /** The most backlog results that arrived between a probe's submit and its result. */
  backlogAheadOfProbe?: number;
  /** Results that are not their job's, errors, lost jobs and protocol violations. */
  problems: string[];
  measuredAt: string;
}

const ALONE_RUNS = 5;
const PROBES = 5;

/** Runs the probe against an otherwise idle bridge. */
export async function runFairness(ctx: LoadContext): Promise<FairnessResult> {
  const settings = { model: ctx.model, scale: ctx.scale };
  const probe = await LoadClient.open(ctx.bridge.wsUrl, ctx.bridge.token, 'load-probe', settings);
  const backlog = await LoadClient.open(ctx.bridge.wsUrl, ctx.bridge.token, 'load-backlog', settings);
  const [image] = await makeImages(ctx, 1);
  const backlogImages = await makeImages(ctx, DEFAULT_MAX_JOBS_PER_CLIENT);
  const result: FairnessResult = { model: ctx.model, end: 'done', backlogJobs: backlogImages.length, probes: 0, problems: [], measuredAt: '' };
  const wait = async (done: () => boolean): Promise<boolean> => {
    result.end = await waitFor(done, () => Math.max(probe.lastFrameAt, backlog.lastFrameAt), ctx.stallMs, ctx.deadline);
    return result.end === 'done';
  };
  try {
    probe.run(Array.from({ length: ALONE_RUNS }, (_, k) => ({ id: `alone-${k}`, image: image! })), 1);
    if (!(await wait(() => probe.done))) return result;
    result.aloneMs = percentile([...probe.jobs.values()].map((j) => (j.endedAt ?? NaN) - j.submittedAt), 50);
    backlog.run(backlogImages.map((img, k) => ({ id: `backlog-${k}`, image: img })), backlogImages.length);
    if (!(await wait(() => [...backlog.jobs.values()].every((j) => j.acceptedAt !== undefined || j.outcome)))) return result;
    const backlogOpen = (): number => [...backlog.jobs.values()].filter((j) => !j.outcome).length;
    for (; result.probes < PROBES && backlogOpen() >= 2; result.probes++) {
      probe.run([{ id: `probe-${result.probes}`, image: image! }], 1);
      if (!(await wait(() => probe.done))) return result;
    }
    if (!(await wait(() => backlog.done))) return result;
    measure(result, [...probe.jobs.values()].filter((j) => j.spec.id.startsWith('probe-')), [...backlog.jobs.values()]);
  } finally {
    await check(ctx, result, [probe, backlog]);
  }
  return result;
}

function measure(result: FairnessResult, probeJobs: readonly JobRecord[], backlogJobs: readonly JobRecord[]): void {
  const ends = backlogJobs.map((j) => j.endedAt ?? NaN).sort((a, b) => a - b);
  result.backlogJobMs = percentile(ends.slice(1).map((t, k) => t - ends[k]!), 50);
  const finished = probeJobs.filter((j) => j.endedAt !== undefined);
  if (finished.length === 0) return;
  const probeMs = finished.map((j) => j.endedAt! - j.submittedAt);
  result.probePosition = Math.max(...finished.map((j) => j.position ?? 0));
  result.probeMs = percentile(probeMs, 50);
  result.probeMaxMs = percentile(probeMs, 100);
  if (result.aloneMs && result.probeMs !== undefined) result.probeToAlone = +(result.probeMs / result.aloneMs).toFixed(2);
  result.backlogAheadOfProbe = Math.max(...finished.map((j) => ends.filter((t) => t > j.submittedAt && t < j.endedAt!).length));
  const openAtSubmit = finished.map((j) => ends.filter((t) => t > j.submittedAt).length);
  if (result.backlogJobMs !== undefined) result.fifoEstimateMs = percentile(openAtSubmit.map((n) => n * result.backlogJobMs!), 50);
}

/** Every job must have ended with its own result; the bridge's queue must be empty afterwards. */
async function check(ctx: LoadContext, result: FairnessResult, clients: readonly LoadClient[]): Promise<void> {
  for (const client of clients) {
    result.problems.push(...client.anomalies);
    for (const job of client.jobs.values()) {
      const problem = job.outcome ? await jobProblem(ctx, job) : `${job.spec.id}: no reply (${result.end})`;
      if (problem) result.problems.push(job.outcome?.kind === 'error' ? `${job.spec.id}: error ${job.outcome.code}` : problem);
    }
    client.disconnect();
  }
  const health = await healthAfter(ctx);
  if (health.status !== 200 || health.queue?.queued || health.queue?.running) result.problems.push(`health afterwards: ${JSON.stringify(health)}`);
  result.measuredAt = new Date().toISOString();
}
