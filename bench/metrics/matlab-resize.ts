/**
 * MATLAB's `imresize` (bicubic, antialiased when shrinking, symmetric edge padding) for one channel,
 * as SR papers' metrics use it; float64 throughout.
 */

/** MATLAB's cubic kernel (a = −0.5). */
function cubic(x: number): number {
  const t = Math.abs(x);
  if (t <= 1) return 1.5 * t ** 3 - 2.5 * t ** 2 + 1;
  if (t <= 2) return -0.5 * t ** 3 + 2.5 * t ** 2 - 4 * t + 2;
  return 0;
}

/** Weights and (0-based, symmetric-padded) source indices for each output position. */
function contributions(inLength: number, outLength: number, scale: number): { weights: number[][]; indices: number[][] } {
  const kernelWidth = scale < 1 ? 4 / scale : 4;
  const taps = Math.ceil(kernelWidth) + 2;
  const weights: number[][] = [];
  const indices: number[][] = [];
  for (let o = 1; o <= outLength; o++) {
    const u = o / scale + 0.5 * (1 - 1 / scale);
    const left = Math.floor(u - kernelWidth / 2);
    const row = Array.from({ length: taps }, (_, p) => (scale < 1 ? scale * cubic((u - (left + p)) * scale) : cubic(u - (left + p))));
    const sum = row.reduce((a, b) => a + b, 0);
    weights.push(row.map((w) => w / sum));
    indices.push(Array.from({ length: taps }, (_, p) => left + p - 1)); // MATLAB's 1-based → 0-based
  }
  // drop the first or last tap when it is zero (as BasicSR's port of MATLAB's imresize does)
  const dropFirst = weights.some((w) => w[0] === 0);
  const dropLast = weights.some((w) => w[taps - 1] === 0);
  const keep = (row: number[]) => row.slice(dropFirst ? 1 : 0, dropLast ? taps - 1 : taps);
  return { weights: weights.map(keep), indices: indices.map(keep) };
}

/** Mirrors an out-of-range index back into [0, length) (symmetric padding, edge sample repeated). */
function mirror(i: number, length: number): number {
  let j = i;
  while (j < 0 || j >= length) j = j < 0 ? -j - 1 : 2 * length - 1 - j;
  return j;
}

/** Resizes a height × width plane by `scale` (output size ceil(size · scale)), rows first, then columns. */
export function matlabResize(plane: Float64Array, height: number, width: number, scale: number): { data: Float64Array; height: number; width: number } {
  const outH = Math.ceil(height * scale);
  const outW = Math.ceil(width * scale);
  const ry = contributions(height, outH, scale);
  const rx = contributions(width, outW, scale);
  const tmp = new Float64Array(outH * width);
  for (let o = 0; o < outH; o++) {
    for (let x = 0; x < width; x++) {
      let v = 0;
      ry.weights[o]!.forEach((w, k) => (v += w * plane[mirror(ry.indices[o]![k]!, height) * width + x]!));
      tmp[o * width + x] = v;
    }
  }
  const out = new Float64Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    for (let o = 0; o < outW; o++) {
      let v = 0;
      rx.weights[o]!.forEach((w, k) => (v += w * tmp[y * width + mirror(rx.indices[o]![k]!, width)]!));
      out[y * outW + o] = v;
    }
  }
  return { data: out, height: outH, width: outW };
}
