import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import {
  DataLoader, makeSample, sampleOptions, scanImageFolder, type ImageEntry, type TrainingSample,
} from '../../../trainer/src/data/index.ts';
import { writeImageFolder } from '../../helpers/trainer-images.ts';

let root = '';
let entries: ImageEntry[] = [];
const options = sampleOptions({ cropSizePx: 96, scale: 4 });

beforeAll(async () => {
  root = await writeImageFolder('watercolour');
  entries = await scanImageFolder(root);
});
afterAll(async () => {
  await rm(path.dirname(root), { recursive: true, force: true });
});

/** The next n samples of a fresh loader, closed afterwards. */
async function take(workers: number, n: number, state?: { seed: number; epoch: number; index: number }): Promise<TrainingSample[]> {
  const loader = new DataLoader({ entries, seed: 7, sample: options, workers, state });
  try {
    const out: TrainingSample[] = [];
    for (let i = 0; i < n; i++) out.push(await loader.next());
    return out;
  } finally {
    await loader.close();
  }
}

/** Comparable digest of samples (positions, texts, exact pixels). */
const digest = (samples: TrainingSample[]) => samples.map((s) => ({
  at: [s.epoch, s.index], caption: s.caption, path: s.relativePath, hr: Buffer.from(s.hr.buffer).toString('base64'), lr: Buffer.from(s.lr.buffer).toString('base64'),
}));

describe('folder scan', () => {
  it('finds nested PNG/JPEG/WebP in sorted order with captions, else the folder style', () => {
    expect(entries.map((e) => e.relativePath)).toEqual(['a.png', 'b/c.jpg', 'b/deep/d.webp', 'b/e.JPEG']);
    expect(entries.map((e) => e.caption)).toEqual(['a red ring on a checkerboard', null, 'small webp', null]);
    expect(new Set(entries.map((e) => e.style))).toEqual(new Set(['watercolour']));
    expect(entries.map((e) => [e.width, e.height])).toEqual([[640, 560], [600, 600], [300, 200], [520, 700]]);
  });

  it('takes an explicit style name and a minimum size', async () => {
    const named = await scanImageFolder(root, { style: 'house style', minSidePx: 500 });
    expect(named.map((e) => e.relativePath)).toEqual(['a.png', 'b/c.jpg', 'b/e.JPEG']);
    expect(named.every((e) => e.style === 'house style')).toBe(true);
  });
});

describe('samples', () => {
  it('have the right sizes, ranges and texts, and are deterministic', async () => {
    const epochOf = await Promise.all(entries.map((_, i) => makeSample(entries, options, 7, 0, i)));
    expect(new Set(epochOf.map((s) => s.relativePath)).size).toBe(entries.length);
    for (const s of epochOf) {
      expect([s.hrSizePx, s.lrSizePx, s.hr.length, s.lr.length]).toEqual([96, 24, 3 * 96 * 96, 3 * 24 * 24]);
      expect(s.hr.every((v) => v >= 0 && v <= 1) && s.lr.every((v) => v >= 0 && v <= 1)).toBe(true);
      const entry = entries.find((e) => e.relativePath === s.relativePath) as ImageEntry;
      expect(s.caption).toBe(entry.caption ?? 'watercolour');
    }
    const again = await makeSample(entries, options, 7, 0, 2);
    expect(digest([again])).toEqual(digest([epochOf[2] as TrainingSample]));
  });

  it('bicubic mode gives the plain bicubic LR of the same crop', async () => {
    const bicubic = sampleOptions({ cropSizePx: 64, degradation: 'bicubic' });
    const s = await makeSample(entries, bicubic, 3, 0, 0);
    expect(s.lrSizePx).toBe(16);
    let mean = 0;
    for (let i = 0; i < s.lr.length; i++) mean += s.lr[i] as number;
    let hrMean = 0;
    for (let i = 0; i < s.hr.length; i++) hrMean += s.hr[i] as number;
    expect(mean / s.lr.length).toBeCloseTo(hrMean / s.hr.length, 1);
  });
});

describe('DataLoader', () => {
  it('gives the same samples in the same order in-process and with 1 or 2 workers', async () => {
    const n = 6;
    const local = digest(await take(0, n));
    expect(local.map((s) => s.at)).toEqual([[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1]]);
    expect(digest(await take(1, n))).toEqual(local);
    expect(digest(await take(2, n))).toEqual(local);
  });

  it('resumes from a saved position', async () => {
    const loader = new DataLoader({ entries, seed: 7, sample: options, workers: 0 });
    for (let i = 0; i < 3; i++) await loader.next();
    const state = JSON.parse(JSON.stringify(loader.getState()));
    expect(state).toEqual({ seed: 7, epoch: 0, index: 3 });
    const rest = digest([await loader.next(), await loader.next()]);
    await loader.close();
    expect(digest(await take(2, 2, state))).toEqual(rest);
  });

  it('stacks batches', async () => {
    const loader = new DataLoader({ entries, seed: 7, sample: options, workers: 0 });
    const batch = await loader.nextBatch(3);
    await loader.close();
    expect(batch.size).toBe(3);
    expect(batch.hr.length).toBe(3 * 3 * 96 * 96);
    expect(batch.positions).toEqual([{ epoch: 0, index: 0 }, { epoch: 0, index: 1 }, { epoch: 0, index: 2 }]);
  });
});
