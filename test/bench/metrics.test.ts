// The quality metrics behind bench/: gamma, MATLAB-style resize, pseudo-inverse, Y channel and NIQE.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gamma } from '../../bench/metrics/gamma.ts';
import { matlabResize } from '../../bench/metrics/matlab-resize.ts';
import { NIQE_PRISTINE_PARAMS, niqe, niqeBlockGrid, parseNiqeModel, readPristineNiqeModel } from '../../bench/metrics/niqe.ts';
import { niqeBlocks } from '../../bench/quality.ts';
import { symmetricPinv } from '../../bench/metrics/pinv.ts';
import { psnrY, ssimY } from '../../bench/metrics/psnr-ssim.ts';
import { roundLikeReference, yChannel } from '../../bench/metrics/y-channel.ts';
import { resizeRgba } from '../../models/runtime/index.ts';
import { texture } from '../helpers/textures.ts';

describe('metric building blocks', () => {
  it('gamma matches known values', () => {
    expect(gamma(5)).toBeCloseTo(24, 10);
    expect(gamma(0.5)).toBeCloseTo(Math.sqrt(Math.PI), 12);
    expect(gamma(0.2)).toBeCloseTo(4.590843712, 8);
    expect(gamma(10)).toBeCloseTo(362880, 5);
  });

  it('MATLAB-style resize keeps a constant image and halves a ramp at half-pixel centres', () => {
    const flat = matlabResize(new Float64Array(16 * 12).fill(0.3), 12, 16, 0.5);
    expect([flat.height, flat.width]).toEqual([6, 8]);
    for (const v of flat.data) expect(v).toBeCloseTo(0.3, 12);
    const ramp = matlabResize(Float64Array.from({ length: 32 * 32 }, (_, i) => i % 32), 32, 32, 0.5);
    expect(ramp.data[16 + 4]).toBeCloseTo(8.5, 6); // output column 4 sits between input columns 8 and 9
  });

  it('the pseudo-inverse of a symmetric matrix satisfies A·A⁺·A = A, also when singular', () => {
    const n = 4;
    const v = [1, 2, 0, -1];
    const a = Float64Array.from({ length: n * n }, (_, k) => v[Math.floor(k / n)]! * v[k % n]! + (Math.floor(k / n) === k % n && k < 8 ? 2 : 0));
    const p = symmetricPinv(a, n);
    const mul = (x: Float64Array, y: Float64Array) => Float64Array.from({ length: n * n }, (_, k) => {
      let s = 0;
      for (let t = 0; t < n; t++) s += x[Math.floor(k / n) * n + t]! * y[t * n + (k % n)]!;
      return s;
    });
    const back = mul(mul(a, p), a);
    a.forEach((x, k) => expect(back[k]).toBeCloseTo(x, 10));
  });

  it('Y is MATLAB’s BT.601 studio-range luma', () => {
    const y = yChannel({ width: 3, height: 1, data: Uint8Array.of(0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 255) });
    expect(Array.from(y)).toEqual([16, 235, 16 + 65.481].map((v) => expect.closeTo(v, 10)));
  });
});

describe('NIQE', () => {
  const model = readPristineNiqeModel();

  it('reads its pristine parameters from inside the project, so a bare clone has them', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    expect(fileURLToPath(NIQE_PRISTINE_PARAMS).startsWith(root)).toBe(true);
    expect([model.mu.length, model.cov.length, model.window.length]).toEqual([36, 36 * 36, 49]);
    expect(() => parseNiqeModel({ mu_pris_param: { shape: [1, 35], data: Array(35).fill(0) } })).toThrow(/mu_pris_param/);
  });

  // Reference values: BasicSR's calculate_niqe (basicsr/metrics/niqe.py) on the same textures, via bench/check-metrics.ts's Python side.
  const cases = [[1, 0.2, 13.98444176494386], [2, 0.8, 12.940674553106357], [3, 0.5, 16.63587344614769]] as const;
  for (const [seed, roughness, reference] of cases) {
    it(`matches the reference implementation on texture ${seed} within 0.1 %`, () => {
      const image = texture(200, 200, seed, roughness);
      const value = niqe(roundLikeReference(yChannel(image)), 200, 200, model);
      expect(Math.abs(value - reference) / reference).toBeLessThan(1e-3);
    });
  }

  it('refuses images smaller than one block', () => {
    expect(() => niqe(new Float64Array(50 * 50), 50, 50, model)).toThrow(/at least 96/);
  });

  it('reads whole 96 px blocks from the top-left corner and ignores the pixels beyond them', () => {
    const plane = roundLikeReference(yChannel(texture(200, 200, 4, 0.5)));
    const corner = new Float64Array(192 * 192);
    for (let y = 0; y < 192; y++) corner.set(plane.subarray(y * 200, y * 200 + 192), y * 192);
    const scrambled = plane.slice();
    for (let y = 0; y < 200; y++) for (let x = 0; x < 200; x++) if (y >= 192 || x >= 192) scrambled[y * 200 + x] = (x * 37 + y * 11) % 256;
    expect(niqe(scrambled, 200, 200, model)).toBe(niqe(corner, 192, 192, model));
    expect(niqeBlockGrid(200, 200)).toEqual([2, 2]);
  });

  it('a 256 px crop gives NIQE 4 blocks after the 4 px border, a 512 px crop 25', () => {
    expect(niqeBlocks(256, 256)).toBe(4);
    expect(niqeBlocks(512, 512)).toBe(25);
    expect(niqeBlocks(1024, 576)).toBe(10 * 5);
  });
});

describe('PSNR and SSIM on Y', () => {
  it('match BasicSR on a ×4 bicubic round trip of a texture (4 px border)', () => {
    const original = texture(256, 192, 1, 0.25);
    const restored = resizeRgba(resizeRgba(original, 64, 48), 256, 192);
    // BasicSR's calculate_psnr / calculate_ssim (test_y_channel) on the same pixels, via bench/check-metrics.ts
    expect(psnrY(original, restored, 4)).toBeCloseTo(35.4096938972718, 4);
    expect(ssimY(original, restored, 4)).toBeCloseTo(0.8503323189202889, 6);
  });

  it('give Infinity and 1 for identical images, and refuse different sizes', () => {
    const image = texture(64, 64, 5, 0.5);
    expect(psnrY(image, image, 4)).toBe(Infinity);
    expect(ssimY(image, image, 4)).toBeCloseTo(1, 12);
    expect(() => psnrY(image, texture(64, 32, 5, 0.5), 0)).toThrow(/differ in size/);
  });
});
