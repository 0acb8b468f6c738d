// Training jobs over the bridge: refusals (token, roots, `..` and symlink escapes, disabled, bad bodies), a tiny tsd job
// that completes and is then served, and cancellation of a queued and of a running job.
import { mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainJobStatus } from '../../bridge-server/src/protocol/index.ts';
import { writeTrainingImages, writeUntrainedTeacher } from '../trainer/loop/fixtures.ts';
import { makePng, pngInfo, startBridge, tempConfigDir, type RunningBridge } from './helpers.ts';

/** Run options that make a tsd step take a fraction of a second (as in the trainer's end-to-end test). */
const TINY_RUN = {
  workers: 0, loraRank: 4, dasmSteps: 2, degradation: 'bicubic', checkpointEvery: 0, sampleEvery: 0, warmupSteps: 1, seed: 1, lr: 2e-3, regLr: 1e-3,
} as const;

const cleanup: (() => Promise<unknown>)[] = [];
let bridge: RunningBridge;
let root: string;
let data: string;
let teacher: string;
let auth: { authorization: string };

beforeAll(async () => {
  const config = await tempConfigDir();
  cleanup.push(config.cleanup);
  data = await writeTrainingImages(4, 64);
  root = join(data, '..');
  cleanup.push(() => rm(root, { recursive: true, force: true }));
  teacher = await writeUntrainedTeacher(join(root, 'runs'));
  bridge = await startBridge({ configDir: config.dir, modelRoots: [join(config.dir, 'models')], trainRoots: [root], training: { runDefaults: TINY_RUN } });
  cleanup.unshift(() => bridge.app.close());
  auth = { authorization: `Bearer ${bridge.token}` };
});

afterAll(async () => {
  for (const c of cleanup) await c();
});

function post(payload: unknown, headers: Record<string, string> = auth) {
  return bridge.app.inject({ method: 'POST', url: '/v1/train', headers, payload: payload as Record<string, unknown> });
}

async function status(id: string): Promise<TrainJobStatus> {
  return (await bridge.app.inject({ url: `/v1/train/${id}`, headers: auth })).json() as TrainJobStatus;
}

async function waitFor(id: string, done: (s: TrainJobStatus) => boolean, timeoutMs = 40_000): Promise<TrainJobStatus> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await status(id);
    if (done(s) || Date.now() > until) return s;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('POST /v1/train refusals', () => {
  it('needs the token', async () => {
    const res = await post({ kind: 'tsd', data, teacher }, {});
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthorized');
  });

  it('refuses data outside the roots, `..` escapes and symlink escapes with forbidden_path', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'tsdsr-outside-'));
    cleanup.push(() => rm(outside, { recursive: true, force: true }));
    await symlink(outside, join(root, 'escape'));
    for (const path of [outside, `${root}/../${outside.split('/').at(-1)}`, join(root, 'escape'), join(outside, 'missing')]) {
      const res = await post({ kind: 'tsd', data: path, teacher });
      expect(res.statusCode, path).toBe(403);
      expect(res.json().error.code, path).toBe('forbidden_path');
    }
    const viaTeacher = await post({ kind: 'tsd', data, teacher: outside });
    expect(viaTeacher.json().error.code).toBe('forbidden_path');
  });

  it('refuses bad bodies with bad_request', async () => {
    const bodies = [
      { kind: 'nope', data, teacher }, { kind: 'tsd', data }, { kind: 'tsd', data: 'relative/dir', teacher },
      { kind: 'tsd', data, teacher, steps: 0 }, { kind: 'tsd', data, teacher, extra: 1 }, { kind: 'tsd', data: join(root, 'missing'), teacher },
      { kind: 'tsd', data, teacher, id: 'Not An Id' },
    ];
    for (const body of bodies) {
      const res = await post(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('bad_request');
    }
    expect((await post({ kind: 'tsd', data, teacher, extra: 1 })).json().error.message).toBe("unknown field 'extra'");
  });

  it('answers unknown jobs with unknown_job', async () => {
    const res = await bridge.app.inject({ url: '/v1/train/train-nope', headers: auth });
    expect([res.statusCode, res.json().error.code]).toEqual([404, 'unknown_job']);
  });

  it('is disabled without training roots', async () => {
    const config = await tempConfigDir();
    const other = await startBridge({ configDir: config.dir, modelRoots: [] });
    try {
      const res = await other.app.inject({ method: 'POST', url: '/v1/train', headers: { authorization: `Bearer ${other.token}` }, payload: { kind: 'tsd', data, teacher } });
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'training_disabled', message: expect.stringContaining('--train-root') });
    } finally {
      await other.app.close();
      await config.cleanup();
    }
  });
});

describe('training jobs', () => {
  it('runs a tiny tsd job to done, then serves its model', async () => {
    const res = await post({ kind: 'tsd', data, teacher, steps: 4, batch: 2, crop: 32, id: 'tiny-api', style: 'poster' });
    expect(res.statusCode, res.body).toBe(202);
    const job = res.json() as TrainJobStatus;
    expect(job).toMatchObject({ kind: 'tsd', steps: 4 });
    expect(res.headers.location).toBe(`/v1/train/${job.id}`);
    const end = await waitFor(job.id, (s) => s.status !== 'queued' && s.status !== 'running');
    expect(end, JSON.stringify(end)).toMatchObject({ status: 'done', step: 4, model: 'tiny-api', etaSeconds: null });
    expect(Object.keys(end.losses ?? {})).toContain('loss');
    const list = (await bridge.app.inject({ url: '/v1/train', headers: auth })).json() as { jobs: TrainJobStatus[] };
    expect(list.jobs.map((j) => j.id)).toContain(job.id);

    const models = (await bridge.app.inject({ url: '/v1/models', headers: auth })).json() as { models: { id: string }[] };
    expect(models.models.map((m) => m.id)).toContain('tiny-api');
    const up = await bridge.app.inject({ method: 'POST', url: '/v1/upscale?model=tiny-api&scale=2', headers: { ...auth, 'content-type': 'image/png' }, payload: await makePng(20, 12, false) });
    expect(up.statusCode, up.body.slice(0, 200)).toBe(200);
    expect(await pngInfo(up.rawPayload)).toMatchObject({ width: 40, height: 24, format: 'png' });

    const again = await post({ kind: 'tsd', data, teacher, id: 'tiny-api' });
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'model_exists']);
  });

  it('cancels a queued job at once and a running one after a checkpoint', async () => {
    const long = (await post({ kind: 'tsd', data, teacher, steps: 100_000, batch: 1, crop: 32, id: 'tiny-long' })).json() as TrainJobStatus;
    const queued = (await post({ kind: 'tsd', data, teacher, steps: 2, batch: 1, crop: 32, id: 'tiny-queued' })).json() as TrainJobStatus;
    expect(queued.status).toBe('queued');
    const dropped = await bridge.app.inject({ method: 'DELETE', url: `/v1/train/${queued.id}`, headers: auth });
    expect(dropped.json()).toMatchObject({ status: 'cancelled', step: 0 });

    const running = await waitFor(long.id, (s) => s.step >= 1);
    expect(running).toMatchObject({ status: 'running', steps: 100_000 });
    expect(running.etaSeconds).toBeGreaterThan(0);
    await bridge.app.inject({ method: 'DELETE', url: `/v1/train/${long.id}`, headers: auth });
    const end = await waitFor(long.id, (s) => s.status !== 'running');
    expect(end.status).toBe('cancelled');
    expect(end.step).toBeGreaterThanOrEqual(1);
    expect(end.model).toBeUndefined();
    await expect(stat(join(end.outDir, 'checkpoint'))).resolves.toBeTruthy();
  });
});
