import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { DataLoader, sampleOptions, scanImageFolder, scanTrainingFolder } from '../../../trainer/src/data/index.ts';
import { texturePixels } from '../../helpers/trainer-images.ts';

let root = '';

/** Encoded synthetic image bytes in the given format. */
async function encode(format: 'png' | 'jpeg', width: number, height: number, variant: number): Promise<Buffer> {
  const image = sharp(texturePixels(width, height, variant), { raw: { width, height, channels: 3 } });
  return format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 90 }).toBuffer();
}

beforeAll(async () => {
  root = path.join(await mkdtemp(path.join(os.tmpdir(), 'tsdsr-corrupt-')), 'textures');
  await mkdir(root, { recursive: true });
  for (let i = 0; i < 3; i++) await writeFile(path.join(root, `good-${i}.png`), await encode('png', 160, 160, i));
  const jpeg = await encode('jpeg', 400, 400, 5);
  await writeFile(path.join(root, 'broken.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
});
afterAll(async () => {
  await rm(path.dirname(root), { recursive: true, force: true });
});

describe('a truncated JPEG in a training folder', () => {
  it('is left out of the scan and named in a warning with a count', async () => {
    const messages: string[] = [];
    const entries = await scanTrainingFolder(root, { minSidePx: 64, log: (m) => messages.push(m) });
    expect(entries.map((e) => e.relativePath)).toEqual(['good-0.png', 'good-1.png', 'good-2.png']);
    expect(messages.some((m) => m.includes('broken.jpg') && m.includes('unreadable'))).toBe(true);
    expect(messages.some((m) => m.includes('skipped 1 of 4'))).toBe(true);
    expect((await scanImageFolder(root)).map((e) => e.relativePath)).not.toContain('broken.jpg');
  });

  it('does not stop a worker loader: batches keep coming', async () => {
    const entries = await scanTrainingFolder(root, { minSidePx: 64, log: () => undefined });
    const loader = new DataLoader({ entries, seed: 3, sample: sampleOptions({ cropSizePx: 64, degradation: 'bicubic' }), workers: 1 });
    try {
      for (let step = 0; step < 5; step++) expect((await loader.nextBatch(2)).size).toBe(2);
    } finally {
      await loader.close();
    }
  });

  it('refuses a folder where nothing is usable, saying how many files it found', async () => {
    await expect(scanTrainingFolder(root, { minSidePx: 1000, log: () => undefined })).rejects.toThrow(/no usable .* \(found 4 image files, 4 skipped\)/);
  });
});
