import { describe, expect, it } from 'vitest';
import {
  Rng, REAL_ESRGAN_DEFAULTS, besselJ1, drawBlurKernel, filter2d, gaussianKernel, generalizedGaussianKernel, plateauKernel,
  sincKernel, trimKernel, type Kernel2d, type PlanarImage,
} from '../../../trainer/src/data/index.ts';

const sum = (k: Kernel2d): number => k.weights.reduce((a, b) => a + b, 0);
const at = (k: Kernel2d, x: number, y: number): number => k.weights[(y + (k.size - 1) / 2) * k.size + x + (k.size - 1) / 2] as number;

describe('blur kernels', () => {
  it('all families sum to 1', () => {
    const shape = { sigmaX: 2, sigmaY: 0.7, theta: 0.4 };
    for (const k of [gaussianKernel(21, shape), generalizedGaussianKernel(15, shape, 0.7), plateauKernel(9, shape, 1.5), sincKernel(13, 1.2)]) {
      expect(sum(k)).toBeCloseTo(1, 12);
    }
    const rng = new Rng(3);
    for (let i = 0; i < 50; i++) expect(sum(drawBlurKernel(rng, REAL_ESRGAN_DEFAULTS.first.blur))).toBeCloseTo(1, 10);
  });

  it('isotropic Gaussian matches exp(-r²/2σ²) normalised, and its separable factor', () => {
    const sigma = 1.3;
    const k = gaussianKernel(7, { sigmaX: sigma, sigmaY: sigma, theta: 0 });
    let z = 0;
    for (let y = -3; y <= 3; y++) for (let x = -3; x <= 3; x++) z += Math.exp(-(x * x + y * y) / (2 * sigma * sigma));
    expect(at(k, 0, 0)).toBeCloseTo(1 / z, 14);
    expect(at(k, 2, -1)).toBeCloseTo(Math.exp(-5 / (2 * sigma * sigma)) / z, 14);
    const f = k.separable as Float64Array;
    expect((f[5] as number) * (f[2] as number)).toBeCloseTo(at(k, 2, -1), 14);
  });

  it('anisotropic Gaussian is elongated along its rotated axis', () => {
    const k = gaussianKernel(11, { sigmaX: 3, sigmaY: 0.5, theta: Math.PI / 2 });
    expect(at(k, 0, 3)).toBeGreaterThan(at(k, 3, 0) * 100);
    expect(k.separable).toBeUndefined();
  });

  it('generalized Gaussian with beta 1 is the Gaussian; plateau is 1/(1+q^beta)', () => {
    const shape = { sigmaX: 1.1, sigmaY: 2.2, theta: 0.3 };
    const g = gaussianKernel(9, shape);
    const gg = generalizedGaussianKernel(9, shape, 1);
    for (let i = 0; i < g.weights.length; i++) expect(gg.weights[i]).toBeCloseTo(g.weights[i] as number, 14);
    const p = plateauKernel(5, { sigmaX: 1, sigmaY: 1, theta: 0 }, 2);
    expect(at(p, 1, 0) / at(p, 0, 0)).toBeCloseTo(1 / 2, 12);
    expect(at(p, 1, 1) / at(p, 0, 0)).toBeCloseTo(1 / 5, 12);
  });

  it('Bessel J1 matches tabulated values', () => {
    expect(besselJ1(1)).toBeCloseTo(0.44005058574493355, 12);
    expect(besselJ1(5)).toBeCloseTo(-0.3275791375914652, 12);
    expect(besselJ1(3.8317059702075125)).toBeCloseTo(0, 12);
    expect(besselJ1(30)).toBeCloseTo(-0.11875106261662294, 11);
  });

  it('sinc kernel: centre is ω²/4π and the first Bessel zero gives a zero tap (before normalisation)', () => {
    const cutoff = Math.PI / 2;
    const k = sincKernel(21, cutoff);
    let raw = 0;
    for (let y = -10; y <= 10; y++) {
      for (let x = -10; x <= 10; x++) {
        const r = Math.hypot(x, y);
        raw += r === 0 ? (cutoff * cutoff) / (4 * Math.PI) : (cutoff * besselJ1(cutoff * r)) / (2 * Math.PI * r);
      }
    }
    expect(at(k, 0, 0)).toBeCloseTo((cutoff * cutoff) / (4 * Math.PI) / raw, 12);
    const zero = sincKernel(9, 3.8317059702075125 / 2);
    expect(Math.abs(at(zero, 2, 0))).toBeLessThan(1e-12);
  });

  it('filter2d: separable and dense paths agree, constants are preserved, trimming is bounded', () => {
    const width = 23;
    const height = 17;
    const data = Float32Array.from({ length: 3 * width * height }, (_, i) => ((i * 7919) % 101) / 100);
    const image: PlanarImage = { width, height, channels: 3, data };
    const k = gaussianKernel(9, { sigmaX: 1.4, sigmaY: 1.4, theta: 0 });
    const dense: Kernel2d = { size: k.size, weights: k.weights };
    const a = filter2d(image, k).data;
    const b = filter2d(image, dense).data;
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i] as number, 5);
    const flat: PlanarImage = { width, height, channels: 3, data: new Float32Array(3 * width * height).fill(0.25) };
    for (const v of filter2d(flat, sincKernel(11, 1)).data) expect(v).toBeCloseTo(0.25, 5);
    expect(trimKernel(gaussianKernel(21, { sigmaX: 0.5, sigmaY: 0.5, theta: 0 })).size).toBeLessThan(9);
  });
});
