// Training runs on a team bridge go through Redis to `tsdsr worker --train`: refused while no such worker runs, a tiny
// tsd run done on the worker and its model listed by the bridge, a running one cancelled at a checkpoint, and a run whose
// worker stopped resumed by another worker.
import { mkdir, rm, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZOO_DIR } from '../../bridge-server/src/paths.ts';
import type { TrainJobStatus } from '../../bridge-server/src/protocol/index.ts';
import { UpscaleWorker } from '../../bridge-server/src/queue/redis/index.ts';
import { ModelRegistry } from '../../bridge-server/src/registry.ts';
import { nodeRuntime } from '../../bridge-server/src/runtime.ts';
import { writeTrainingImages, writeUntrainedTeacher } from '../trainer/loop/fixtures.ts';
import { startBridge, tempConfigDir, type RunningBridge } from './helpers.ts';
import { startRedis, type TestRedis } from './redis-server.ts';

/** Run options that make a tsd step take a fraction of a second (as in test/bridge/train.test.ts). */
const TINY_RUN = {
  workers: 0, loraRank: 4, dasmSteps: 2, degradation: 'bicubic', checkpointEvery: 0, sampleEvery: 0, warmupSteps: 1, seed: 1, lr: 2e-3, regLr: 1e-3,
} as const;

const cleanup: (() => Promise<unknown>)[] = [];
let redis: TestRedis;
let bridge: RunningBridge;
let data: string;
let teacher: string;
let modelRoot: string;
let auth: { authorization: string };
const workerLog: string[] = [];

beforeAll(async () => {
  redis = await startRedis();
  cleanup.push(() => redis.stop());
  const config = await tempConfigDir();
  cleanup.push(config.cleanup);
  data = await writeTrainingImages(4, 64);
  const root = join(data, '..');
  cleanup.push(() => rm(root, { recursive: true, force: true }));
  teacher = await writeUntrainedTeacher(join(root, 'runs'));
  modelRoot = join(config.dir, 'worker-models');
  await mkdir(modelRoot, { recursive: true });
  await symlink(join(ZOO_DIR, 'nearest'), join(modelRoot, 'nearest'));
  bridge = await startBridge({
    configDir: config.dir, modelRoots: [join(config.dir, 'models')], trainRoots: [root], queue: redis.url, training: { runDefaults: TINY_RUN },
  });
  cleanup.unshift(() => bridge.app.close());
  auth = { authorization: `Bearer ${bridge.token}` };
});

afterAll(async () => {
  for (const c of cleanup) await c();
});

function post(payload: Record<string, unknown>) {
  return bridge.app.inject({ method: 'POST', url: '/v1/train', headers: auth, payload });
}

async function waitFor(id: string, done: (s: TrainJobStatus) => boolean): Promise<TrainJobStatus> {
  for (let i = 0; ; i++) {
    const s = (await bridge.app.inject({ url: `/v1/train/${id}`, headers: auth })).json() as TrainJobStatus;
    if (done(s) || i > 1200) return s;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const ended = (s: TrainJobStatus): boolean => s.status !== 'queued' && s.status !== 'running';

describe('training on a team bridge', () => {
  it('fails a run at once, naming tsdsr worker --train, while no worker takes training runs', async () => {
    const job = (await post({ kind: 'tsd', data, teacher, steps: 2, batch: 1, crop: 32, id: 'nobody' })).json() as TrainJobStatus;
    const end = await waitFor(job.id, ended);
    expect(end).toMatchObject({ status: 'failed', error: expect.stringContaining('tsdsr worker --train') });
  });

  it('runs a tiny tsd job on a worker to done; the bridge lists its model; a running one is cancelled at a checkpoint', async () => {
    const registry = await ModelRegistry.scan([modelRoot], nodeRuntime);
    const worker = await UpscaleWorker.start({ url: redis.url, registry, runtime: nodeRuntime, device: 'cpu', train: true, log: (m) => workerLog.push(m) });
    try {
      const job = (await post({ kind: 'tsd', data, teacher, steps: 3, batch: 2, crop: 32, id: 'team-tiny' })).json() as TrainJobStatus;
      const end = await waitFor(job.id, ended);
      expect(end, JSON.stringify(end)).toMatchObject({ status: 'done', step: 3, model: 'team-tiny' });
      expect(workerLog.some((line) => line.startsWith('training run '))).toBe(true);
      const models = (await bridge.app.inject({ url: '/v1/models', headers: auth })).json() as { models: { id: string }[] };
      expect(models.models.map((m) => m.id)).toContain('team-tiny');

      const long = (await post({ kind: 'tsd', data, teacher, steps: 100_000, batch: 1, crop: 32, id: 'team-long' })).json() as TrainJobStatus;
      expect((await waitFor(long.id, (s) => s.step >= 1)).status).toBe('running');
      await bridge.app.inject({ method: 'DELETE', url: `/v1/train/${long.id}`, headers: auth });
      const stopped = await waitFor(long.id, ended);
      expect(stopped.status).toBe('cancelled');
      expect(stopped.step).toBeGreaterThanOrEqual(1);
      await expect(stat(join(stopped.outDir, 'checkpoint'))).resolves.toBeTruthy();
    } finally {
      await worker.close();
    }
  });

  it('puts the run of a stopping worker back in the queue, where the next --train worker resumes it from its checkpoint', async () => {
    const start = (log: string[]) => ModelRegistry.scan([modelRoot], nodeRuntime)
      .then((registry) => UpscaleWorker.start({ url: redis.url, registry, runtime: nodeRuntime, device: 'cpu', train: true, log: (m) => log.push(m) }));
    const first = await start([]);
    const job = (await post({ kind: 'tsd', data, teacher, steps: 12, batch: 1, crop: 32, id: 'team-moved' })).json() as TrainJobStatus;
    expect((await waitFor(job.id, (s) => s.step >= 2)).status).toBe('running');
    await first.close();
    const secondLog: string[] = [];
    const second = await start(secondLog);
    try {
      const end = await waitFor(job.id, ended);
      expect(end, JSON.stringify(end)).toMatchObject({ status: 'done', step: 12, model: 'team-moved' });
      expect(secondLog.some((line) => /resuming \S+ at step [1-9]/.test(line))).toBe(true);
    } finally {
      await second.close();
    }
  });
});
