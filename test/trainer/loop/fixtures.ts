// Test fixtures for the training loop: generated training images and tiny VAE/teacher folders.
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { initSmallDenoiser, initSmallVae } from '../../../models/nets/index.ts';
import { saveTeacherRun, saveVaeRun } from '../../../trainer/src/index.ts';
import { TINY_DENOISER, TINY_VAE } from '../../nets/small/helpers.ts';

export { TINY_DENOISER, TINY_VAE };

/** RGB pixels of image k: gradients, a disc, and dark strokes like text. */
function pixels(k: number, size: number): Buffer {
  const data = Buffer.alloc(size * size * 3);
  const [cx, cy, r] = [size * (0.3 + 0.1 * k), size * (0.6 - 0.07 * k), size * 0.2];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inDisc = (x - cx) ** 2 + (y - cy) ** 2 < r * r;
      const stroke = y % 12 >= 3 && y % 12 < 5 && x % 9 < 6 && y > size / 2;
      const base = [(x * 255) / size, (y * 255) / size, ((x + y + 40 * k) * 128) / size];
      const rgb = stroke ? [20, 20, 30] : inDisc ? [230, 60 + 40 * k, 40] : base;
      data.set(rgb.map((v) => Math.round(v) & 255), (y * size + x) * 3);
    }
  }
  return data;
}

/** A temp folder with `count` generated PNGs of `size` px in a subfolder named `style`. */
export async function writeTrainingImages(count = 4, size = 64, style = 'poster'): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'tsdsr-train-'));
  const dir = join(root, style);
  await mkdir(dir, { recursive: true });
  for (let k = 0; k < count; k++) await sharp(pixels(k, size), { raw: { width: size, height: size, channels: 3 } }).png().toFile(join(dir, `image-${k}.png`));
  return dir;
}

/** A teacher folder with freshly initialised tiny weights (no training), for loop tests. */
export async function writeUntrainedTeacher(dir: string): Promise<string> {
  const vaeDir = join(dir, 'vae');
  await saveVaeRun(vaeDir, initSmallVae(TINY_VAE, 1), { format: 'tsdsr-small-vae', config: TINY_VAE, provenance: {} });
  const teacherDir = join(dir, 'teacher');
  await saveTeacherRun(teacherDir, vaeDir, initSmallDenoiser(TINY_DENOISER, 2), { format: 'tsdsr-small-teacher', vae: TINY_VAE, denoiser: TINY_DENOISER, styles: ['poster'], provenance: {} });
  return teacherDir;
}
