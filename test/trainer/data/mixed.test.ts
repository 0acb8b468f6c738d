// Mixed degradations and scales: per-sample draws, LR upsampled to the crop size like the runtime, clear refusals.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resizePlanar } from '../../../models/runtime/resize.ts';
import { bicubicLr, makeSample, sampleOptions, scanImageFolder, type ImageEntry } from '../../../trainer/src/data/index.ts';
import { writeImageFolder } from '../../helpers/trainer-images.ts';

let root = '';
let entries: ImageEntry[] = [];

beforeAll(async () => {
  root = await writeImageFolder('mixed');
  entries = await scanImageFolder(root);
});
afterAll(async () => {
  await rm(path.dirname(root), { recursive: true, force: true });
});

describe('mixed degradations and scales', () => {
  const options = sampleOptions({ cropSizePx: 48, scales: [2, 3, 4], degradation: 'mixed', bicubicShare: 0.5, upsampleLr: true });

  it('draws every scale and both degradations, and every LR comes back at the crop size', async () => {
    const samples = await Promise.all(Array.from({ length: 24 }, (_, i) => makeSample(entries, options, 3, 0, i)));
    expect(new Set(samples.map((s) => s.scale))).toEqual(new Set([2, 3, 4]));
    expect(new Set(samples.map((s) => s.degradation))).toEqual(new Set(['bicubic', 'realesrgan']));
    for (const s of samples) {
      expect(s.lrSizePx).toBe(48);
      expect(s.lr.length).toBe(3 * 48 * 48);
      expect(Math.min(...s.lr)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...s.lr)).toBeLessThanOrEqual(1);
    }
  }, 60_000);

  it('upsamples a bicubic LR exactly as the runtime does (Keys a = −0.75, clamped)', async () => {
    const bicubicOnly = sampleOptions({ cropSizePx: 48, scales: [3], degradation: 'bicubic', upsampleLr: true });
    const s = await makeSample(entries, bicubicOnly, 5, 0, 1);
    const hr = { width: 48, height: 48, channels: 3, data: s.hr };
    const lr = bicubicLr(hr, 3);
    const expected = resizePlanar(lr.data, 3, 16, 16, 48, 48, -0.75).map((v) => Math.min(1, Math.max(0, v)));
    expect(s.scale).toBe(3);
    expect(Array.from(s.lr)).toEqual(Array.from(expected));
  });

  it('keeps one scale and the plain LR size without the new options', async () => {
    const s = await makeSample(entries, sampleOptions({ cropSizePx: 48, scale: 4, degradation: 'bicubic' }), 5, 0, 0);
    expect([s.scale, s.lrSizePx, s.degradation]).toEqual([4, 12, 'bicubic']);
  });

  it('refuses settings that cannot make same-shaped batches', () => {
    expect(() => sampleOptions({ cropSizePx: 48, scales: [2, 4] })).toThrow(/several scales need upsampleLr/);
    expect(() => sampleOptions({ cropSizePx: 50, scales: [2, 3], upsampleLr: true })).toThrow(/crop 50 is not a multiple of scale 3/);
    expect(() => sampleOptions({ cropSizePx: 48, scales: [], upsampleLr: true })).toThrow(/at least one factor/);
    expect(() => sampleOptions({ cropSizePx: 48, degradation: 'mixed', bicubicShare: 1.5 })).toThrow(/bicubicShare/);
  });
});
