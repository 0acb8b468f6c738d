// Input smoothing by sliding-window DCT shrinkage (models/runtime/dct-smoothing.ts): checked against the method
// written out directly, on JPEG's own artefacts, on edges and on transparency; and as a model's `denoise` method.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { dctSmooth } from '../../models/runtime/dct-smoothing.ts';
import { denoise } from '../../models/runtime/denoise.ts';
import { inputSmoothing, smoothingSettings, type RgbaImage } from '../../models/runtime/index.ts';
import { parseManifest } from '../../models/runtime/manifest.ts';
import { openUpscaler } from '../../models/runtime/node.ts';
import { writeToyTsdsr } from '../helpers/toy-tsdsr.ts';

/** A deterministic pseudo-random generator (LCG) returning numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** An opaque image of `rgb(x, y)`, each value rounded and clamped to 0..255. */
function image(width: number, height: number, rgb: (x: number, y: number) => [number, number, number]): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([...rgb(x, y).map((v) => Math.max(0, Math.min(255, Math.round(v)))), 255], (y * width + x) * 4);
  }
  return { width, height, data };
}

/**
 * The method written out from its definition, for one plane: for every 8 × 8 block at every `step`-th origin (and the
 * last that fits), the DCT coefficient (l, k) = c_l c_k Σ x[i][j] cos(π(i + ½)l/8) cos(π(j + ½)k/8), those but the
 * mean under `t` zeroed, the block rebuilt from the same sum transposed, each pixel the mean of its blocks weighted by
 * 1 / (1 + kept coefficients). Quadruple loops with no symmetry: an independent check of the fast transform.
 */
function referencePlane(v: number[], w: number, h: number, t: number, step: number): number[] {
  const c = (k: number): number => Math.sqrt((k === 0 ? 1 : 2) / 8);
  const cos = (n: number, k: number): number => Math.cos((Math.PI * (n + 0.5) * k) / 8);
  const starts = (len: number): number[] => {
    const s: number[] = [];
    for (let a = 0; a + 8 <= len; a += step) s.push(a);
    if (s[s.length - 1] !== len - 8) s.push(len - 8);
    return s;
  };
  const sum = new Array<number>(w * h).fill(0), weight = new Array<number>(w * h).fill(0);
  for (const y0 of starts(h)) {
    for (const x0 of starts(w)) {
      const coef: number[] = [];
      for (let l = 0; l < 8; l++) {
        for (let k = 0; k < 8; k++) {
          let s = 0;
          for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) s += v[(y0 + i) * w + x0 + j]! * cos(i, l) * cos(j, k);
          coef.push(c(l) * c(k) * s);
        }
      }
      const kept = coef.map((q, idx) => (idx === 0 || Math.abs(q) >= t ? q : 0));
      const wt = 1 / (1 + kept.filter((q, idx) => idx > 0 && q !== 0).length);
      for (let i = 0; i < 8; i++) {
        for (let j = 0; j < 8; j++) {
          let s = 0;
          for (let l = 0; l < 8; l++) for (let k = 0; k < 8; k++) s += c(l) * c(k) * kept[l * 8 + k]! * cos(i, l) * cos(j, k);
          sum[(y0 + i) * w + x0 + j]! += wt * s;
          weight[(y0 + i) * w + x0 + j]! += wt;
        }
      }
    }
  }
  return sum.map((s, p) => s / weight[p]!);
}

/** PSNR in dB of the RGB of `a` against `b`. */
function psnr(a: RgbaImage, b: RgbaImage): number {
  let se = 0, n = 0;
  for (let i = 0; i < a.data.length; i++) {
    if (i % 4 === 3) continue;
    se += (a.data[i]! - b.data[i]!) ** 2;
    n++;
  }
  return 10 * Math.log10((255 * 255 * n) / se);
}

/** The mean absolute luma step across the 8-pixel block boundaries over that inside the blocks: JPEG's blockiness. */
function blockiness(im: RgbaImage): number {
  const luma = (x: number, y: number): number => {
    const i = (y * im.width + x) * 4;
    return 0.299 * im.data[i]! + 0.587 * im.data[i + 1]! + 0.114 * im.data[i + 2]!;
  };
  let across = 0, inside = 0, na = 0, ni = 0;
  const add = (d: number, boundary: boolean): void => {
    if (boundary) {
      across += d;
      na++;
    } else {
      inside += d;
      ni++;
    }
  };
  for (let y = 0; y < im.height; y++) for (let x = 0; x + 1 < im.width; x++) add(Math.abs(luma(x + 1, y) - luma(x, y)), (x + 1) % 8 === 0);
  for (let y = 0; y + 1 < im.height; y++) for (let x = 0; x < im.width; x++) add(Math.abs(luma(x, y + 1) - luma(x, y)), (y + 1) % 8 === 0);
  return across / na / (inside / ni);
}

const jpeg = async (im: RgbaImage, quality: number): Promise<RgbaImage> => {
  const raw = await sharp(await sharp(Buffer.from(im.data), { raw: { width: im.width, height: im.height, channels: 4 } }).jpeg({ quality }).toBuffer())
    .ensureAlpha().raw().toBuffer();
  return { width: im.width, height: im.height, data: new Uint8Array(raw) };
};

describe('dctSmooth', () => {
  it('matches the method written out from its definition, on each plane of a noisy image (step 1 and 3)', () => {
    const next = lcg(7);
    const grey = image(21, 14, (x, y) => {
      const v = 90 + 4 * x - 3 * y + (x > 10 ? 60 : 0) + (next() * 2 - 1) * 14;
      return [v, v, v];
    });
    for (const step of [1, 3]) {
      const out = dctSmooth(grey, 20, step, step);
      // a grey image has no chroma, so its luma plane is every channel; compare before 8-bit rounding can differ by
      // one level (the reference's sums run in another order), hence the tolerance of one level
      const ref = referencePlane(Array.from({ length: 21 * 14 }, (_, p) => grey.data[p * 4]!), 21, 14, 20, step);
      let worst = 0;
      for (let p = 0; p < ref.length; p++) worst = Math.max(worst, Math.abs(out.data[p * 4]! - ref[p]!));
      expect(worst).toBeLessThanOrEqual(0.5 + 1e-6);
      expect(out.data.filter((v, i) => i % 4 !== 3 && v !== grey.data[i]).length).toBeGreaterThan(100); // it did smooth
    }
  });

  it("takes a JPEG's block artefacts and noise out of a picture and comes closer to it than the JPEG", async () => {
    const shade = (x: number, y: number): [number, number, number] => [60 + 1.6 * x + 20 * Math.sin(y / 9), 90 + y + 15 * Math.cos(x / 13), 170 - x / 2];
    const picture = image(96, 64, shade);
    const next = lcg(11);
    const grain = image(96, 64, (x, y) => {
      const n = (next() * 2 - 1) * 10;
      return shade(x, y).map((v) => v + n) as [number, number, number];
    });
    const compressed = await jpeg(grain, 20); // a noisy photograph saved as a JPEG of quality 20
    const smoothed = dctSmooth(compressed, 24);
    expect(blockiness(compressed)).toBeGreaterThan(1.5); // the steps at JPEG's block edges stand out
    expect(blockiness(smoothed)).toBeLessThan(blockiness(compressed) * 0.6);
    expect(psnr(smoothed, picture)).toBeGreaterThan(psnr(compressed, picture) + 1);
  });

  it('keeps a strong edge: coefficients of a step of 160 levels are over any threshold it is used with', () => {
    const edge = image(32, 32, (x) => (x < 13 ? [40, 40, 40] : [200, 200, 200]));
    const out = dctSmooth(edge, 24);
    for (let p = 0; p < 32 * 32; p++) expect(Math.abs(out.data[p * 4]! - edge.data[p * 4]!)).toBeLessThanOrEqual(6);
  });

  it('leaves every pixel that is not opaque as it is, and the colour of transparent pixels does not reach the rest', () => {
    const next = lcg(3);
    const base = image(40, 24, (x, y) => [120 + (next() - 0.5) * 40, 100 + x, 80 + y]);
    const withHole = (colour: number): RgbaImage => {
      const data = base.data.slice();
      for (let y = 4; y < 12; y++) for (let x = 5; x < 17; x++) data.set([colour, colour, colour, x < 8 ? 128 : 0], (y * 40 + x) * 4);
      return { width: 40, height: 24, data };
    };
    const [black, white] = [withHole(0), withHole(255)];
    const [a, b] = [dctSmooth(black, 24), dctSmooth(white, 24)];
    for (let p = 0; p < 40 * 24; p++) {
      const i = p * 4;
      if (black.data[i + 3] !== 255) {
        expect([...a.data.subarray(i, i + 4)]).toEqual([...black.data.subarray(i, i + 4)]);
        expect([...b.data.subarray(i, i + 4)]).toEqual([...white.data.subarray(i, i + 4)]);
      } else {
        expect([...a.data.subarray(i, i + 4)]).toEqual([...b.data.subarray(i, i + 4)]);
      }
    }
    expect(a.data.filter((v, i) => v !== black.data[i]).length).toBeGreaterThan(500); // the opaque rest was smoothed
  });

  it('returns images under one block, and threshold 0, as they are', () => {
    const small = image(7, 30, (x) => [x * 30, 0, 0]);
    expect(dctSmooth(small, 24)).toBe(small);
    const big = image(16, 16, (x) => [x * 9, 0, 0]);
    expect(dctSmooth(big, 0)).toBe(big);
  });
});

describe("a model's denoise with method dct", () => {
  it('is checked in model.json, reported as its method and threshold, and runs before the model', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tsdsr-dct-')), 'toy');
    writeToyTsdsr(dir, { k: 0 });
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
    expect(() => parseManifest({ ...manifest, denoise: { method: 'dct', level: 24, radius: 4 } })).toThrow(/radius\?: 1 to 8 \(guided only\)/);
    expect(() => parseManifest({ ...manifest, denoise: { method: 'median', level: 24 } })).toThrow(/method\?: 'guided' \| 'dct'/);
    expect(() => denoise(image(8, 8, () => [0, 0, 0]), { method: 'dct', level: 24, radius: 2 })).toThrow(RangeError);
    const spec = { method: 'dct' as const, level: 24 };
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...manifest, denoise: spec }));
    const m = parseManifest(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')));
    const picture = await jpeg(image(48, 40, (x, y) => [70 + 2 * x, 60 + 2 * y, 120]), 15);
    const smoothing = inputSmoothing(m, picture, {});
    expect(smoothing).toEqual({ method: 'dct', level: 24 });
    expect(smoothingSettings(smoothing!)).toEqual([['method', 'dct'], ['level', 24]]);
    expect(smoothingSettings({ level: 12, radius: 4 })).toEqual([['level', 12], ['radius', 4]]);
    const upscaler = await openUpscaler(dir, 'cpu');
    const [ofModel, off] = [await upscaler.upscale(picture, { scale: 2 }), await upscaler.upscale(picture, { scale: 2, denoise: null })];
    const ofSmoothed = await upscaler.upscale(dctSmooth(picture, 24), { scale: 2, denoise: null });
    await upscaler.dispose();
    const differing = (a: Uint8Array, b: Uint8Array): number => a.reduce((n, v, i) => n + (v === b[i] ? 0 : 1), 0);
    expect(differing(ofModel.data, ofSmoothed.data)).toBe(0);
    expect(differing(ofModel.data, off.data)).toBeGreaterThan(100);
  });
});
