import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { adainColorFix, applyColorFix, ColorFixer, waveletBlur, waveletColorFix, waveletDecompose, type Planes } from '../../models/runtime/color-fix.ts';
import { cubicKernel, resizeAlpha, resizePlanar, resizeRgba } from '../../models/runtime/resize.ts';
import { patternImage } from '../helpers/images.ts';

function randomPlanes(channels: number, height: number, width: number, seed = 1): Planes {
  let s = seed;
  const data = new Float32Array(channels * height * width).map(() => ((s = (s * 16807) % 2147483647) / 2147483647));
  return { data, channels, height, width };
}

describe('bicubic resampling', () => {
  it('has a kernel that sums to one at every phase', () => {
    for (const f of [0, 0.1, 0.37, 0.5, 0.9]) {
      expect(cubicKernel(1 + f) + cubicKernel(f) + cubicKernel(1 - f) + cubicKernel(2 - f)).toBeCloseTo(1, 12);
    }
  });

  it('matches ONNX Runtime Resize (cubic, a = -0.5, half-pixel) within float rounding', async () => {
    const p = randomPlanes(3, 9, 13);
    const session = await ort.InferenceSession.create(readFileSync('models/zoo/bicubic/x3.onnx'));
    const result = await session.run({ image: new ort.Tensor('float32', p.data, [1, 3, 9, 13]) });
    const expected = result.upscaled!.data as Float32Array;
    const ours = resizePlanar(p.data, 3, 9, 13, 27, 39);
    let max = 0;
    for (let i = 0; i < ours.length; i++) max = Math.max(max, Math.abs(ours[i]! - expected[i]!));
    expect(max).toBeLessThan(1e-5); // float32 sums of four products
  });

  it('keeps colour at transparent edges when resizing RGBA (no dark fringe)', () => {
    const image = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 4) };
    for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) image.data.set([255, 0, 0, 255], (y * 8 + x) * 4);
    const out = resizeRgba(image, 20, 20);
    let partial = 0;
    for (let i = 0; i < out.data.length; i += 4) {
      if (out.data[i + 3]! > 0) expect([out.data[i], out.data[i + 1], out.data[i + 2]]).toEqual([255, 0, 0]);
      if (out.data[i + 3]! > 0 && out.data[i + 3]! < 255) partial++;
    }
    expect(partial).toBeGreaterThan(0); // the edge really is soft
  });

  it('resizes alpha alone exactly as resizeRgba resizes it, up and down', () => {
    const image = patternImage(23, 17);
    for (const [w, h] of [[92, 68], [57, 40], [11, 9]] as const) {
      const full = resizeRgba(image, w, h).data;
      const alpha = resizeAlpha(image, w, h);
      expect(alpha.length).toBe(w * h);
      expect(Array.from(alpha)).toEqual(Array.from({ length: w * h }, (_, i) => full[i * 4 + 3]));
    }
  });

  it('resizes to the exact requested size', () => {
    const out = resizeRgba(patternImage(31, 17), 50, 9);
    expect([out.width, out.height, out.data.length]).toEqual([50, 9, 50 * 9 * 4]);
  });
});

/** TSD-SR's definition, level by level: blur each level with clamped taps, detail of the content on the reference's low band. */
function referenceWaveletFix(content: Planes, reference: Planes): Float32Array {
  const blur = (data: Float32Array, { channels, height, width }: Planes, r: number): Float32Array => {
    const at = (c: number, y: number, x: number) => data[(c * height + Math.min(Math.max(y, 0), height - 1)) * width + Math.min(Math.max(x, 0), width - 1)]!;
    const out = new Float32Array(data.length);
    for (let c = 0; c < channels; c++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          let v = 0;
          for (const [dy, ky] of [[-r, 0.25], [0, 0.5], [r, 0.25]] as const) {
            for (const [dx, kx] of [[-r, 0.25], [0, 0.5], [r, 0.25]] as const) v += ky * kx * at(c, y + dy, x + dx);
          }
          out[(c * height + y) * width + x] = v;
        }
      }
    }
    return out;
  };
  const decompose = (p: Planes) => {
    const high = new Float32Array(p.data.length);
    let current = p.data;
    for (let i = 0; i < 5; i++) {
      const low = blur(current, p, 2 ** i);
      for (let k = 0; k < high.length; k++) high[k]! += current[k]! - low[k]!;
      current = low;
    }
    return { high, low: current };
  };
  const { high } = decompose(content);
  const { low } = decompose(reference);
  return high.map((v, k) => v + low[k]!);
}

const maxDifference = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('colour fix', () => {
  it('wavelet fix equals the level-by-level definition, tiles narrower than the blur radius included', () => {
    for (const [height, width] of [[24, 40], [5, 7], [33, 18]] as const) {
      const content = randomPlanes(3, height, width, height);
      const reference = randomPlanes(3, height, width, width);
      expect(maxDifference(waveletColorFix(content, reference), referenceWaveletFix(content, reference))).toBeLessThan(1e-5);
    }
  });

  it('fixes tiles in place with the same values as the allocating functions, reusing scratch across sizes', () => {
    for (const method of ['wavelet', 'adain', 'none'] as const) {
      const fixer = new ColorFixer(method);
      for (const [height, width] of [[20, 12], [9, 31], [20, 12]] as const) {
        const content = randomPlanes(3, height, width, 5);
        const reference = randomPlanes(3, height, width, 6);
        const expected = applyColorFix(method, content, reference).slice();
        fixer.fixInPlace(content, reference);
        expect(maxDifference(content.data, expected)).toBe(0);
      }
    }
  });

  it('wavelet decomposition reconstructs the image exactly', () => {
    const p = randomPlanes(3, 24, 40);
    const { high, low } = waveletDecompose(p);
    for (let i = 0; i < p.data.length; i++) expect(high[i]! + low[i]!).toBeCloseTo(p.data[i]!, 5);
  });

  it('wavelet blur keeps a constant image constant and averages neighbours at the given dilation', () => {
    const constant = { data: new Float32Array(3 * 10 * 10).fill(0.25), channels: 3, height: 10, width: 10 };
    expect(Array.from(waveletBlur(constant, 4)).every((v) => Math.abs(v - 0.25) < 1e-7)).toBe(true);
    const impulse = { data: new Float32Array(1 * 9 * 9), channels: 1, height: 9, width: 9 };
    impulse.data[4 * 9 + 4] = 1;
    const blurred = waveletBlur(impulse, 2);
    expect(blurred[4 * 9 + 4]).toBeCloseTo(0.25);
    expect(blurred[4 * 9 + 6]).toBeCloseTo(0.125);
    expect(blurred[6 * 9 + 6]).toBeCloseTo(0.0625);
    expect(blurred[4 * 9 + 5]).toBe(0);
  });

  it('wavelet fix takes the low frequencies from the reference and detail from the content', () => {
    const content = randomPlanes(3, 32, 32, 7);
    const shifted = { ...content, data: content.data.map((v) => v + 0.3) };
    const fixed = waveletColorFix(content, shifted);
    for (let i = 0; i < fixed.length; i++) expect(fixed[i]).toBeCloseTo(content.data[i]! + 0.3, 5);
  });

  it('AdaIN matches the reference mean and deviation per channel', () => {
    const content = randomPlanes(3, 16, 16, 3);
    const reference = { ...content, data: content.data.map((v, i) => (i < 256 ? v * 0.5 + 0.2 : v * 2 - 0.1)) };
    const fixed = adainColorFix(content, reference);
    for (let i = 0; i < fixed.length; i++) expect(fixed[i]).toBeCloseTo(reference.data[i]!, 3);
  });
});
