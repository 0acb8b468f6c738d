// POST /v1/train takes every option `tsdsr train` takes, checked by the CLI's own validation (messages name the
// request's fields), and a cancelled job resumes from its checkpoint with POST /v1/train/:id/resume.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainJobStatus } from '../../bridge-server/src/protocol/index.ts';
import { ZOO_DIR } from '../../bridge-server/src/paths.ts';
import { SMALL_PRESETS } from '../../trainer/src/loop/family.ts';
import { BUDGET_STEP_CAP } from '../../trainer/src/loop/run-options.ts';
import { writeTrainingImages, writeUntrainedTeacher } from '../trainer/loop/fixtures.ts';
import { startBridge, tempConfigDir, type RunningBridge } from './helpers.ts';


/** Run options that make a step take a fraction of a second (as in test/bridge/train.test.ts). */
const TINY_RUN = { workers: 0, loraRank: 4, dasmSteps: 2, degradation: 'bicubic', checkpointEvery: 0, sampleEvery: 0, warmupSteps: 1, seed: 1, lr: 2e-3, regLr: 1e-3 } as const;

const cleanup: (() => Promise<unknown>)[] = [];
const logLines: string[] = [];
let bridge: RunningBridge;
let data: string;
let styleData: string;
let teacher: string;
let auth: { authorization: string };

/** A logger that keeps every message (the training manager logs through the app's logger). */
function recordingLogger(): never {
  const record = (...args: unknown[]): void => void logLines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  const logger: Record<string, unknown> = { level: 'trace', silent: () => {} };
  for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) logger[level] = record;
  logger.child = () => logger;
  return logger as never;
}

beforeAll(async () => {
  const config = await tempConfigDir();
  cleanup.push(config.cleanup);
  data = await writeTrainingImages(4, 64);
  const root = join(data, '..');
  teacher = await writeUntrainedTeacher(join(root, 'runs'));
  styleData = await writeTrainingImages(6, 64, 'posters');
  cleanup.push(() => rm(root, { recursive: true, force: true }), () => rm(join(styleData, '..'), { recursive: true, force: true }));
  bridge = await startBridge({
    configDir: config.dir, modelRoots: [ZOO_DIR, join(config.dir, 'models')], trainRoots: [root, join(styleData, '..')], training: { runDefaults: TINY_RUN },
    logger: recordingLogger(),
  });
  cleanup.unshift(() => bridge.app.close());
  auth = { authorization: `Bearer ${bridge.token}` };
});

afterAll(async () => {
  for (const c of cleanup) await c();
});

function post(payload: Record<string, unknown>, url = '/v1/train') {
  return bridge.app.inject({ method: 'POST', url, headers: auth, payload });
}

async function status(id: string): Promise<TrainJobStatus> {
  return (await bridge.app.inject({ url: `/v1/train/${id}`, headers: auth })).json() as TrainJobStatus;
}

async function waitFor(id: string, done: (s: TrainJobStatus) => boolean, timeoutMs = 60_000): Promise<TrainJobStatus> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await status(id);
    if (done(s) || Date.now() > until) return s;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const ended = (s: TrainJobStatus): boolean => s.status !== 'queued' && s.status !== 'running';

async function loggedSteps(outDir: string): Promise<number[]> {
  const text = await readFile(join(outDir, 'train.jsonl'), 'utf8');
  return text.split('\n').filter((line) => line.endsWith('}')).map((line) => (JSON.parse(line) as { step: number }).step);
}

describe('POST /v1/train options', () => {
  it('runs a tsd job with every tsd option, as tsdsr train tsd would', async () => {
    const res = await post({
      kind: 'tsd', data, teacher, steps: 2, batch: 1, crop: 32, lr: 1e-3, regLr: 5e-4, warmupSteps: 1, seed: 3, degradation: 'mixed', bicubicShare: 0.25,
      scales: [2, 4], detailCrops: 2, checkpointEvery: 1, studentTimestep: 500, loraRank: 2, dasmSteps: 1, regulariserWeight: 0.5, guidanceScale: 2,
      outputGate: true, frozenEncoder: true, adversarialWeight: 0.1, discLr: 2e-4, targetUsm: true, style: 'poster', id: 'tiny-every', name: 'Tiny every',
    });
    expect(res.statusCode, res.body).toBe(202);
    const end = await waitFor((res.json() as TrainJobStatus).id, ended);
    expect(end, JSON.stringify(end)).toMatchObject({ status: 'done', step: 2, model: 'tiny-every' });
    const checkpoint = JSON.parse(await readFile(join(end.outDir, 'checkpoint', 'checkpoint.json'), 'utf8')) as { options: Record<string, unknown> };
    expect(checkpoint.options).toMatchObject({
      steps: 2, batch: 1, cropSizePx: 32, lr: 1e-3, regLr: 5e-4, warmupSteps: 1, seed: 3, degradation: 'mixed', bicubicShare: 0.25, scales: [2, 4],
      detailCandidates: 2, checkpointEvery: 1, sampleEvery: 1, studentTimestep: 500, loraRank: 2, dasmSteps: 1, regulariserWeight: 0.5, guidanceScale: 2,
      outputGate: true, encoderLora: false, adversarialWeight: 0.1, discriminatorLr: 2e-4, targetUsm: true, style: 'poster', id: 'tiny-every', name: 'Tiny every',
    });
  });

  it('trains the preset named by arch', async () => {
    const res = await post({ kind: 'vae', data, arch: 'fast', crop: 32, steps: 1, batch: 1 });
    expect(res.statusCode, res.body).toBe(202);
    const end = await waitFor((res.json() as TrainJobStatus).id, ended);
    expect(end.status, end.error).toBe('done');
    const vae = JSON.parse(await readFile(join(end.outDir, 'vae.json'), 'utf8')) as { config: Record<string, unknown> };
    expect(vae.config).toMatchObject({ ...SMALL_PRESETS.fast.vae, scalingFactor: expect.any(Number) });
    expect(SMALL_PRESETS.fast.vae).not.toEqual(SMALL_PRESETS.small.vae);
  });

  it('refuses bad values with the CLI\'s message, naming the request\'s field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ kind: 'tsd', teacher, lr: 2 }, 'lr 2: use a number between 0 and 1, e.g. 1e-4'],
      [{ kind: 'tsd', teacher, steps: -5 }, 'steps must be a positive integer, got -5'],
      [{ kind: 'tsd', teacher, batch: 1.5 }, 'batch 1.5: use a whole number from 1 to 256'],
      [{ kind: 'tsd', teacher, arch: 'fast' }, "arch applies to kind 'vae' and kind 'teacher', not to kind 'tsd'"],
      [{ kind: 'vae', arch: 'huge' }, 'arch huge: use one of small, fast'],
      [{ kind: 'teacher', vae: join(teacher, '..', 'vae'), arch: 'fast', crop: 100 }, 'crop 100: the fast preset needs a multiple of'],
      [{ kind: 'tsd', teacher, degradation: 'jpeg' }, 'degradation jpeg: use one of realesrgan, bicubic, mixed'],
      [{ kind: 'tsd', teacher, bicubicShare: 0.3 }, 'bicubicShare applies only with degradation mixed'],
      [{ kind: 'tsd', teacher, scales: [3], crop: 32 }, 'scales 3: the crop (32 px) must be a multiple of every scale'],
      [{ kind: 'tsd', teacher, repeatFolder: { photos: 0 } }, 'repeatFolder photos=0: use <folder>=<times>'],
      [{ kind: 'vae', loraRank: 4 }, "loraRank applies to kind 'tsd', not to kind 'vae'"],
      [{ kind: 'tsd', teacher, minutes: 0 }, 'minutes 0: use a number above 0'],
      [{ kind: 'style' }, `kind 'style' needs name "<display name>"`],
      [{ kind: 'style', name: 'Posters', teacher }, 'teacher, vae and initStudent do not apply'],
      [{ kind: 'vae', fromModel: teacher }, "fromModel applies to kind 'tsd', not to kind 'vae'"],
      [{ kind: 'tsd', teacher, fromModel: 'tiny-every' }, 'give teacher or fromModel, not both'],
      [{ kind: 'tsd', teacher, preset: 'fast' }, "unknown field 'preset'"],
    ];
    for (const [body, message] of cases) {
      const res = await post({ data, ...body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('bad_request');
      expect(res.json().error.message, JSON.stringify(body)).toContain(message);
    }
    const unknown = await post({ kind: 'tsd', data, fromModel: 'no-such-model' });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'unknown_model']);
  });
});

describe('a style job', () => {
  it('fine-tunes tsdsr-fast, lists the model under the name\'s id and reports the held-out scores', async () => {
    const res = await post({ kind: 'style', data: styleData, name: 'My Posters', steps: 2, crop: 64, batch: 1, minutes: 5 });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ kind: 'style', options: { minutes: 5, fromLabel: 'tsdsr-fast', id: 'my-posters', name: 'My Posters' } });
    const end = await waitFor((res.json() as TrainJobStatus).id, ended, 110_000);
    expect(end, JSON.stringify(end)).toMatchObject({ status: 'done', step: 2, model: 'my-posters' });
    expect(end.heldOut).toHaveLength(1);
    expect(end.scores?.map((s) => s.label)).toEqual(['bicubic', 'tsdsr-fast', 'my-posters']);
    expect(end.scores?.every((s) => s.psnrY > 10 && s.psnrY < 100)).toBe(true);
    const models = (await bridge.app.inject({ url: '/v1/models', headers: auth })).json() as { models: { id: string; name: string }[] };
    expect(models.models).toContainEqual(expect.objectContaining({ id: 'my-posters', name: 'My Posters' }));
  }, 120_000);
});

describe('a time budget', () => {
  it('counts down the budget, then reports the step count the run fitted to it', async () => {
    const job = (await post({ kind: 'tsd', data, teacher, steps: 100_000, batch: 1, crop: 32, regulariserWeight: 0, minutes: 0.5, id: 'tiny-budget' })).json() as TrainJobStatus;
    const first = await waitFor(job.id, (s) => s.step >= 1);
    expect(first.etaSeconds).toBeLessThanOrEqual(30);
    const fitted = await waitFor(job.id, (s) => s.steps < 100_000 || ended(s));
    expect(fitted).toMatchObject({ status: 'running' });
    expect(fitted.steps).toBeGreaterThan(fitted.step);
    expect(logLines.join('\n')).toMatch(new RegExp(`training job ${job.id}: time budget 0:30: ${fitted.steps} steps`));
    await bridge.app.inject({ method: 'DELETE', url: `/v1/train/${job.id}`, headers: auth });
    expect((await waitFor(job.id, ended)).status).toBe('cancelled');
  });
});

describe('cancel and resume', () => {
  it('continues a cancelled job from the step its checkpoint saved', async () => {
    const long = (await post({ kind: 'tsd', data, teacher, steps: 100_000, batch: 1, crop: 32, regulariserWeight: 0, id: 'tiny-resumed' })).json() as TrainJobStatus;
    // Queued behind it: fromModel (a model id the bridge lists) and minutes reach the job's run options.
    const fromModel = await post({ kind: 'tsd', data, fromModel: 'tiny-every', minutes: 2.5, crop: 32, id: 'tiny-further' });
    expect(fromModel.statusCode, fromModel.body).toBe(202);
    const queued = fromModel.json() as TrainJobStatus;
    expect(queued.status).toBe('queued');
    const listed = (await bridge.app.inject({ url: '/v1/models', headers: auth })).json() as { models: { id: string }[] };
    expect(listed.models.map((m) => m.id)).toContain('tiny-every');
    // with minutes and no steps the budget alone sets the length, as on the command line
    expect(queued.options).toMatchObject({ minutes: 2.5, steps: BUDGET_STEP_CAP, fromModel: expect.stringMatching(/[\\/]tiny-every$/) });
    await bridge.app.inject({ method: 'DELETE', url: `/v1/train/${queued.id}`, headers: auth });

    await waitFor(long.id, (s) => s.step >= 2);
    expect((await post({}, `/v1/train/${long.id}/resume`)).json().error).toMatchObject({ code: 'bad_request', message: expect.stringContaining('only a cancelled job') });
    await bridge.app.inject({ method: 'DELETE', url: `/v1/train/${long.id}`, headers: auth });
    const cancelled = await waitFor(long.id, ended);
    expect(cancelled.status).toBe('cancelled');
    const saved = cancelled.step;
    expect(logLines.join('\n')).toContain(`stopped at step ${saved}; resume with POST /v1/train/${long.id}/resume`);
    expect(logLines.join('\n')).not.toContain('continue with --resume');

    const resumed = await post({}, `/v1/train/${long.id}/resume`);
    expect(resumed.statusCode, resumed.body).toBe(202);
    expect(resumed.headers.location).toBe(`/v1/train/${long.id}`);
    expect(resumed.json()).toMatchObject({ id: long.id, status: expect.stringMatching(/^(queued|running)$/) });
    const running = await waitFor(long.id, (s) => s.step >= saved + 2);
    expect(running.status).toBe('running');
    await bridge.app.inject({ method: 'DELETE', url: `/v1/train/${long.id}`, headers: auth });
    const again = await waitFor(long.id, ended);
    expect(again.status).toBe('cancelled');
    const steps = await loggedSteps(again.outDir);
    expect(steps.slice(0, saved + 2)).toEqual(Array.from({ length: saved + 2 }, (_, i) => i + 1)); // no restart at step 1
    expect(logLines.join('\n')).toContain(`resuming tsd at step ${saved} of 100000`);

    const unknown = await post({}, '/v1/train/train-nope/resume');
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'unknown_job']);
  });
});
