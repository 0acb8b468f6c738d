/**
 * Colour fix as in TSD-SR: align the colours of a model's output to a reference (the bicubic
 * upsampled input) either by swapping the wavelet low-frequency band or by matching per-channel
 * mean and standard deviation (AdaIN). Images are planar float, `channels` planes of height × width.
 */
import type { ColorFix } from './manifest.ts';

/** A planar float image. */
export interface Planes {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

/** Wavelet levels TSD-SR uses; the blur radius doubles per level (1, 2, 4, 8, 16). */
export const WAVELET_LEVELS = 5;

/** Blurs with the 3×3 kernel [1 2 1]ᵀ[1 2 1]/16 dilated by `radius`, edges replicated. */
export function waveletBlur(p: Planes, radius: number): Float32Array {
  const { data, channels, height, width } = p;
  const tmp = new Float32Array(data.length);
  const out = new Float32Array(data.length);
  const clampX = (x: number) => (x < 0 ? 0 : x >= width ? width - 1 : x);
  const clampY = (y: number) => (y < 0 ? 0 : y >= height ? height - 1 : y);
  for (let c = 0; c < channels; c++) {
    const base = c * height * width;
    for (let y = 0; y < height; y++) {
      const row = base + y * width;
      for (let x = 0; x < width; x++) {
        tmp[row + x] = 0.25 * (data[row + clampX(x - radius)] as number) + 0.5 * (data[row + x] as number) + 0.25 * (data[row + clampX(x + radius)] as number);
      }
    }
    for (let y = 0; y < height; y++) {
      const up = base + clampY(y - radius) * width;
      const mid = base + y * width;
      const down = base + clampY(y + radius) * width;
      for (let x = 0; x < width; x++) {
        out[mid + x] = 0.25 * (tmp[up + x] as number) + 0.5 * (tmp[mid + x] as number) + 0.25 * (tmp[down + x] as number);
      }
    }
  }
  return out;
}

/** Splits an image into its high-frequency detail and its low-frequency residue. */
export function waveletDecompose(p: Planes, levels = WAVELET_LEVELS): { high: Float32Array; low: Float32Array } {
  const high = new Float32Array(p.data.length);
  let current = p.data;
  for (let i = 0; i < levels; i++) {
    const low = waveletBlur({ ...p, data: current }, 2 ** i);
    for (let k = 0; k < high.length; k++) high[k]! += (current[k] as number) - (low[k] as number);
    current = low;
  }
  return { high, low: current };
}

/** The content's detail on the reference's low frequencies. */
export function waveletColorFix(content: Planes, reference: Planes): Float32Array {
  const { high } = waveletDecompose(content);
  const { low } = waveletDecompose(reference);
  for (let k = 0; k < high.length; k++) high[k]! += low[k] as number;
  return high;
}

function meanStd(p: Planes, c: number): { mean: number; std: number } {
  const n = p.height * p.width;
  const base = c * n;
  let sum = 0;
  for (let k = 0; k < n; k++) sum += p.data[base + k] as number;
  const mean = sum / n;
  let sq = 0;
  for (let k = 0; k < n; k++) sq += ((p.data[base + k] as number) - mean) ** 2;
  const variance = sq / Math.max(n - 1, 1) + 1e-5; // unbiased, with TSD-SR's epsilon
  return { mean, std: Math.sqrt(variance) };
}

/** Per-channel mean and standard deviation of the content matched to the reference's. */
export function adainColorFix(content: Planes, reference: Planes): Float32Array {
  const out = new Float32Array(content.data.length);
  const n = content.height * content.width;
  for (let c = 0; c < content.channels; c++) {
    const from = meanStd(content, c);
    const to = meanStd(reference, c);
    const gain = to.std / from.std;
    for (let k = c * n; k < (c + 1) * n; k++) out[k] = ((content.data[k] as number) - from.mean) * gain + to.mean;
  }
  return out;
}

/** Applies the chosen colour fix; `none` returns the content unchanged. */
export function applyColorFix(method: ColorFix, content: Planes, reference: Planes): Float32Array {
  if (method === 'wavelet') return waveletColorFix(content, reference);
  if (method === 'adain') return adainColorFix(content, reference);
  return content.data;
}
