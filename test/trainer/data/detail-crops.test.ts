// Detail-biased crops (of several candidate windows, the one with the most edges is kept) and folder repeats.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSample, sampleOptions, scanImageFolder, windowDetail, type ImageEntry } from '../../../trainer/src/data/index.ts';
import { repeatFolders } from '../../../trainer/src/loop/runs.ts';

let root = '';
let entries: ImageEntry[] = [];

/** A 256² white image with one 40² checkerboard patch: most windows of 48 px are empty. */
async function sparseIcon(file: string): Promise<void> {
  const size = 256;
  const data = Buffer.alloc(size * size * 3, 255);
  for (let y = 150; y < 190; y++) for (let x = 60; x < 100; x++) if (((x >> 2) + (y >> 2)) % 2) data.fill(0, (y * size + x) * 3, (y * size + x) * 3 + 3);
  await sharp(data, { raw: { width: size, height: size, channels: 3 } }).png().toFile(file);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'detail-crops-'));
  await sparseIcon(path.join(root, 'icon.png'));
  entries = await scanImageFolder(root);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('detail-biased crops', () => {
  const detailOf = (hr: Float32Array) => windowDetail({ data: hr, width: 48, height: 48, channels: 3 }, 0, 0, 48);
  const crops = async (detailCandidates: number) => {
    const options = sampleOptions({ cropSizePx: 48, scale: 4, degradation: 'bicubic', detailCandidates });
    return Promise.all(Array.from({ length: 24 }, (_, i) => makeSample(entries, options, 11, 0, i)));
  };

  it('keeps windows with edges far more often than plain random crops, deterministically', async () => {
    const [plain, picked] = [await crops(1), await crops(6)];
    const withEdges = (samples: { hr: Float32Array }[]) => samples.filter((s) => detailOf(s.hr) > 0.01).length;
    expect(withEdges(picked)).toBeGreaterThan(withEdges(plain) + 4);
    const again = await crops(6);
    expect(again.map((s) => Array.from(s.hr.subarray(0, 64)))).toEqual(picked.map((s) => Array.from(s.hr.subarray(0, 64))));
  }, 60_000);

  it('measures detail as the mean absolute neighbour difference', () => {
    const flat = { data: new Float32Array(3 * 16).fill(0.5), width: 4, height: 4, channels: 3 };
    expect(windowDetail(flat, 0, 0, 4)).toBe(0);
    const stripes = { data: Float32Array.from({ length: 3 * 16 }, (_, i) => (i % 2 ? 1 : 0)), width: 4, height: 4, channels: 3 };
    expect(windowDetail(stripes, 0, 0, 4)).toBe(1); // every horizontal step is 1, every vertical step 0
  });

  it('refuses a count below one', () => {
    expect(() => sampleOptions({ detailCandidates: 0 })).toThrow(/detailCandidates/);
  });
});

describe('folder repeats', () => {
  const entry = (relativePath: string) => ({ path: `/d/${relativePath}`, relativePath, width: 64, height: 64, style: 'd' }) as ImageEntry;
  const entries = [entry('photos/a.png'), entry('graphics/b.png'), entry('photos/sub/c.png'), entry('top.png')];

  it('draws the images under a named top-level folder that many times per epoch', () => {
    const out = repeatFolders(entries, { photos: 3 });
    expect(out.map((e) => e.relativePath).sort()).toEqual(['graphics/b.png', 'photos/a.png', 'photos/a.png', 'photos/a.png', 'photos/sub/c.png', 'photos/sub/c.png', 'photos/sub/c.png', 'top.png']);
    expect(repeatFolders(entries, {})).toEqual(entries);
  });

  it('refuses a folder with no images and a count below one', () => {
    expect(() => repeatFolders(entries, { scans: 2 })).toThrow(/no images under scans\//);
    expect(() => repeatFolders(entries, { photos: 0 })).toThrow(/whole number of at least 1/);
  });
});
