/** A tiny untrained fast-preset teacher and a check of how far a tsdsr model's output is from plain bicubic. */
import { join } from 'node:path';
import { FAST_VAE_CONFIG, initSmallDenoiser, initSmallVae, type SmallDenoiserConfig } from '../../../models/nets/index.ts';
import { createRgbaImage, type RgbaImage } from '../../../models/runtime/index.ts';
import { openUpscaler } from '../../../models/runtime/node.ts';
import { UpsampledImage } from '../../../models/runtime/upsample-window.ts';
import { saveTeacherRun, saveVaeRun } from '../../../trainer/src/index.ts';

const TINY_FAST_DENOISER: SmallDenoiserConfig = {
  inChannels: 48, outChannels: 48, blockOutChannels: [8, 16], layersPerBlock: 1, midLayers: 1, normNumGroups: 4, timeEmbedDim: 16, styleEmbedDim: 8,
};

/** Writes `<dir>/vae` and `<dir>/teacher` (the fast VAE and a tiny denoiser, untrained); returns the teacher folder. */
export async function untrainedFastTeacher(dir: string): Promise<string> {
  await saveVaeRun(join(dir, 'vae'), initSmallVae(FAST_VAE_CONFIG, 1), { format: 'tsdsr-small-vae', config: FAST_VAE_CONFIG, provenance: {} });
  await saveTeacherRun(join(dir, 'teacher'), join(dir, 'vae'), initSmallDenoiser(TINY_FAST_DENOISER, 2), {
    format: 'tsdsr-small-teacher', vae: FAST_VAE_CONFIG, denoiser: TINY_FAST_DENOISER, styles: ['poster'], provenance: {},
  });
  return join(dir, 'teacher');
}

/** The 16×12 test input, upscaled ×4 by a tsdsr model without colour fix. */
export async function upscaleTestInput(modelDir: string): Promise<{ input: RgbaImage; out: RgbaImage }> {
  const input = createRgbaImage(16, 12);
  for (let i = 0; i < input.data.length; i++) input.data[i] = i % 4 === 3 ? 255 : (i * 37) % 251;
  const upscaler = await openUpscaler(modelDir, 'cpu');
  try {
    return { input, out: await upscaler.upscale(input, { scale: 4, colorFix: 'none' }) };
  } finally {
    await upscaler.dispose();
  }
}

/** Largest per-channel difference (0..255) between a tsdsr output and the bicubic upsample of its input. */
export async function distanceFromBicubic(modelDir: string): Promise<number> {
  const { input, out } = await upscaleTestInput(modelDir);
  const expected = new UpsampledImage(input, 64, 48, -0.75).window(0, 0, 64, 48);
  let worst = 0;
  for (let c = 0; c < 3; c++) for (let i = 0; i < 64 * 48; i++) worst = Math.max(worst, Math.abs(out.data[i * 4 + c]! - expected[c * 64 * 48 + i]! * 255));
  return worst;
}
