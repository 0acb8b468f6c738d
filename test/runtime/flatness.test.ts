// Flat images (smooth gradients under noise or JPEG blocks) and the auto model's route for degraded ones.
import { describe, expect, it } from 'vitest';
import { chooseModel, chosenModelIds, FLAT_BELOW, flatness, isFlat, parseAutoManifest } from '../../models/runtime/index.ts';
import { backdrop, grey } from '../helpers/images.ts';
import { texture } from '../helpers/textures.ts';

const AUTO = { id: 'my-auto', name: 'Mine', kind: 'auto', choose: { clean: 'tsdsr-fast', degraded: 'tsdsr-real' }, license: 'MIT' };


describe('flatness', () => {
  it('measures white noise on a constant as the Rayleigh median of the cell means: halved from 2×2 to 4×4 cells', () => {
    // a 2×2 cell's mean has σ/2, a central difference of two cells (a − b)/2 has σ/(2√2); the magnitude of two such
    // independent components is Rayleigh, median √(2 ln 2) of their σ. 4×4 cells: half of that.
    const sigma = 12;
    const f = flatness(grey(512, () => 128, sigma))!;
    const rayleighMedian = Math.sqrt(2 * Math.log(2));
    // tolerance 5 %: 8-bit rounding adds 1/12 level² of variance and a 512² image gives 16 000 to 65 000 samples
    expect(Math.abs(f.fine / ((rayleighMedian * sigma) / (2 * Math.SQRT2)) - 1)).toBeLessThan(0.05);
    expect(Math.abs(f.coarse / ((rayleighMedian * sigma) / (4 * Math.SQRT2)) - 1)).toBeLessThan(0.05);
  });

  it('doubles from 2×2 to 4×4 cells on a clean ramp (each cell twice as wide)', () => {
    const f = flatness(grey(256, (x) => 10 + 0.5 * x))!;
    expect(f.fine).toBeCloseTo(1, 1);
    expect(f.coarse).toBeCloseTo(2, 1);
  });

  it('reads only opaque cells, and gives up on images too small to judge', () => {
    const image = grey(128, backdrop(128), 10);
    const halfTransparent = { ...image, data: Uint8Array.from(image.data) };
    for (let p = 0; p < 128 * 64; p++) {
      halfTransparent.data[4 * p + 3] = 0;
      halfTransparent.data.fill(p % 3 === 0 ? 255 : 0, 4 * p, 4 * p + 3); // colours a transparent pixel may hold
    }
    const lowerHalf = { width: 128, height: 64, data: image.data.slice(4 * 128 * 64) };
    const [a, b] = [flatness(halfTransparent)!, flatness(lowerHalf)!];
    expect(a.coarse).toBeCloseTo(b.coarse, 0);
    expect(a.fine).toBeCloseTo(b.fine, 0);
    expect(flatness(grey(31, () => 100))).toBeNull();
    expect(isFlat(grey(31, () => 100, 20))).toBe(false);
  });
});

describe('isFlat', () => {
  it('calls a smooth backdrop flat, clean or under noise, and a textured image not flat, clean or under noise', () => {
    const size = 192;
    expect(isFlat(grey(size, backdrop(size)))).toBe(true);
    for (const sigma of [4, 8, 16]) expect(isFlat(grey(size, backdrop(size), sigma))).toBe(true);
    const photo = texture(size, size, 5, 0.05);
    expect(isFlat(photo)).toBe(false);
    const noisyPhoto = grey(size, (x, y) => photo.data[4 * (y * size + x) + 1]!, 8);
    expect(isFlat(noisyPhoto)).toBe(false);
  });

  it('needs both conditions for a noisy image: small coarse gradients and ones below the ratio to the fine', () => {
    // a steep clean ramp: coarse ≈ 2 × fine, above the ratio, and above smoothLevels
    const steep = grey(192, (x) => 20 + 0.9 * x);
    const f = flatness(steep)!;
    expect(f.coarse).toBeGreaterThan(FLAT_BELOW.smoothLevels);
    expect(f.coarse).toBeLessThan(FLAT_BELOW.noisyLevels);
    expect(isFlat(steep)).toBe(false);
    // strong noise on a constant: ratio 0.5 but coarse gradients above noisyLevels
    const loud = grey(192, () => 128, 40);
    expect(flatness(loud)!.coarse).toBeGreaterThan(FLAT_BELOW.noisyLevels);
    expect(isFlat(loud)).toBe(false);
  });
});

describe('chooseModel with a model for degraded flat images', () => {
  const manifest = parseAutoManifest({ ...AUTO, choose: { ...AUTO.choose, degradedFlat: 'my-fidelity' } });

  it('parses the key, lists the model and refuses a bad id', () => {
    expect(manifest.choose).toEqual({ ...AUTO.choose, degradedFlat: 'my-fidelity' });
    expect(chosenModelIds(manifest)).toEqual(['tsdsr-fast', 'tsdsr-real', 'my-fidelity']);
    // one model for graphics and flat images (as tsdsr-auto states) is listed once
    const shared = parseAutoManifest({ ...AUTO, choose: { ...AUTO.choose, degradedGraphic: 'my-fidelity', degradedFlat: 'my-fidelity' } });
    expect(chosenModelIds(shared)).toEqual(['tsdsr-fast', 'tsdsr-real', 'my-fidelity']);
    expect(() => parseAutoManifest({ ...AUTO, choose: { ...AUTO.choose, degradedFlat: 'Bad Id' } })).toThrow(/choose.degradedFlat must be a model id/);
    expect(() => parseAutoManifest({ ...AUTO, choose: { ...AUTO.choose, degradedFlat: 'my-auto' } })).toThrow(/cannot choose itself/);
  });

  it('runs it on a degraded flat image only', () => {
    const size = 192;
    const noisyBackdrop = grey(size, backdrop(size), 12);
    const photo = texture(size, size, 5, 0.05);
    const noisyPhoto = grey(size, (x, y) => photo.data[4 * (y * size + x) + 1]!, 12);
    expect(chooseModel(manifest, noisyBackdrop)).toMatchObject({ model: 'my-fidelity', degradation: 'degraded' });
    expect(chooseModel(manifest, noisyPhoto)).toMatchObject({ model: 'tsdsr-real', degradation: 'degraded' });
    // clean, the backdrop runs the clean model; without the key, the degraded one
    expect(chooseModel(manifest, grey(size, backdrop(size)))).toMatchObject({ model: 'tsdsr-fast', degradation: 'clean' });
    expect(chooseModel(parseAutoManifest(AUTO), noisyBackdrop)).toMatchObject({ model: 'tsdsr-real', degradation: 'degraded' });
  });

  it('passes denoiseFlat with the flat route only, and checks it', () => {
    const spec = { level: 12, radius: 4, noiseRatioFrom: 1 };
    const smoothing = parseAutoManifest({ ...AUTO, choose: { ...AUTO.choose, degradedFlat: 'my-fidelity' }, denoiseFlat: spec });
    const size = 192;
    const photo = texture(size, size, 5, 0.05);
    expect(chooseModel(smoothing, grey(size, backdrop(size), 12))).toEqual(expect.objectContaining({ model: 'my-fidelity', denoise: spec }));
    expect(chooseModel(smoothing, grey(size, (x, y) => photo.data[4 * (y * size + x) + 1]!, 12))).not.toHaveProperty('denoise');
    expect(chooseModel(smoothing, grey(size, backdrop(size)))).not.toHaveProperty('denoise');
    expect(chooseModel(manifest, grey(size, backdrop(size), 12))).not.toHaveProperty('denoise'); // not stated: the model's own
    expect(() => parseAutoManifest({ ...AUTO, choose: { ...AUTO.choose, degradedFlat: 'my-fidelity' }, denoiseFlat: { level: 99 } })).toThrow(/denoiseFlat must be \{ method\?: .guided. \| .dct., level: 0 to 64/);
    expect(() => parseAutoManifest({ ...AUTO, denoiseFlat: spec })).toThrow(/denoiseFlat needs choose.degradedFlat/);
  });

  it('leaves degraded graphics to the graphics model', () => {
    const both = parseAutoManifest({ ...AUTO, choose: { ...AUTO.choose, degradedGraphic: 'my-graphics', degradedFlat: 'my-fidelity' } });
    const icon = grey(192, backdrop(192), 12);
    for (let p = 0; p < 192 * 20; p++) icon.data[4 * p + 3] = 0;
    expect(chooseModel(both, icon)).toMatchObject({ model: 'my-graphics', degradation: 'degraded' });
  });
});
