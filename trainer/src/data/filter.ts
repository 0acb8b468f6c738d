/** 2-D filtering of planar images with reflection padding (torch filter2D / cv2.filter2D semantics). */
import { createImage, reflectIndex, type PlanarImage } from './image.ts';
import { isPulse, type Kernel2d } from './kernels.ts';

/** One channel plane padded by `r` on every side by reflection (REFLECT_101). */
function padPlane(src: Float32Array, offset: number, width: number, height: number, r: number): Float32Array {
  const pw = width + 2 * r;
  const out = new Float32Array(pw * (height + 2 * r));
  const cols = Int32Array.from({ length: pw }, (_, x) => reflectIndex(x - r, width));
  for (let y = 0; y < height + 2 * r; y++) {
    const s = offset + reflectIndex(y - r, height) * width;
    const d = y * pw;
    for (let x = 0; x < pw; x++) out[d + x] = src[s + (cols[x] as number)] as number;
  }
  return out;
}

/** Dense 2-D correlation of one padded plane into `out` at `outOffset`. */
function correlatePlane(padded: Float32Array, kernel: Kernel2d, width: number, height: number, out: Float32Array, outOffset: number): void {
  const k = kernel.size;
  const pw = width + k - 1;
  const acc = new Float32Array(width);
  for (let y = 0; y < height; y++) {
    acc.fill(0);
    for (let ky = 0; ky < k; ky++) {
      const rowBase = (y + ky) * pw;
      for (let kx = 0; kx < k; kx++) {
        const w = kernel.weights[ky * k + kx] as number;
        if (w === 0) continue;
        const base = rowBase + kx;
        for (let x = 0; x < width; x++) acc[x] = (acc[x] as number) + w * (padded[base + x] as number);
      }
    }
    out.set(acc, outOffset + y * width);
  }
}

/** Separable correlation: rows with `taps`, then columns with `taps`, reflection-padded. */
function separablePlane(src: Float32Array, offset: number, width: number, height: number, taps: Float64Array, out: Float32Array, outOffset: number): void {
  const k = taps.length;
  const r = (k - 1) / 2;
  const cols = Int32Array.from({ length: width + 2 * r }, (_, x) => reflectIndex(x - r, width));
  const rowPad = new Float32Array(width + 2 * r);
  const tmp = new Float32Array(width * height);
  const acc = new Float32Array(width);
  for (let y = 0; y < height; y++) {
    const s = offset + y * width;
    for (let x = 0; x < rowPad.length; x++) rowPad[x] = src[s + (cols[x] as number)] as number;
    acc.fill(0);
    for (let t = 0; t < k; t++) {
      const w = taps[t] as number;
      for (let x = 0; x < width; x++) acc[x] = (acc[x] as number) + w * (rowPad[x + t] as number);
    }
    tmp.set(acc, y * width);
  }
  for (let y = 0; y < height; y++) {
    acc.fill(0);
    for (let t = 0; t < k; t++) {
      const w = taps[t] as number;
      const base = reflectIndex(y + t - r, height) * width;
      for (let x = 0; x < width; x++) acc[x] = (acc[x] as number) + w * (tmp[base + x] as number);
    }
    out.set(acc, outOffset + y * width);
  }
}

/** Total |weight| of the outermost ring of a square kernel. */
function ringMass(kernel: Kernel2d, ring: number): number {
  const k = kernel.size;
  const lo = ring;
  const hi = k - 1 - ring;
  let mass = 0;
  for (let i = lo; i <= hi; i++) {
    mass += Math.abs(kernel.weights[lo * k + i] as number) + Math.abs(kernel.weights[hi * k + i] as number);
    if (i !== lo && i !== hi) mass += Math.abs(kernel.weights[i * k + lo] as number) + Math.abs(kernel.weights[i * k + hi] as number);
  }
  return mass;
}

/** Drop outer rings whose combined |weight| is at most `tolerance` (output changes by at most that much on [0, 1] images). */
export function trimKernel(kernel: Kernel2d, tolerance = 1e-7): Kernel2d {
  let ring = 0;
  let dropped = 0;
  while (2 * ring + 1 < kernel.size) {
    const mass = ringMass(kernel, ring);
    if (dropped + mass > tolerance) break;
    dropped += mass;
    ring++;
  }
  if (ring === 0) return kernel;
  const size = kernel.size - 2 * ring;
  const weights = new Float64Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) weights[y * size + x] = kernel.weights[(y + ring) * kernel.size + x + ring] as number;
  }
  const separable = kernel.separable?.slice(ring, kernel.size - ring);
  return separable ? { size, weights, separable } : { size, weights };
}

/** Correlate every channel with the kernel (same size out, reflection padding); negligible outer rings are skipped, separable kernels take the fast path. */
export function filter2d(image: PlanarImage, fullKernel: Kernel2d): PlanarImage {
  const kernel = trimKernel(fullKernel);
  if (isPulse(kernel)) return { ...image, data: image.data.slice() };
  const { width, height, channels } = image;
  const out = createImage(width, height, channels);
  const plane = width * height;
  const r = (kernel.size - 1) / 2;
  for (let c = 0; c < channels; c++) {
    if (kernel.separable) {
      separablePlane(image.data, c * plane, width, height, kernel.separable, out.data, c * plane);
    } else {
      correlatePlane(padPlane(image.data, c * plane, width, height, r), kernel, width, height, out.data, c * plane);
    }
  }
  return out;
}
