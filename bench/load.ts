/**
 * Load on a running bridge: N WebSocket clients × M jobs each, with concurrent REST calls (`POST /v1/upscale`, a poll of
 * `GET /v1/models`), against `tsdsr serve` started here as its own process on a loopback port with a fresh token.
 * Measures jobs per second, submit → result latency (p50/p95/p99), per-client fairness (a one-job client behind
 * another client's full backlog), the bridge's peak resident memory, and that nothing is lost or misdelivered: every
 * job gets exactly one terminal reply on its own connection, and every result has its job's size and colour (each
 * job's input has its own). A second row cancels every 16th job (alternately queued and running) while two more
 * clients disconnect mid-job; the others must still get their results and the bridge must stay healthy.
 *
 *   npx tsx bench/load.ts [--clients 8] [--jobs 64] [--window 4] [--models bicubic[,tsdsr-fast]] [--size 64-128]
 *     [--scale 4] [--rest 8] [--rest-concurrency 2] [--concurrency <bridge workers>] [--time-limit 180] [--stall 20]
 *     [--tolerance 6] [--max-connections 16]
 * Writes bench/results/load.json after every phase, so a later failure or the time limit keeps what was measured.
 * Exits 1 when a job was lost, wrong or misdelivered, the protocol was broken, or the bridge was unhealthy afterwards.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_JOBS_PER_CLIENT } from '../bridge-server/src/protocol/index.ts';
import { BridgeProcess } from './load/bridge-process.ts';
import type { LoadContext } from './load/context.ts';
import { runFairness } from './load/fairness.ts';
import { printReport, type ModelRun } from './load/report.ts';
import { resultsPath, writeResults as writeJson } from './results.ts';
import { runRow, warmUp, type RowKind, type RowOptions } from './load/rows.ts';

/** The 1, 5 and 15 minute load averages when the bench started: other work on the machine skews every figure. */
const LOAD_AT_START = loadavg().map((x) => +x.toFixed(2));
/** Extra WebSocket connections beside the N clients: the cancel row's two leaving clients. */
const EXTRA_CONNECTIONS = 2;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '8' },
      jobs: { type: 'string', default: '64' },
      window: { type: 'string', default: '4' },
      models: { type: 'string', default: 'bicubic' },
      size: { type: 'string', default: '64-128' },
      scale: { type: 'string', default: '4' },
      rest: { type: 'string', default: '8' },
      'rest-concurrency': { type: 'string', default: '2' },
      concurrency: { type: 'string' },
      'time-limit': { type: 'string', default: '180' },
      stall: { type: 'string', default: '20' },
      tolerance: { type: 'string', default: '6' },
      'max-connections': { type: 'string', default: '16' },
    },
  });
  const [minPx, maxPx = minPx] = values.size.split('-').map(Number) as [number, number?];
  const o = {
    clients: Number(values.clients), jobs: Number(values.jobs), window: Number(values.window),
    models: values.models.split(',').filter(Boolean), minPx, maxPx, scale: Number(values.scale),
    rest: Number(values.rest), restConcurrency: Number(values['rest-concurrency']), concurrency: values.concurrency,
    timeLimitS: Number(values['time-limit']), stallS: Number(values.stall), tolerance: Number(values.tolerance),
    maxConnections: Number(values['max-connections']),
  };
  if (![o.clients, o.jobs, o.window, minPx, maxPx, o.restConcurrency].every((n) => Number.isInteger(n) && n >= 1)) {
    throw new Error('--clients, --jobs, --window, --size and --rest-concurrency take positive integers');
  }
  if (o.window > DEFAULT_MAX_JOBS_PER_CLIENT) throw new Error(`--window ${o.window}: the bridge takes at most ${DEFAULT_MAX_JOBS_PER_CLIENT} open jobs per client`);
  if (minPx > maxPx) throw new Error(`--size ${values.size}: give min-max`);
  if (o.clients + EXTRA_CONNECTIONS > o.maxConnections) {
    throw new Error(`--clients ${o.clients} plus ${EXTRA_CONNECTIONS} leaving clients exceed ${o.maxConnections} connections from one address (the bridge caps them); raise --max-connections to try anyway`);
  }
  return o;
}

type Options = ReturnType<typeof parseOptions>;

function writeResults(options: Options, runs: readonly ModelRun[], timedOut: boolean): void {
  const { models: _models, ...settings } = options;
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, loadAverageAtStart: LOAD_AT_START, loadAverageNow: loadavg().map((x) => +x.toFixed(2)) };
  writeJson(resultsPath('load.json'), { date: new Date().toISOString(), settings, machine, timedOut, runs });
}

/** The model's tile overlap (from GET /v1/models), for the tile of jobs cancelled while running; undefined when not installed. */
async function modelOverlap(bridge: BridgeProcess, model: string): Promise<number | undefined> {
  const answer = await bridge.http('GET', '/v1/models');
  const { models } = JSON.parse(answer.body.toString('utf8')) as { models: { id: string; tile: { overlap: number } }[] };
  return models.find((m) => m.id === model)?.tile.overlap;
}

/** Runs one phase, recording a failure (with the bridge's last words) instead of throwing. */
async function phase(run: ModelRun, ctx: LoadContext, name: string, body: () => Promise<void>): Promise<string> {
  const refuse = (why: string): string => (run.failures.push(`${name}: ${why}`), why);
  if (performance.now() >= ctx.deadline) return refuse('not run (time limit)');
  if (!ctx.bridge.alive) return refuse('not run (the bridge exited)');
  try {
    await body();
    return 'done';
  } catch (err) {
    return refuse(`${err instanceof Error ? err.message : String(err)}\n  bridge log:\n    ${ctx.bridge.logTail.slice(-10).join('\n    ')}`);
  }
}

async function runModel(options: Options, model: string, deadline: number, runs: ModelRun[], timedOut: () => boolean): Promise<void> {
  const run: ModelRun = { model, bridge: {}, rows: [], failures: [] };
  runs.push(run);
  const bridge = await BridgeProcess.start(options.concurrency ? ['--concurrency', options.concurrency] : []);
  activeBridge = bridge;
  try {
    run.bridge.startRssMiB = bridge.memoryMiB('VmRSS');
    const overlap = await modelOverlap(bridge, model);
    if (overlap === undefined) return void run.failures.push(`${model}: not installed in this bridge`);
    const ctx: LoadContext = {
      bridge, model, scale: options.scale, minPx: options.minPx, maxPx: options.maxPx, tolerance: options.tolerance,
      cancelTile: Math.max(32, 2 * overlap), deadline, stallMs: options.stallS * 1000, nextImage: 0,
    };
    const row = (kind: RowKind): RowOptions => ({
      kind, clients: options.clients, jobsPerClient: options.jobs, window: options.window, restCalls: options.rest, restConcurrency: options.restConcurrency,
    });
    const steps: [string, () => Promise<void>][] = [
      ['warm-up', async () => void (run.warmUp = await warmUp(ctx))],
      ['all jobs', async () => void run.rows.push(await runRow(ctx, row('all jobs')))],
      ['fairness', async () => void (run.fairness = await runFairness(ctx))],
      ['cancel 1/16', async () => void run.rows.push(await runRow(ctx, row('cancel 1/16')))],
    ];
    for (const [name, body] of steps) {
      const outcome = await phase(run, ctx, name, body);
      process.stderr.write(`${model}: ${name}: ${outcome.split('\n')[0]}\n`);
      writeResults(options, runs, timedOut());
    }
  } finally {
    run.bridge.peakRssMiB = bridge.memoryMiB('VmHWM');
    run.bridge.stop = await bridge.stop();
    activeBridge = undefined;
    writeResults(options, runs, timedOut());
  }
}

let activeBridge: BridgeProcess | undefined;

/** True when the runs found a lost, wrong or misdelivered job, a protocol violation, a failed phase or an unhealthy bridge. */
function anyFailure(runs: readonly ModelRun[]): boolean {
  return runs.some((r) => r.failures.length > 0 || (r.fairness?.problems.length ?? 0) > 0 || (r.warmUp?.problems.length ?? 0) > 0 || r.rows.some((row) =>
    row.end !== 'done' || row.lost.length > 0 || row.wrong.length > 0 || row.anomalies.length > 0 || row.health.status !== 200
    || (row.health.queue?.running ?? 1) > 0 || (row.health.queue?.queued ?? 1) > 0 || row.rest.upscale.problems.length > 0 || row.rest.models.problems.length > 0));
}

async function main(): Promise<void> {
  const options = parseOptions();
  const deadline = performance.now() + options.timeLimitS * 1000;
  const runs: ModelRun[] = [];
  process.once('exit', () => activeBridge?.kill());
  // The last resort: every wait honours the deadline, but if something still hangs, report, kill the bridge and leave.
  const hardStop = setTimeout(() => {
    process.stderr.write('time limit passed by 30 s: stopping\n');
    activeBridge?.kill();
    writeResults(options, runs, true);
    printReport(runs);
    process.exit(1);
  }, options.timeLimitS * 1000 + 30_000);
  for (const model of options.models) await runModel(options, model, deadline, runs, () => performance.now() >= deadline);
  clearTimeout(hardStop);
  printReport(runs);
  console.log('\nwrote bench/results/load.json');
  if (anyFailure(runs)) process.exitCode = 1;
}

await main();
