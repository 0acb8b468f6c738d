/**
 * Anti-ringing for sharpening models: each output pixel's colour is clamped to the range of the input pixels it was
 * upsampled from, the 2 × 2 nearest under the half-pixel mapping, and blended with its own value by a strength.
 * An overshoot halo, and the row of light and dark beads a model can draw along a soft diagonal edge, lie outside
 * that range; a steeper edge, and texture inside the range, stay as drawn. Pure TypeScript on RGBA pixels (Node and
 * browser); alpha is kept, and input pixels with alpha 0 do not count.
 */
import type { RgbaImage } from './image.ts';

/** For each output coordinate along one axis, the two nearest input coordinates under the half-pixel mapping (edges replicated). */
function taps(outSize: number, inSize: number): { lo: Int32Array; hi: Int32Array } {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const a = Math.floor(((o + 0.5) * inSize) / outSize - 0.5);
    lo[o] = Math.max(0, Math.min(inSize - 1, a));
    hi[o] = Math.max(0, Math.min(inSize - 1, a + 1));
  }
  return { lo, hi };
}

/**
 * `output` (an upscale of `input`) with each colour value moved `strength` (0 to 1) of the way to its clamp into
 * [min, max] of the 2 × 2 input pixels around it; 0 returns `output` itself. Input pixels with alpha 0 are left
 * out of the range, and an output pixel whose four are all transparent is kept.
 */
export function antiRing(input: RgbaImage, output: RgbaImage, strength: number): RgbaImage {
  if (!(strength >= 0 && strength <= 1)) throw new RangeError(`anti-ring strength must be in [0, 1], got ${strength}`);
  if (strength === 0) return output;
  const { width: W, height: H } = output;
  const { width: w, data: src } = input;
  const columns = taps(W, w);
  const rows = taps(H, input.height);
  const out = output.data.slice();
  for (let y = 0; y < H; y++) {
    const r0 = rows.lo[y]! * w;
    const r1 = rows.hi[y]! * w;
    for (let x = 0; x < W; x++) {
      const p = (y * W + x) * 4;
      const q00 = (r0 + columns.lo[x]!) * 4, q01 = (r0 + columns.hi[x]!) * 4, q10 = (r1 + columns.lo[x]!) * 4, q11 = (r1 + columns.hi[x]!) * 4;
      // which of the four count (alpha > 0); none: nothing to clamp to
      const use00 = src[q00 + 3]! > 0, use01 = src[q01 + 3]! > 0, use10 = src[q10 + 3]! > 0, use11 = src[q11 + 3]! > 0;
      if (!(use00 || use01 || use10 || use11)) continue;
      for (let c = 0; c < 3; c++) {
        let low = 255;
        let high = 0;
        if (use00) { const v = src[q00 + c]!; if (v < low) low = v; if (v > high) high = v; }
        if (use01) { const v = src[q01 + c]!; if (v < low) low = v; if (v > high) high = v; }
        if (use10) { const v = src[q10 + c]!; if (v < low) low = v; if (v > high) high = v; }
        if (use11) { const v = src[q11 + c]!; if (v < low) low = v; if (v > high) high = v; }
        const v = out[p + c]!;
        if (v < low) out[p + c] = Math.round(v + strength * (low - v));
        else if (v > high) out[p + c] = Math.round(v + strength * (high - v));
      }
    }
  }
  return { width: W, height: H, data: out };
}
