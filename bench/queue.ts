/**
 * The team queue against the in-process one, in the same run: N WebSocket clients × M jobs each through a bridge with
 * its own queue (concurrency 1, the single-user default), then through a bridge on `--queue` (BullMQ on a local
 * redis-server started here) with 1, 2 and 4 `tsdsr worker` processes on this machine's CPU. Per row: throughput
 * (jobs/s), submit → result latency p50/p95, and a serial phase (one client, one job at a time) whose p50 against the
 * in-process row is the queue's overhead per job. Every model's rows start with warm-up jobs (the model opens in each
 * worker) that are not counted.
 *
 *   npx tsx bench/queue.ts [--clients 4] [--jobs 8] [--serial 16] [--size 32] [--scale 4] [--models bicubic,tsdsr-fast]
 *     [--workers 1,2,4]
 * Writes bench/results/queue.json after every row.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { buildApp } from '../bridge-server/src/app.ts';
import { listWorkers, redisOptions } from '../bridge-server/src/queue/redis/index.ts';
import { startRedis, type TestRedis } from '../test/bridge/redis-server.ts';
import { percentile } from './load/stats.ts';
import { BenchClient, type TimedResult } from './queue/client.ts';
import { resultsPath, writeResults } from './results.ts';

const TSDSR_BIN = fileURLToPath(new URL('../bridge-server/bin/tsdsr.js', import.meta.url));
const TOKEN = 'bench-queue-token-0123456789abcdefghijklmnopqrstuvwxyz';

interface Options {
  clients: number;
  jobs: number;
  serial: number;
  size: number;
  scale: number;
  models: string[];
  workers: number[];
}

/** One measured row. */
interface Row {
  model: string;
  queue: 'in-process' | 'redis';
  workers: number;
  jobs: number;
  seconds: number;
  jobsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  serialP50Ms: number;
  /** Serial p50 minus the in-process row's serial p50 of the same model. */
  overheadMs?: number;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '4' },
      jobs: { type: 'string', default: '8' },
      serial: { type: 'string', default: '16' },
      size: { type: 'string', default: '32' },
      scale: { type: 'string', default: '4' },
      models: { type: 'string', default: 'bicubic,tsdsr-fast' },
      workers: { type: 'string', default: '1,2,4' },
    },
  });
  const o: Options = {
    clients: Number(values.clients), jobs: Number(values.jobs), serial: Number(values.serial), size: Number(values.size),
    scale: Number(values.scale), models: values.models.split(',').filter(Boolean), workers: values.workers.split(',').map(Number),
  };
  if (![o.clients, o.jobs, o.serial, o.size, ...o.workers].every((n) => Number.isInteger(n) && n >= 1)) {
    throw new Error('--clients, --jobs, --serial, --size and --workers take positive integers');
  }
  return o;
}

/** A distinct small PNG per job (its own colours), so no cache could help. */
function jobImage(size: number, seed: number): Promise<Buffer> {
  const data = Buffer.alloc(size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + seed * 101 + ((i * seed) % 7)) % 256;
  return sharp(data, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}

/** Starts `tsdsr worker` processes and waits until all have registered. */
async function startWorkers(url: string, count: number, configDir: string, redis: Redis): Promise<ChildProcess[]> {
  const before = (await listWorkers(redis)).length;
  const children = Array.from({ length: count }, () => spawn(process.execPath, [TSDSR_BIN, 'worker', '--queue', url, '--device', 'cpu'], {
    env: { ...process.env, TSDSR_CONFIG_DIR: configDir }, stdio: ['ignore', 'ignore', 'pipe'],
  }));
  for (const child of children) child.stderr?.resume();
  for (let i = 0; i < 600 && (await listWorkers(redis)).length < before + count; i++) await new Promise((r) => setTimeout(r, 100));
  if ((await listWorkers(redis)).length < before + count) throw new Error(`${count} workers did not register within 60 s`);
  return children;
}

async function stopWorkers(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  })));
}

/** Warm-up, the serial phase and the load phase against one bridge. */
async function measure(wsUrl: string, model: string, options: Options, warmUpJobs: number): Promise<Omit<Row, 'model' | 'queue' | 'workers'>> {
  const image = await jobImage(options.size, 0);
  const submit = (client: BenchClient, id: string, png: Buffer): Promise<TimedResult> => client.submit(id, model, options.scale, png);
  const solo = await BenchClient.open(wsUrl, TOKEN);
  await Promise.all(Array.from({ length: warmUpJobs }, (_, i) => submit(solo, `warm-${i}`, image)));
  const serial: number[] = [];
  for (let i = 0; i < options.serial; i++) serial.push((await submit(solo, `serial-${i}`, await jobImage(options.size, 1000 + i))).ms);
  solo.close();
  const clients = await Promise.all(Array.from({ length: options.clients }, () => BenchClient.open(wsUrl, TOKEN)));
  const images = await Promise.all(Array.from({ length: options.clients * options.jobs }, (_, i) => jobImage(options.size, i + 1)));
  const start = performance.now();
  const results = await Promise.all(clients.flatMap((client, c) => Array.from({ length: options.jobs }, (_, j) => submit(client, `c${c}-${j}`, images[c * options.jobs + j]!))));
  const seconds = (performance.now() - start) / 1000;
  for (const client of clients) client.close();
  const expected = options.size * options.scale;
  if (results.some((r) => r.width !== expected || r.height !== expected)) throw new Error('a result had the wrong size');
  const latencies = results.map((r) => r.ms);
  return {
    jobs: results.length, seconds: +seconds.toFixed(2), jobsPerSecond: +(results.length / seconds).toFixed(2),
    p50Ms: percentile(latencies, 50)!, p95Ms: percentile(latencies, 95)!, serialP50Ms: percentile(serial, 50)!,
  };
}

async function bridgeRow(configDir: string, queue: string | undefined, run: (wsUrl: string) => Promise<Omit<Row, 'model' | 'queue' | 'workers'>>) {
  const app = await buildApp({ configDir, token: TOKEN, device: 'cpu', concurrency: 1, ...(queue ? { queue } : {}) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  try {
    return await run(`ws://127.0.0.1:${address.port}/v1/ws`);
  } finally {
    await app.close();
  }
}

function printTable(rows: Row[]): void {
  const header = ['model', 'queue', 'workers', 'jobs', 'jobs/s', 'p50 ms', 'p95 ms', 'serial p50 ms', 'overhead ms/job'];
  const lines = rows.map((r) => [r.model, r.queue, r.queue === 'redis' ? String(r.workers) : '-', String(r.jobs), r.jobsPerSecond.toFixed(2),
    String(r.p50Ms), String(r.p95Ms), String(r.serialP50Ms), r.overheadMs === undefined ? '-' : String(r.overheadMs)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(format(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const line of lines) console.log(format(line));
}

async function main(): Promise<void> {
  const options = parseOptions();
  const loadAtStart = loadavg().map((x) => +x.toFixed(2));
  const configDir = await mkdtemp(join(tmpdir(), 'tsdsr-bench-queue-'));
  const redisServer: TestRedis = await startRedis();
  const redis = new Redis(redisOptions(redisServer.url));
  const rows: Row[] = [];
  const out = resultsPath('queue.json');
  const save = (): void => writeResults(out, { options, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAtStart, rows });
  try {
    for (const model of options.models) {
      const local = await bridgeRow(configDir, undefined, (wsUrl) => measure(wsUrl, model, options, 1));
      rows.push({ model, queue: 'in-process', workers: 0, ...local });
      save();
      for (const count of options.workers) {
        const workers = await startWorkers(redisServer.url, count, configDir, redis);
        try {
          const measured = await bridgeRow(configDir, redisServer.url, (wsUrl) => measure(wsUrl, model, options, 2 * count));
          rows.push({ model, queue: 'redis', workers: count, ...measured, overheadMs: measured.serialP50Ms - local.serialP50Ms });
          save();
        } finally {
          await stopWorkers(workers);
        }
        console.error(`${model}: ${count} worker(s) done`);
      }
    }
  } finally {
    redis.disconnect();
    await redisServer.stop();
    await rm(configDir, { recursive: true, force: true });
  }
  console.log(`${options.clients} clients x ${options.jobs} jobs, ${options.size}x${options.size} px at x${options.scale}, CPU (${cpus().length} cores, load at start ${loadAtStart.join(' ')})`);
  printTable(rows);
  console.log(`wrote ${out}`);
}

await main();
