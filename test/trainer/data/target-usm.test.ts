// targetUsm: the loader's HR is usmSharpen(HR) (Real-ESRGAN's gt_usm) when on, the plain crop when off; the LR is the same either way.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, sampleOptions, scanImageFolder, usmSharpen, type ImageEntry, type TrainingSample } from '../../../trainer/src/data/index.ts';
import { writeImageFolder } from '../../helpers/trainer-images.ts';

let root = '';
let entries: ImageEntry[] = [];

beforeAll(async () => {
  root = await writeImageFolder('watercolour');
  entries = await scanImageFolder(root);
});
afterAll(async () => {
  await rm(path.dirname(root), { recursive: true, force: true });
});

/** The first n samples of a loader with these options. */
async function take(targetUsm: boolean, degradation: 'realesrgan' | 'bicubic', workers: number, n = 2): Promise<TrainingSample[]> {
  const loader = new DataLoader({ entries, seed: 5, sample: sampleOptions({ cropSizePx: 64, scale: 4, degradation, targetUsm }), workers });
  try {
    return await Promise.all(Array.from({ length: n }, () => loader.next()));
  } finally {
    await loader.close();
  }
}

const maxDifference = (a: Float32Array, b: Float32Array): number => a.reduce((m, x, i) => Math.max(m, Math.abs(x - (b[i] as number))), 0);

describe('targetUsm', () => {
  it.each(['realesrgan', 'bicubic'] as const)('returns usmSharpen(HR) as the HR and the unchanged LR (%s)', async (degradation) => {
    const [plain, sharpened] = [await take(false, degradation, 0), await take(true, degradation, 0)];
    for (const [p, s] of plain.map((x, i) => [x, sharpened[i]!] as const)) {
      const expected = usmSharpen({ width: p.hrSizePx, height: p.hrSizePx, channels: 3, data: p.hr }).data;
      expect(maxDifference(s.hr, expected)).toBeLessThan(1e-6);
      expect(maxDifference(s.hr, p.hr)).toBeGreaterThan(1e-3); // sharpening changed the target
      expect(Buffer.from(s.lr.buffer).equals(Buffer.from(p.lr.buffer))).toBe(true);
    }
  });

  it('is off by default, and reaches the sample workers', async () => {
    expect(sampleOptions().targetUsm).toBe(false);
    const [local, worker] = [await take(true, 'realesrgan', 0, 1), await take(true, 'realesrgan', 1, 1)];
    expect(Buffer.from(worker[0]!.hr.buffer).equals(Buffer.from(local[0]!.hr.buffer))).toBe(true);
  });
});
