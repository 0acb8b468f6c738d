// End to end: tiny VAE, teacher and TSD student trained on generated images (every loss falls), the exported
// model opens with openUpscaler and is served by the bridge.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openUpscaler } from '../../../models/runtime/node.ts';
import { createRgbaImage } from '../../../models/runtime/index.ts';
import { trainTeacher, trainTsd, trainVae } from '../../../trainer/src/index.ts';
import { makePng, pngInfo, startBridge, tempConfigDir } from '../../bridge/helpers.ts';
import { TINY_DENOISER, TINY_VAE, writeTrainingImages } from '../loop/fixtures.ts';

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

/** Mean of the first and last `n` values of one loss. */
function firstAndLast(history: Record<string, number>[], key: string, n = 5): [number, number] {
  const mean = (xs: Record<string, number>[]) => xs.reduce((s, h) => s + (h[key] as number), 0) / xs.length;
  return [mean(history.slice(0, n)), mean(history.slice(-n))];
}

function expectFalling(history: Record<string, number>[], keys: readonly string[]): void {
  for (const key of keys) {
    const [first, last] = firstAndLast(history, key);
    console.log(`${key}: ${first.toPrecision(4)} → ${last.toPrecision(4)}`);
    expect(last, key).toBeLessThan(first);
  }
}

describe('tsdsr train, end to end on the tiny family', () => {
  it('trains vae, teacher and student with falling losses and serves the exported model', async () => {
    const config = await tempConfigDir();
    cleanup.push(config.cleanup);
    const data = await writeTrainingImages(4, 64);
    cleanup.push(() => rm(join(data, '..'), { recursive: true, force: true }));
    const run = (name: string) => join(config.dir, 'runs', name);
    const common = { data, batch: 2, cropSizePx: 32, workers: 0, warmupSteps: 2, checkpointEvery: 0, sampleEvery: 20, seed: 1 } as const;
    const vae = await trainVae({ ...common, out: run('vae'), steps: 80, lr: 3e-3 }, {}, { vae: TINY_VAE, denoiser: TINY_DENOISER });
    expectFalling(vae.history, ['loss', 'rec']);
    const teacher = await trainTeacher({ ...common, out: run('teacher'), vae: run('vae'), steps: 60, lr: 3e-3 }, {}, TINY_DENOISER);
    expectFalling(teacher.history, ['loss']);
    const modelDir = join(config.dir, 'models', 'tiny-style');
    const tsd = await trainTsd({
      ...common, out: run('tsd'), teacher: run('teacher'), exportDir: modelDir, id: 'tiny-style', steps: 40, lr: 2e-3, regLr: 1e-3,
      loraRank: 4, dasmSteps: 2, degradation: 'bicubic', sampleEvery: 12,
    });
    expectFalling(tsd.history, ['loss', 'perceptual', 'latent_mse', 'reg']);
    const manifest = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8'));
    expect(manifest).toMatchObject({ id: 'tiny-style', kind: 'tsdsr', latent: { channels: 16, factor: 8, timestep: 1000, multiple: 2 }, provenance: { perceptualLoss: 'l1+(1-ssim)', steps: 40 } });
    await expect(readFile(join(run('tsd'), 'samples', 'step-000012.png'))).resolves.toBeInstanceOf(Buffer);

    const upscaler = await openUpscaler(modelDir, 'cpu');
    const out = await upscaler.upscale(createRgbaImage(16, 16), { scale: 4 });
    expect([out.width, out.height]).toEqual([64, 64]);
    await upscaler.dispose();

    const bridge = await startBridge();
    cleanup.push(() => bridge.app.close());
    const auth = { authorization: `Bearer ${bridge.token}` };
    const { models } = (await bridge.app.inject({ url: '/v1/models', headers: auth })).json() as { models: { id: string }[] };
    expect(models.map((m) => m.id)).toContain('tiny-style');
    const res = await bridge.app.inject({ method: 'POST', url: '/v1/upscale?model=tiny-style&scale=2', headers: { ...auth, 'content-type': 'image/png' }, payload: await makePng(20, 12, false) });
    expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
    expect(await pngInfo(res.rawPayload)).toMatchObject({ width: 40, height: 24, format: 'png' });
  }, 180_000);
});
