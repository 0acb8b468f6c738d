// The student's zero-initialised output gate, and full fine-tuning from the teacher with conv_out zeroed: with a
// pixel-shuffle-skip VAE, a student that has barely moved upscales exactly like the runtime's bicubic step, however
// poor the teacher it starts from; mixed scales 2–4.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FAST_VAE_CONFIG, initSmallDenoiser, initSmallVae, type SmallDenoiserConfig } from '../../../models/nets/index.ts';
import { createRgbaImage } from '../../../models/runtime/index.ts';
import { openUpscaler } from '../../../models/runtime/node.ts';
import { UpsampledImage } from '../../../models/runtime/upsample-window.ts';
import { saveTeacherRun, saveVaeRun, trainTsd } from '../../../trainer/src/index.ts';
import { writeTrainingImages } from '../loop/fixtures.ts';

const TINY_FAST_DENOISER: SmallDenoiserConfig = {
  inChannels: 48, outChannels: 48, blockOutChannels: [8, 16], layersPerBlock: 1, midLayers: 1, normNumGroups: 4, timeEmbedDim: 16, styleEmbedDim: 8,
};

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup) await c();
});

async function untrainedFastTeacher(dir: string): Promise<string> {
  await saveVaeRun(join(dir, 'vae'), initSmallVae(FAST_VAE_CONFIG, 1), { format: 'tsdsr-small-vae', config: FAST_VAE_CONFIG, provenance: {} });
  await saveTeacherRun(join(dir, 'teacher'), join(dir, 'vae'), initSmallDenoiser(TINY_FAST_DENOISER, 2), {
    format: 'tsdsr-small-teacher', vae: FAST_VAE_CONFIG, denoiser: TINY_FAST_DENOISER, styles: ['poster'], provenance: {},
  });
  return join(dir, 'teacher');
}

/** Largest per-channel difference (0..255) between a tsdsr output and the bicubic upsample of its input. */
async function distanceFromBicubic(modelDir: string): Promise<number> {
  const input = createRgbaImage(16, 12);
  for (let i = 0; i < input.data.length; i++) input.data[i] = i % 4 === 3 ? 255 : (i * 37) % 251;
  const upscaler = await openUpscaler(modelDir, 'cpu');
  try {
    const out = await upscaler.upscale(input, { scale: 4, colorFix: 'none' });
    const expected = new UpsampledImage(input, 64, 48, -0.75).window(0, 0, 64, 48);
    let worst = 0;
    for (let c = 0; c < 3; c++) for (let i = 0; i < 64 * 48; i++) worst = Math.max(worst, Math.abs(out.data[i * 4 + c]! - expected[c * 64 * 48 + i]! * 255));
    return worst;
  } finally {
    await upscaler.dispose();
  }
}

describe('TSD student output gate and full fine-tuning', () => {
  it('start from the bicubic input and fold into the exported model', async () => {
    const data = await writeTrainingImages(3, 64);
    cleanup.push(() => rm(join(data, '..'), { recursive: true, force: true }));
    const teacher = await untrainedFastTeacher(join(data, '..', 'runs'));
    const run = async (outputGate: boolean, name: string, fullFineTune = false): Promise<string> => {
      const exportDir = join(data, '..', name);
      await trainTsd({
        data, out: join(data, '..', `run-${name}`), teacher, exportDir, id: name, steps: 2, batch: 1, cropSizePx: 48, scales: [2, 3, 4],
        degradation: 'mixed', studentTimestep: 250, outputGate, fullFineTune, encoderLora: !fullFineTune, lr: 1e-9, regLr: 1e-9, warmupSteps: 0, loraRank: 2, dasmSteps: 2,
        workers: 0, checkpointEvery: 0, sampleEvery: 0, seed: 4,
      });
      return exportDir;
    };
    const gated = await run(true, 'gated');
    const manifest = JSON.parse(await readFile(join(gated, 'model.json'), 'utf8'));
    expect(manifest.latent).toMatchObject({ channels: 48, factor: 4, timestep: 250 });
    expect(await distanceFromBicubic(gated)).toBeLessThanOrEqual(1);
    // so does a fully fine-tuned student, which starts from the teacher with conv_out zeroed
    expect(await distanceFromBicubic(await run(false, 'full', true))).toBeLessThanOrEqual(1);
    // without either, the same untrained student is far from its input
    expect(await distanceFromBicubic(await run(false, 'ungated'))).toBeGreaterThan(8);
  }, 180_000);
});
