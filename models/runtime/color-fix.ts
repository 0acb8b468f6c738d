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
  const out = p.data.slice();
  blurInPlace({ ...p, data: out }, [radius], new Float32Array(p.height * p.width));
  return out;
}

/**
 * Blurs `p.data` in place once per radius in `radii`, using `tmp` (one plane) as scratch. The
 * blur is separable with replicated edges, so all horizontal passes run first, each row kept in
 * two small buffers, then the vertical passes alternate between the plane and `tmp`.
 */
function blurInPlace(p: Planes, radii: readonly number[], tmp: Float32Array): void {
  const { data, channels, height, width } = p;
  const plane = height * width;
  let a = new Float32Array(width);
  let b = new Float32Array(width);
  for (let c = 0; c < channels; c++) {
    const base = c * plane;
    for (let y = 0; y < height; y++) {
      const row = base + y * width;
      for (let x = 0; x < width; x++) a[x] = data[row + x] as number;
      for (let l = 0; l < radii.length; l++) {
        blurLine(a, b, width, radii[l] as number);
        const done = b;
        b = a;
        a = done;
      }
      for (let x = 0; x < width; x++) tmp[y * width + x] = a[x] as number;
    }
    let from = tmp;
    let to = data.subarray(base, base + plane);
    for (let l = 0; l < radii.length; l++) {
      blurColumns(from, to, height, width, radii[l] as number);
      const done = to;
      to = from;
      from = done;
    }
    if (from === tmp) data.set(tmp, base);
  }
}

/** One horizontal pass over a line of `width` values: `src` into `dst`. */
function blurLine(src: Float32Array, dst: Float32Array, width: number, radius: number): void {
  const last = width - 1;
  const interiorEnd = Math.max(width - radius, radius);
  for (let x = 0; x < Math.min(radius, width); x++) {
    dst[x] = 0.25 * (src[0] as number) + 0.5 * (src[x] as number) + 0.25 * (src[Math.min(x + radius, last)] as number);
  }
  for (let x = radius; x < interiorEnd; x++) {
    dst[x] = 0.25 * (src[x - radius] as number) + 0.5 * (src[x] as number) + 0.25 * (src[x + radius] as number);
  }
  for (let x = interiorEnd; x < width; x++) {
    dst[x] = 0.25 * (src[Math.max(x - radius, 0)] as number) + 0.5 * (src[x] as number) + 0.25 * (src[last] as number);
  }
}

/** One vertical pass over a plane of height × width: `src` into `dst`. */
function blurColumns(src: Float32Array, dst: Float32Array, height: number, width: number, radius: number): void {
  for (let y = 0; y < height; y++) {
    const up = Math.max(y - radius, 0) * width;
    const mid = y * width;
    const down = Math.min(y + radius, height - 1) * width;
    for (let x = 0; x < width; x++) {
      dst[mid + x] = 0.25 * (src[up + x] as number) + 0.5 * (src[mid + x] as number) + 0.25 * (src[down + x] as number);
    }
  }
}

/** Splits an image into its high-frequency detail and its low-frequency residue. */
export function waveletDecompose(p: Planes, levels = WAVELET_LEVELS): { high: Float32Array; low: Float32Array } {
  const low = lowFrequencies(p, p.data.slice(), new Float32Array(p.height * p.width), levels);
  const high = new Float32Array(p.data.length);
  for (let k = 0; k < high.length; k++) high[k] = (p.data[k] as number) - (low[k] as number);
  return { high, low };
}

/** The wavelet low band of `p` (its blur at every level in turn), computed in place in `data`. */
function lowFrequencies(p: Planes, data: Float32Array, tmp: Float32Array, levels = WAVELET_LEVELS): Float32Array {
  blurInPlace({ ...p, data }, Array.from({ length: levels }, (_, i) => 2 ** i), tmp);
  return data;
}

/**
 * The content's detail on the reference's low frequencies, written to `out` (which may be
 * `content.data`). The blur is linear, so this is content + low(reference − content): one
 * decomposition instead of two. `scratch` needs one more plane than the image.
 */
export function waveletColorFix(
  content: Planes,
  reference: Planes,
  out: Float32Array = new Float32Array(content.data.length),
  scratch: Float32Array = new Float32Array(content.data.length + content.height * content.width),
): Float32Array {
  const n = content.data.length;
  const difference = scratch.subarray(0, n);
  for (let k = 0; k < n; k++) difference[k] = (reference.data[k] as number) - (content.data[k] as number);
  lowFrequencies(content, difference, scratch.subarray(n, n + content.height * content.width));
  for (let k = 0; k < n; k++) out[k] = (content.data[k] as number) + (difference[k] as number);
  return out;
}

function meanStd(p: Planes, c: number): { mean: number; std: number } {
  const { data } = p;
  const n = p.height * p.width;
  const base = c * n;
  let sum = 0;
  for (let k = base; k < base + n; k++) sum += data[k] as number;
  const mean = sum / n;
  let sq = 0;
  for (let k = base; k < base + n; k++) {
    const d = (data[k] as number) - mean;
    sq += d * d;
  }
  const variance = sq / Math.max(n - 1, 1) + 1e-5; // unbiased, with TSD-SR's epsilon
  return { mean, std: Math.sqrt(variance) };
}

/** Per-channel mean and standard deviation of the content matched to the reference's; `out` may be `content.data`. */
export function adainColorFix(content: Planes, reference: Planes, out: Float32Array = new Float32Array(content.data.length)): Float32Array {
  const { data } = content;
  const n = content.height * content.width;
  for (let c = 0; c < content.channels; c++) {
    const from = meanStd(content, c);
    const to = meanStd(reference, c);
    const gain = to.std / from.std;
    for (let k = c * n; k < (c + 1) * n; k++) out[k] = ((data[k] as number) - from.mean) * gain + to.mean;
  }
  return out;
}

/** Applies the chosen colour fix; `none` returns the content unchanged. */
export function applyColorFix(method: ColorFix, content: Planes, reference: Planes): Float32Array {
  if (method === 'wavelet') return waveletColorFix(content, reference);
  if (method === 'adain') return adainColorFix(content, reference);
  return content.data;
}

/** Applies one colour fix to tile after tile in place, reusing its scratch memory between tiles. */
export class ColorFixer {
  private scratch = new Float32Array(0);

  constructor(readonly method: ColorFix) {}

  /** Replaces `content.data` with its colour-fixed values. */
  fixInPlace(content: Planes, reference: Planes): void {
    if (this.method === 'adain') adainColorFix(content, reference, content.data);
    if (this.method !== 'wavelet') return;
    const size = content.data.length + content.height * content.width;
    if (this.scratch.length < size) this.scratch = new Float32Array(size);
    waveletColorFix(content, reference, content.data, this.scratch.subarray(0, size));
  }
}
