// `tsdsr upscale --model tsdsr-auto`: each image through the model the degradation estimate picks, and says which.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upscaleCommand } from '../../bridge-server/src/cli/upscale.ts';
import type { RgbaImage } from '../../models/runtime/index.ts';
import { tempConfigDir } from '../bridge/helpers.ts';
import { linesIO } from '../helpers/cli-io.ts';
import { texture } from '../helpers/textures.ts';

let dir: string;
let cleanup: () => Promise<void>;

const png = (image: RgbaImage): Promise<Buffer> => sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 4 } }).png().toBuffer();

/** The image with seeded uniform noise of ±`amplitude` levels on each colour channel. */
function noisy(image: RgbaImage, amplitude: number): RgbaImage {
  let s = 5;
  const data = image.data.map((v, p) => ((p & 3) === 3 ? v : Math.max(0, Math.min(255, Math.round(v + amplitude * (2 * ((s = (s * 16807) % 2147483647) / 2147483647) - 1))))));
  return { ...image, data };
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempConfigDir());
  const clean = texture(40, 40, 3, 0.05);
  await writeFile(join(dir, 'clean.png'), await png(clean));
  await writeFile(join(dir, 'noisy.png'), await png(noisy(clean, 30)));
  // an icon: the noisy texture with its top 8 rows transparent
  const icon = noisy(clean, 30);
  for (let p = 0; p < 40 * 8; p++) icon.data[4 * p + 3] = 0;
  await writeFile(join(dir, 'noisy-icon.png'), await png(icon));
  // a screenshot: opaque dark strokes on a flat light ground, like lines of text, then noise
  const text = texture(96, 64, 1, 0);
  for (let y = 0; y < 64; y++) {
    for (let x = 0; x < 96; x++) {
      const ink = y % 24 > 6 && y % 24 < 18 && (x % 12 < 3 || (y % 24 === 11 && x % 36 < 20));
      text.data.fill(ink ? 30 : 240, 4 * (y * 96 + x), 4 * (y * 96 + x) + 3);
      text.data[4 * (y * 96 + x) + 3] = 255;
    }
  }
  await writeFile(join(dir, 'noisy-text.png'), await png(noisy(text, 30)));
});
afterAll(() => cleanup());

describe('tsdsr upscale --model tsdsr-auto', () => {
  it('prints the model it chose for each image and a summary of all', async () => {
    const io = linesIO(dir);
    const code = await upscaleCommand([join(dir, 'clean.png'), join(dir, 'noisy.png'), join(dir, 'noisy-icon.png'), join(dir, 'noisy-text.png'), '-o', join(dir, 'out'), '--model', 'tsdsr-auto', '--scale', '2', '--device', 'cpu'], io);
    expect(code).toBe(0);
    expect(io.lines.find((l) => l.includes('clean.png'))).toMatch(/40x40 -> 80x80 with tsdsr-fast \(clean, degradation score 0\.\d\d\)/);
    expect(io.lines.find((l) => l.includes('noisy.png'))).toMatch(/40x40 -> 80x80 with tsdsr-real \(degraded, degradation score (0\.\d\d|1\.00)\)/);
    expect(io.lines.find((l) => l.includes('noisy-icon.png'))).toMatch(/40x40 -> 80x80 with tsdsr-real-graphics \(degraded, degradation score (0\.\d\d|1\.00)\)/);
    expect(io.lines.find((l) => l.includes('noisy-text.png'))).toMatch(/96x64 -> 192x128 with tsdsr-real-graphics \(degraded, degradation score (0\.\d\d|1\.00)\)/);
    expect(io.lines.at(-1)).toMatch(/^4 of 4 images upscaled 2x with tsdsr-auto \(tsdsr-fast for 1, tsdsr-real for 1, tsdsr-real-graphics for 2\) on cpu in/);
  });
});
