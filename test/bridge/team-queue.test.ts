// The team queue with a real redis-server: two bridges and several workers on BullMQ; results go only to their client, cancel,
// a worker SIGKILLed mid-job, and Redis restarted under the bridges.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZOO_DIR } from '../../bridge-server/src/paths.ts';
import { RedisUpscaleQueue, UpscaleWorker } from '../../bridge-server/src/queue/redis/index.ts';
import { ModelRegistry } from '../../bridge-server/src/registry.ts';
import { nodeRuntime, type BridgeRuntime } from '../../bridge-server/src/runtime.ts';
import { upscaleExecutor } from '../../bridge-server/src/upscale-job.ts';
import { gatedRuntime, makePng, startBridge, tempConfigDir, type RunningBridge } from './helpers.ts';
import { startRedis, type TestRedis } from './redis-server.ts';
import { TestClient, type JobOutcome } from './ws-client.ts';

// In-process workers keep a long lock (a busy test machine must not make a live job look stalled) but look for stalled
// jobs often; the worker that is SIGKILLed (fixtures/worker-gated.ts) holds a 1 s lock, so its job is found fast.
const FAST_LOCKS = { lockDurationMs: 5_000, stalledIntervalMs: 500, heartbeatMs: 500 } as const;

let redis: TestRedis;
let cleanup: () => Promise<void>;
let roots: { bicubic: string; nearest: string; nearestAndReal: string; real: string };
const bridges: RunningBridge[] = [];
const workers: UpscaleWorker[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

/** A model folder holding only these zoo models, so a worker serves them alone. */
async function rootWith(dir: string, ...models: string[]): Promise<string> {
  const root = join(dir, `only-${models.join('-')}`);
  await mkdir(root, { recursive: true });
  for (const model of models) await symlink(join(ZOO_DIR, model), join(root, model));
  return root;
}

async function startWorker(root: string, runtime: BridgeRuntime = nodeRuntime): Promise<UpscaleWorker> {
  const registry = await ModelRegistry.scan([root], runtime);
  const worker = await UpscaleWorker.start({ url: redis.url, registry, runtime, device: 'cpu', ...FAST_LOCKS });
  workers.push(worker);
  return worker;
}

async function stopWorker(worker: UpscaleWorker): Promise<void> {
  await worker.close(true);
  workers.splice(workers.indexOf(worker), 1);
}

async function raw(png: Uint8Array): Promise<Buffer> {
  return sharp(png).ensureAlpha().raw().toBuffer();
}

/** Reads messages until the job's first progress event. */
async function untilProgress(client: TestClient, id: string): Promise<void> {
  for (;;) {
    const message = await client.nextMessage();
    if (message.type === 'progress' && message.id === id) return;
    if (message.type === 'error' && message.id === id) throw new Error(`${id} failed: ${message.message}`);
  }
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(condition()).toBe(true);
}

beforeAll(async () => {
  redis = await startRedis();
  const config = await tempConfigDir();
  cleanup = config.cleanup;
  roots = {
    bicubic: await rootWith(config.dir, 'bicubic'), nearest: await rootWith(config.dir, 'nearest'),
    nearestAndReal: await rootWith(config.dir, 'nearest', 'tsdsr-real'), real: await rootWith(config.dir, 'tsdsr-real'),
  };
  for (const name of ['a', 'b']) bridges.push(await startBridge({ configDir: join(config.dir, name), queue: redis.url }));
  for (let i = 0; i < 3; i++) await startWorker(roots.bicubic);
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(workers.map((worker) => worker.close(true)));
  await Promise.all(bridges.map((bridge) => bridge.app.close()));
  await redis?.stop();
  await cleanup?.();
});

describe('tsdsr serve --queue with tsdsr workers', () => {
  it('runs 4 clients x 8 jobs through two bridges and three workers, each result right and only to its client', async () => {
    const clients = await Promise.all([0, 1, 2, 3].map((i) => TestClient.paired(bridges[i % 2]!.wsUrl, bridges[i % 2]!.token)));
    const images = new Map<string, Buffer>();
    for (const [c, client] of clients.entries()) {
      for (let j = 0; j < 8; j++) {
        const image = await makePng(6 + c, 6 + j);
        images.set(`c${c}-j${j}`, image);
        client.upscale(`c${c}-j${j}`, image, { model: 'bicubic', scale: 2 });
      }
    }
    const outcomes = await Promise.all(clients.map((client) => client.outcomes(8)));
    const local = upscaleExecutor({
      runtime: nodeRuntime, registry: await ModelRegistry.scan([roots.bicubic], nodeRuntime), device: 'cpu',
      limits: { maxInputPixels: 1 << 24, maxOutputPixels: 1 << 26 },
    });
    for (const [c, ended] of outcomes.entries()) {
      expect(ended.map((o) => o.id).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((j) => `c${c}-j${j}`));
      for (const outcome of ended) {
        expect(outcome.ok).toBe(true);
        const { png, width, height } = outcome as Extract<JobOutcome, { ok: true }>;
        const j = Number(outcome.id.split('-j')[1]);
        expect({ width, height }).toEqual({ width: 2 * (6 + c), height: 2 * (6 + j) });
        const expected = await local({ model: 'bicubic', scale: 2, bytes: images.get(outcome.id)! }, new AbortController().signal);
        expect((await raw(png)).equals(await raw(expected.png))).toBe(true);
      }
    }
    for (const client of clients) {
      expect(client.frames.filter((f) => f.kind === 'json' && f.message.type === 'result')).toHaveLength(8);
      client.close();
    }
  });

  it('serves POST /v1/upscale through the queue with the same answer as in process', async () => {
    const image = await makePng(7, 5);
    const res = await bridges[1]!.app.inject({
      method: 'POST', url: '/v1/upscale?model=bicubic&scale=2', payload: image,
      headers: { authorization: `Bearer ${bridges[1]!.token}`, 'content-type': 'image/png' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({ 'content-type': 'image/png', 'x-tsdsr-width': '14', 'x-tsdsr-height': '10', 'x-tsdsr-model': 'bicubic' });
    expect(bridges[1]!.app.jobs.stats()).toEqual({ running: 0, queued: 0 });
  });

  it('refuses an image over the size a job may carry through Redis, saying what the cap is', async () => {
    const queue = await RedisUpscaleQueue.connect({ url: redis.url, maxJobsPerClient: 4, maxImageBytes: 1024 * 1024 });
    const request = { model: 'bicubic', scale: 2, bytes: new Uint8Array(1024 * 1024 + 1) };
    await expect(queue.submit('client', 'big', request)).rejects.toMatchObject({ code: 'body_too_large', message: expect.stringContaining('at most 1.0 MiB') });
    expect(queue.has('client', 'big')).toBe(false);
    await queue.close();
  });

  it('answers unavailable at once for a model no worker serves', async () => {
    const client = await TestClient.paired(bridges[0]!.wsUrl, bridges[0]!.token);
    client.upscale('x', await makePng(8, 8), { model: 'nearest', scale: 2 });
    const [outcome] = await client.outcomes(1);
    expect(outcome).toMatchObject({ id: 'x', ok: false, code: 'unavailable' });
    client.close();
  });

  it('removes a cancelled queued job and stops a cancelled running one at its next tile', async () => {
    const { runtime, gate, started } = gatedRuntime(4);
    const worker = await startWorker(roots.nearest, runtime);
    const client = await TestClient.paired(bridges[0]!.wsUrl, bridges[0]!.token);
    client.upscale('running', await makePng(8, 8), { model: 'nearest', scale: 2 });
    gate.release(1);
    await untilProgress(client, 'running');
    client.upscale('queued', await makePng(9, 9), { model: 'nearest', scale: 2 });
    expect(await client.nextMessage()).toMatchObject({ type: 'accepted', id: 'queued' });
    client.send({ type: 'cancel', id: 'queued' });
    client.send({ type: 'cancel', id: 'running' });
    const outcomes = await client.outcomes(2);
    expect(outcomes).toEqual(expect.arrayContaining([
      { id: 'queued', ok: false, code: 'cancelled' },
      { id: 'running', ok: false, code: 'cancelled' },
    ]));
    await until(() => worker.running === 0);
    gate.open();
    client.upscale('after', await makePng(10, 10), { model: 'nearest', scale: 2 });
    expect(await client.outcomes(1)).toMatchObject([{ id: 'after', ok: true, width: 20, height: 20 }]);
    expect(started).toEqual(['8x8', '10x10']);
    client.close();
    await stopWorker(worker);
  });

  it('runs at most --concurrency jobs over all its models, leaving the others to other workers', async () => {
    const { runtime, gate, started } = gatedRuntime(4);
    const busy = await startWorker(roots.nearestAndReal, runtime);
    const client = await TestClient.paired(bridges[0]!.wsUrl, bridges[0]!.token);
    client.upscale('first', await makePng(8, 8), { model: 'nearest', scale: 2 });
    gate.release(1);
    await untilProgress(client, 'first');
    client.upscale('second', await makePng(9, 9), { model: 'tsdsr-real', scale: 4 });
    expect(await client.nextMessage()).toMatchObject({ type: 'accepted', id: 'second' });
    const open = gatedRuntime(4);
    open.gate.open();
    const free = await startWorker(roots.real, open.runtime);
    expect(await client.outcomes(1)).toMatchObject([{ id: 'second', ok: true, width: 36, height: 36 }]);
    expect({ busy: started, free: open.started }).toEqual({ busy: ['8x8'], free: ['9x9'] });
    gate.open();
    expect(await client.outcomes(1)).toMatchObject([{ id: 'first', ok: true, width: 16, height: 16 }]);
    client.close();
    await stopWorker(busy);
    await stopWorker(free);
  });

  it('is fair across clients: a second client\'s first job runs before the first client\'s backlog', async () => {
    const { runtime, gate, started } = gatedRuntime(1);
    const worker = await startWorker(roots.nearest, runtime);
    const flooder = await TestClient.paired(bridges[0]!.wsUrl, bridges[0]!.token);
    const newcomer = await TestClient.paired(bridges[1]!.wsUrl, bridges[1]!.token);
    for (let j = 0; j < 4; j++) flooder.upscale(`a${j}`, await makePng(10 + j, 8), { model: 'nearest', scale: 2 });
    for (let j = 0; j < 4; j++) expect(await flooder.nextMessage()).toMatchObject({ type: 'accepted', id: `a${j}` });
    await until(() => started.length === 1);
    newcomer.upscale('b0', await makePng(20, 8), { model: 'nearest', scale: 2 });
    expect(await newcomer.nextMessage()).toMatchObject({ type: 'accepted', id: 'b0' });
    gate.open();
    expect(await newcomer.outcomes(1)).toMatchObject([{ id: 'b0', ok: true }]);
    expect((await flooder.outcomes(4)).every((o) => o.ok)).toBe(true);
    expect(started).toEqual(['10x8', '20x8', '11x8', '12x8', '13x8']);
    flooder.close();
    newcomer.close();
    await stopWorker(worker);
  });

  it('drains at shutdown: the running job finishes, the queued one is answered unavailable', async () => {
    const { runtime, gate } = gatedRuntime(2);
    const worker = await startWorker(roots.nearest, runtime);
    const bridge = await startBridge({ configDir: join(roots.nearest, '..', 'drain'), queue: redis.url });
    const client = await TestClient.paired(bridge.wsUrl, bridge.token);
    client.upscale('finishing', await makePng(8, 8), { model: 'nearest', scale: 2 });
    gate.release(1);
    await untilProgress(client, 'finishing');
    client.upscale('waiting', await makePng(9, 9), { model: 'nearest', scale: 2 });
    expect(await client.nextMessage()).toMatchObject({ type: 'accepted', id: 'waiting' });
    const drained = bridge.app.jobs.drain(20_000);
    gate.open();
    expect(await drained).toEqual({ finished: 1, stopped: 0, unqueued: 1 });
    const outcomes = await client.outcomes(2);
    expect(outcomes).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: 'finishing', ok: true, width: 16 }),
      { id: 'waiting', ok: false, code: 'unavailable' },
    ]));
    client.close();
    await bridge.app.close();
    await stopWorker(worker);
  });

  it('puts the running job of a worker stopped at once back in the queue, where another worker finishes it', async () => {
    const { runtime, gate, started } = gatedRuntime(4);
    const stopping = await startWorker(roots.nearest, runtime);
    const client = await TestClient.paired(bridges[1]!.wsUrl, bridges[1]!.token);
    client.upscale('moved', await makePng(8, 8), { model: 'nearest', scale: 2 });
    gate.release(1);
    await untilProgress(client, 'moved');
    await stopWorker(stopping);
    const open = gatedRuntime(4);
    open.gate.open();
    const taker = await startWorker(roots.nearest, open.runtime);
    expect(await client.outcomes(1)).toMatchObject([{ id: 'moved', ok: true, width: 16, height: 16 }]);
    expect({ stopped: started, taker: open.started }).toEqual({ stopped: ['8x8'], taker: ['8x8'] });
    client.close();
    await stopWorker(taker);
  });

  it('gives the job of a worker SIGKILLed mid-job to another worker, and delivers its result once', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('fixtures/worker-gated.ts', import.meta.url)), redis.url, roots.nearest]);
    children.push(child);
    const ready = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(text);
      });
      child.once('exit', (code) => reject(new Error(`the worker exited with ${code}`)));
    });
    expect(JSON.parse(ready)).toMatchObject({ models: ['nearest'] });
    const client = await TestClient.paired(bridges[1]!.wsUrl, bridges[1]!.token);
    client.upscale('killed', await makePng(8, 8), { model: 'nearest', scale: 2 });
    await untilProgress(client, 'killed');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const { runtime, gate, started } = gatedRuntime(4);
    gate.open();
    const rescuer = await startWorker(roots.nearest, runtime);
    expect(await client.outcomes(1)).toMatchObject([{ id: 'killed', ok: true, width: 16, height: 16 }]);
    expect(started).toEqual(['8x8']);
    client.upscale('next', await makePng(9, 9), { model: 'nearest', scale: 2 });
    expect(await client.outcomes(1)).toMatchObject([{ id: 'next', ok: true }]);
    const results = client.frames.flatMap((f) => (f.kind === 'json' && f.message.type === 'result' ? [f.message.id] : []));
    expect(results).toEqual(['killed', 'next']);
    client.close();
    await stopWorker(rescuer);
  });

  it('answers unavailable while Redis is down, serves again once it is back, and answers a job Redis lost unavailable', async () => {
    const { runtime, gate } = gatedRuntime(4);
    const gated = await startWorker(roots.nearest, runtime);
    const holder = await TestClient.paired(bridges[1]!.wsUrl, bridges[1]!.token);
    holder.upscale('inflight', await makePng(8, 8), { model: 'nearest', scale: 2 });
    gate.release(1);
    await untilProgress(holder, 'inflight');
    const client = await TestClient.paired(bridges[0]!.wsUrl, bridges[0]!.token);
    const image = await makePng(8, 8);
    await redis.stop();
    client.upscale('down', image, { model: 'bicubic', scale: 2 });
    expect(await client.outcomes(1)).toMatchObject([{ id: 'down', ok: false, code: 'unavailable' }]);
    await redis.start();
    expect(await holder.outcomes(1)).toMatchObject([{ id: 'inflight', ok: false, code: 'unavailable' }]);
    let served: JobOutcome | undefined;
    for (let attempt = 0; attempt < 100 && !served?.ok; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      client.upscale(`again-${attempt}`, image, { model: 'bicubic', scale: 2 });
      [served] = await client.outcomes(1);
      if (!served?.ok) expect(served).toMatchObject({ code: 'unavailable' });
    }
    expect(served).toMatchObject({ ok: true, width: 16, height: 16 });
    client.close();
    holder.close();
    gate.open();
    await stopWorker(gated);
  });
});
