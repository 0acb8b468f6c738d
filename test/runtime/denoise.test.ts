// Input smoothing: a self-guided filter per colour channel (models/runtime/denoise.ts), applied before the model by an
// upscaler whose model.json states `denoise`.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { denoise, denoises } from '../../models/runtime/denoise.ts';
import { inputSmoothing, type RgbaImage } from '../../models/runtime/index.ts';
import { parseManifest } from '../../models/runtime/manifest.ts';
import { openUpscaler } from '../../models/runtime/node.ts';
import { patternImage } from '../helpers/images.ts';
import { writeToyTsdsr } from '../helpers/toy-tsdsr.ts';

/** A deterministic pseudo-random generator (LCG) returning numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Grey `base(x, y)` plus uniform noise of ±`amplitude`, opaque. */
function noisy(width: number, height: number, base: (x: number, y: number) => number, amplitude: number, seed = 1): RgbaImage {
  const next = lcg(seed);
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = Math.max(0, Math.min(255, Math.round(base(x, y) + (next() * 2 - 1) * amplitude)));
      data.set([v, v, v, 255], (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

/**
 * The guided filter written out directly from He et al.'s equations: for every window ω_k (clipped at the borders)
 * a_k = σ²_k / (σ²_k + ε), b_k = μ_k (1 − a_k); the output is (mean of a_k over the windows holding the pixel) · I
 * + (mean of b_k). Straight loops over each window: an independent check of the summed-area implementation.
 */
function referenceChannel(values: number[], w: number, h: number, r: number, eps: number): number[] {
  const window = (x: number, y: number): number[] => {
    const out: number[] = [];
    for (let j = Math.max(0, y - r); j <= Math.min(h - 1, y + r); j++) for (let i = Math.max(0, x - r); i <= Math.min(w - 1, x + r); i++) out.push(j * w + i);
    return out;
  };
  const a: number[] = [], b: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const ids = window(x, y);
      const mean = ids.reduce((s, i) => s + values[i]!, 0) / ids.length;
      const variance = ids.reduce((s, i) => s + (values[i]! - mean) ** 2, 0) / ids.length;
      a.push(variance / (variance + eps));
      b.push(mean * (1 - variance / (variance + eps)));
    }
  }
  return values.map((v, p) => {
    const ids = window(p % w, Math.floor(p / w));
    return (ids.reduce((s, i) => s + a[i]!, 0) / ids.length) * v + ids.reduce((s, i) => s + b[i]!, 0) / ids.length;
  });
}

const channel = (image: RgbaImage, c: number): number[] => Array.from({ length: image.width * image.height }, (_, i) => image.data[i * 4 + c]!);
const std = (values: number[]): number => {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
};

describe('denoise', () => {
  it('matches the guided filter computed window by window, on every channel (within rounding)', () => {
    const image = { ...patternImage(23, 17), data: patternImage(23, 17).data.map((v, i) => (i % 4 === 3 ? 255 : v)) };
    for (const [level, radius] of [[6, 1], [20, 2], [40, 3]] as const) {
      const out = denoise(image, { level, radius });
      for (let c = 0; c < 3; c++) {
        const expected = referenceChannel(channel(image, c), 23, 17, radius, level * level);
        const got = channel(out, c);
        // the implementation rounds to 8 bits once; summed areas in float64 differ from the loops by ~1e-9
        expect(Math.max(...got.map((v, i) => Math.abs(v - expected[i]!)))).toBeLessThanOrEqual(0.5 + 1e-6);
      }
      expect(channel(out, 3)).toEqual(channel(image, 3));
    }
  });

  it('averages noise away over a smooth area and keeps a strong edge', () => {
    const image = noisy(40, 40, (x) => (x < 20 ? 60 : 190), 8);
    const out = denoise(image, { level: 12, radius: 2 });
    const flat = (im: RgbaImage): number[] => channel(im, 0).filter((_, i) => i % 40 >= 3 && i % 40 < 16);
    expect(std(flat(image))).toBeGreaterThan(4);
    expect(std(flat(out))).toBeLessThan(0.5 * std(flat(image)));
    // the step of 130 levels stays a step: the columns either side keep their means within 3 levels
    const columnMean = (im: RgbaImage, x: number): number => channel(im, 0).filter((_, i) => i % 40 === x).reduce((s, v) => s + v, 0) / 40;
    expect(Math.abs(columnMean(out, 19) - columnMean(image, 19))).toBeLessThan(3);
    expect(Math.abs(columnMean(out, 20) - columnMean(image, 20))).toBeLessThan(3);
  });

  it('returns the image itself at level 0 and refuses bad settings', () => {
    const image = noisy(8, 8, () => 100, 20);
    expect(denoise(image, { level: 0 })).toBe(image);
    expect(() => denoise(image, { level: -1 })).toThrow(RangeError);
    expect(() => denoise(image, { level: 4, radius: 0 })).toThrow(RangeError);
    expect(() => denoise(image, { level: 4, radius: 1.5 })).toThrow(RangeError);
  });

  it('keeps alpha and does not bleed the colour of transparent pixels into their neighbours', () => {
    // left half transparent black, right half opaque 200 grey: the opaque edge must stay 200, not darken
    const width = 12, height = 6;
    const data = new Uint8Array(width * height * 4);
    for (let p = 0; p < width * height; p++) data.set(p % width < 6 ? [0, 0, 0, 0] : [200, 200, 200, 255], p * 4);
    const out = denoise({ width, height, data }, { level: 30, radius: 2 });
    for (let p = 0; p < width * height; p++) {
      expect(out.data[p * 4 + 3]).toBe(data[p * 4 + 3]);
      if (p % width >= 6) expect(out.data[p * 4]).toBe(200);
    }
  });

  it('with noiseRatioFrom, smooths only images whose fine gradients outweigh their coarse ones (noise)', () => {
    const spec = { level: 12, radius: 2, noiseRatioFrom: 1 };
    const grain = noisy(64, 64, (x) => 80 + x / 8, 12); // noise over a gentle ramp: fine ≫ coarse
    const ramp = noisy(64, 64, (x, y) => 2 * x + y, 0); // a clean ramp: coarse cells see twice the step
    expect(denoises(grain, spec)).toBe(true);
    expect(denoises(ramp, spec)).toBe(false);
    expect(denoises(ramp, { level: 12 })).toBe(true); // without the gate, every image
    expect(denoises(grain, { level: 0 })).toBe(false);
    expect(denoises(noisy(16, 16, () => 100, 30), spec)).toBe(false); // too small to judge: left alone
  });

  it('is checked in model.json and applied by the upscaler before the model, unless the call says otherwise', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tsdsr-denoise-')), 'toy');
    writeToyTsdsr(dir, { k: 0 });
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
    expect(() => parseManifest({ ...manifest, denoise: { level: -2 } })).toThrow(/denoise must be/);
    expect(() => parseManifest({ ...manifest, denoise: { level: 4, radius: 20 } })).toThrow(/denoise must be/);
    expect(() => parseManifest({ ...manifest, denoise: 4 })).toThrow(/denoise must be/);
    const spec = { level: 10, radius: 2 };
    expect(parseManifest({ ...manifest, denoise: spec }).denoise).toEqual(spec);
    const image = noisy(24, 16, (x, y) => 40 + 4 * x + 3 * y, 10);
    const plain = await openUpscaler(dir, 'cpu');
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...manifest, denoise: spec }));
    const smoothing = await openUpscaler(dir, 'cpu');
    const [withDenoise, ofDenoised, raw] = [await smoothing.upscale(image, { scale: 2 }), await plain.upscale(denoise(image, spec), { scale: 2 }), await plain.upscale(image, { scale: 2 })];
    // a call's denoise replaces the manifest's: null runs without, a spec with that spec
    const [off, other] = [await smoothing.upscale(image, { scale: 2, denoise: null }), await plain.upscale(image, { scale: 2, denoise: spec })];
    await Promise.all([plain.dispose(), smoothing.dispose()]);
    expect(withDenoise).toEqual(ofDenoised);
    expect(withDenoise).not.toEqual(raw);
    expect(off).toEqual(raw);
    expect(other).toEqual(withDenoise);
  });
});

describe('inputSmoothing', () => {
  const grain = noisy(64, 64, (x) => 80 + x / 8, 12); // noise over a gentle ramp: the gate smooths it
  const ramp = noisy(64, 64, (x, y) => 2 * x + y, 0); // a clean ramp: the gate leaves it
  const gate = { level: 12, radius: 4, noiseRatioFrom: 1 };
  /** A toy model directory, with `denoise` in its model.json when given. */
  function toyModel(denoise?: object): string {
    const dir = join(mkdtempSync(join(tmpdir(), 'tsdsr-smoothing-')), 'toy');
    writeToyTsdsr(dir, { k: 0 });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...json, ...(denoise ? { denoise } : {}) }));
    return dir;
  }
  const manifestOf = (dir: string) => parseManifest(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')));

  it("is the call's denoise, else the model's, as level and radius; null when off or when the gate says no", () => {
    const [gated, plain] = [manifestOf(toyModel(gate)), manifestOf(toyModel())];
    expect(inputSmoothing(gated, grain, {})).toEqual({ level: 12, radius: 4 });
    expect(inputSmoothing(gated, ramp, {})).toBeNull(); // the model's gate
    expect(inputSmoothing(gated, grain, { denoise: null })).toBeNull(); // the call turns it off
    expect(inputSmoothing(gated, ramp, { denoise: { level: 6 } })).toEqual({ level: 6, radius: 2 }); // the call's, ungated, default radius
    expect(inputSmoothing(plain, grain, {})).toBeNull();
    expect(inputSmoothing(plain, grain, { denoise: { level: 8, radius: 3, noiseRatioFrom: 1 } })).toEqual({ level: 8, radius: 3 });
    expect(inputSmoothing(plain, ramp, { denoise: { level: 8, radius: 3, noiseRatioFrom: 1 } })).toBeNull(); // the call's own gate
    expect(inputSmoothing(plain, grain, { denoise: { level: 0 } })).toBeNull();
  });

  it("is what the upscaler runs, and passed back as the call's denoise runs as it is (no second gate)", async () => {
    const upscaler = await openUpscaler(toyModel(gate), 'cpu');
    const differing = (a: RgbaImage, b: RgbaImage): number => a.data.reduce((n, v, i) => n + (v === b.data[i] ? 0 : 1), Math.abs(a.data.length - b.data.length));
    const smoothing = inputSmoothing(upscaler.manifest, grain, {})!;
    const [own, given, unsmoothed] = [await upscaler.upscale(grain, { scale: 2 }), await upscaler.upscale(grain, { scale: 2, denoise: smoothing }), await upscaler.upscale(grain, { scale: 2, denoise: null })];
    expect(differing(given, own)).toBe(0);
    expect(differing(own, unsmoothed)).toBeGreaterThan(1000);
    // the ramp fails the model's gate, but the decided smoothing has no gate of its own: it runs
    const [rampOwn, rampGiven] = [await upscaler.upscale(ramp, { scale: 2 }), await upscaler.upscale(ramp, { scale: 2, denoise: { level: 12, radius: 4 } })];
    await upscaler.dispose();
    expect(differing(rampGiven, rampOwn)).toBeGreaterThan(0);
  });
});
