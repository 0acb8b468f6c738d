/**
 * One row of the load bench: N WebSocket clients × M jobs with concurrent REST calls. In the cancel row every 16th job
 * is cancelled (alternately while queued and while running) and two extra clients disconnect mid-job.
 */
import { DEFAULT_MAX_JOBS_PER_CLIENT } from '../../bridge-server/src/protocol/index.ts';
import { healthAfter, jobProblem, makeImages, type LoadContext } from './context.ts';
import { LoadClient, type JobRecord, type JobSpec } from './load-client.ts';
import { startRestLoad, type RestLoadResult } from './rest-load.ts';
import { percentile, waitFor, type WaitEnd } from './stats.ts';

/** Which row. */
export type RowKind = 'all jobs' | 'cancel 1/16';

/** The shape of a row's load. */
export interface RowOptions {
  kind: RowKind;
  clients: number;
  jobsPerClient: number;
  /** Jobs each client keeps submitted and not yet ended. */
  window: number;
  restCalls: number;
  restConcurrency: number;
}

/** What a row measured. */
export interface RowResult {
  model: string;
  row: RowKind;
  clients: number;
  jobsPerClient: number;
  window: number;
  /** How the wait for the clients ended: `done`, or `stalled`/`time limit` with jobs still open. */
  end: WaitEnd;
  submitted: number;
  /** Jobs that were never submitted because the time limit came first. */
  notRun: number;
  correct: number;
  /** Jobs that ended wrongly: an error, a wrong size or colour (a misdelivered result shows here). */
  wrong: string[];
  /** Submitted jobs on open connections without any terminal reply (after the stall timeout, or at the end of a finished row). */
  lost: string[];
  /** Submitted jobs still waiting for their reply when the time limit ended the row (not counted as lost). */
  openAtTimeLimit: number;
  /** Protocol violations: replies for jobs never sent on that connection, second terminal replies, unpaired PNGs. */
  anomalies: string[];
  cancel?: { asked: number; cancelled: number; finishedBeforeCancel: number };
  disconnect?: { clients: number; jobs: number; resultsBeforeClose: number; cancelledByBridge: number };
  wallS: number;
  jobsPerSecond: number;
  latencyMs: { p50?: number; p95?: number; p99?: number; max?: number };
  perClientJobsPerSecond: { min?: number; max?: number };
  rest: RestLoadResult;
  peakRssMiB?: number;
  health: Awaited<ReturnType<typeof healthAfter>>;
  measuredAt: string;
}

const DISCONNECTING_CLIENTS = 2;

/** Builds each client's jobs; in the cancel row, adds the cancel hooks and returns the ids it will cancel. */
async function buildSpecs(ctx: LoadContext, o: RowOptions): Promise<{ specs: JobSpec[][]; cancelIds: Set<string> }> {
  const cancelIds = new Set<string>();
  const specs: JobSpec[][] = [];
  for (let i = 0; i < o.clients; i++) {
    const images = await makeImages(ctx, o.jobsPerClient);
    specs.push(images.map((image, j): JobSpec => {
      const id = `c${i}-j${j}`;
      const k = i * o.jobsPerClient + j;
      if (o.kind !== 'cancel 1/16' || k % 16 !== 15) return { id, image };
      cancelIds.add(id);
      const whileRunning = Math.floor(k / 16) % 2 === 1;
      const cancelOn = whileRunning ? 'progress' : 'accepted';
      const hook: JobSpec['hook'] = (event, job, client) => {
        if (event === cancelOn) client.cancel(job.spec.id);
      };
      return { id, image, hook, ...(whileRunning ? { tile: ctx.cancelTile } : {}) };
    }));
  }
  return { specs, cancelIds };
}

/** Clients that submit a few jobs and disconnect (one with a close frame, one by dropping TCP) at their first progress. */
async function startLeavers(ctx: LoadContext, jobsEach: number): Promise<LoadClient[]> {
  const leavers: LoadClient[] = [];
  for (let i = 0; i < DISCONNECTING_CLIENTS; i++) {
    const client = await LoadClient.open(ctx.bridge.wsUrl, ctx.bridge.token, `load-leaver-${i}`, ctx);
    const images = await makeImages(ctx, jobsEach);
    const leave = (event: 'accepted' | 'progress', _job: JobRecord, c: LoadClient): void => {
      if (event === 'progress' && !c.closed) c.disconnect(i % 2 ? 'drop' : 'close');
    };
    leavers.push(client);
    client.run(images.map((image, j) => ({ id: `leaver${i}-j${j}`, image, hook: leave })), jobsEach);
  }
  return leavers;
}

/** What the warm-up did: every input size once (the runtime's first run of a shape is slower), not counted in any row. */
export interface WarmUp {
  jobs: number;
  seconds: number;
  problems: string[];
}

/** Runs one job of each input size the rows will use (sizes repeat every `maxPx - minPx + 1` images), plus two with the cancel tile. */
export async function warmUp(ctx: LoadContext): Promise<WarmUp> {
  const images = await makeImages(ctx, ctx.maxPx - ctx.minPx + 1);
  const client = await LoadClient.open(ctx.bridge.wsUrl, ctx.bridge.token, 'load-warm-up', ctx);
  const t0 = performance.now();
  client.run(images.map((image, k) => ({ id: `warm-${k}`, image, ...(k < 2 ? { tile: ctx.cancelTile } : {}) })), 4);
  const end = await waitFor(() => client.done, () => client.lastFrameAt, ctx.stallMs, ctx.deadline);
  const seconds = +((performance.now() - t0) / 1000).toFixed(2);
  client.disconnect();
  const problems = [...client.anomalies, ...(end === 'done' ? [] : [`warm-up ${end}`])];
  for (const job of client.jobs.values()) {
    const problem = await jobProblem(ctx, job);
    if (problem) problems.push(problem);
  }
  return { jobs: images.length, seconds, problems };
}

/** Runs one row to the end (or to the stall timeout or the time limit) and tallies it. */
export async function runRow(ctx: LoadContext, o: RowOptions): Promise<RowResult> {
  const { specs, cancelIds } = await buildSpecs(ctx, o);
  const restImages = await makeImages(ctx, o.restCalls);
  const clients = await Promise.all(specs.map((_, i) => LoadClient.open(ctx.bridge.wsUrl, ctx.bridge.token, `load-${i}`, ctx)));
  ctx.bridge.takePeakRssMiB();
  const cancelledBefore = ctx.bridge.cancelledOnDisconnect;
  const t0 = performance.now();
  const rest = startRestLoad(ctx.bridge, restImages, { ...ctx, concurrency: o.restConcurrency, modelsIntervalMs: 200 });
  const leaverJobs = Math.min(DEFAULT_MAX_JOBS_PER_CLIENT, Math.max(2, Math.round((o.clients * o.jobsPerClient) / 16 / DISCONNECTING_CLIENTS)));
  const leavers = o.kind === 'cancel 1/16' ? await startLeavers(ctx, leaverJobs) : [];
  clients.forEach((client, i) => client.run(specs[i]!, o.window));
  const lastFrame = (): number => Math.max(...clients.map((c) => c.lastFrameAt));
  const end = await waitFor(() => clients.every((c) => c.done), lastFrame, ctx.stallMs, ctx.deadline);
  const restResult = await rest.stop();
  const peakRssMiB = ctx.bridge.takePeakRssMiB();
  for (const client of [...clients, ...leavers]) client.disconnect();
  const health = await healthAfter(ctx);
  const tally = await tallyClients(ctx, clients, cancelIds, t0);
  const openAtTimeLimit = end === 'time limit' ? tally.lost.splice(0).length : 0;
  const leaverTally = await tallyLeavers(ctx, leavers, tally.wrong);
  const lastEnd = Math.max(tally.lastEnd, restResult.lastEndedAt ?? 0);
  const wallS = Math.max(0.001, (lastEnd - t0) / 1000);
  return {
    model: ctx.model, row: o.kind, clients: o.clients, jobsPerClient: o.jobsPerClient, window: o.window, end,
    submitted: tally.submitted, notRun: o.clients * o.jobsPerClient - tally.submitted, correct: tally.correct, wrong: tally.wrong,
    lost: tally.lost, openAtTimeLimit, anomalies: [...clients, ...leavers].flatMap((c) => c.anomalies),
    ...(o.kind === 'cancel 1/16' ? {
      cancel: { asked: cancelIds.size, cancelled: tally.cancelled, finishedBeforeCancel: tally.finishedBeforeCancel },
      disconnect: { clients: leavers.length, jobs: leavers.length * leaverJobs, ...leaverTally, cancelledByBridge: ctx.bridge.cancelledOnDisconnect - cancelledBefore },
    } : {}),
    wallS: +wallS.toFixed(2),
    jobsPerSecond: +((tally.correct + tally.finishedBeforeCancel + restResult.upscale.ok) / wallS).toFixed(1),
    latencyMs: { p50: percentile(tally.latencies, 50), p95: percentile(tally.latencies, 95), p99: percentile(tally.latencies, 99), max: percentile(tally.latencies, 100) },
    perClientJobsPerSecond: tally.perClient,
    rest: restResult, peakRssMiB, health, measuredAt: new Date().toISOString(),
  };
}

/** Counts the regular clients' jobs: correct results (checked pixel by pixel), cancels, wrong and lost jobs, latencies. */
async function tallyClients(ctx: LoadContext, clients: readonly LoadClient[], cancelIds: ReadonlySet<string>, t0: number) {
  const t = { submitted: 0, correct: 0, cancelled: 0, finishedBeforeCancel: 0, wrong: [] as string[], lost: [] as string[], latencies: [] as number[], lastEnd: t0 };
  const rates: number[] = [];
  for (const client of clients) {
    let results = 0;
    let clientEnd = t0;
    for (const job of client.jobs.values()) {
      t.submitted++;
      const id = job.spec.id;
      if (!job.outcome) {
        t.lost.push(id);
        continue;
      }
      t.lastEnd = Math.max(t.lastEnd, job.endedAt!);
      clientEnd = Math.max(clientEnd, job.endedAt!);
      if (job.outcome.kind === 'error') {
        if (cancelIds.has(id) && job.outcome.code === 'cancelled') t.cancelled++;
        else t.wrong.push(`${id}: error ${job.outcome.code}: ${job.outcome.message}`);
        continue;
      }
      const problem = await jobProblem(ctx, job);
      if (problem) t.wrong.push(problem);
      else if (cancelIds.has(id)) t.finishedBeforeCancel++;
      else t.correct++;
      if (!problem) results++;
      if (!problem && !cancelIds.has(id)) t.latencies.push(job.endedAt! - job.submittedAt);
    }
    if (results > 0) rates.push(results / ((clientEnd - t0) / 1000));
  }
  const round = (x: number | undefined): number | undefined => (x === undefined ? undefined : +x.toPrecision(2));
  return { ...t, perClient: { min: round(rates.length ? Math.min(...rates) : undefined), max: round(rates.length ? Math.max(...rates) : undefined) } };
}

/** The disconnecting clients' results that arrived before they left must be theirs too. */
async function tallyLeavers(ctx: LoadContext, leavers: readonly LoadClient[], wrong: string[]): Promise<{ resultsBeforeClose: number }> {
  let resultsBeforeClose = 0;
  for (const job of leavers.flatMap((c) => [...c.jobs.values()])) {
    if (job.outcome?.kind !== 'result') continue;
    const problem = await jobProblem(ctx, job);
    if (problem) wrong.push(problem);
    else resultsBeforeClose++;
  }
  return { resultsBeforeClose };
}
