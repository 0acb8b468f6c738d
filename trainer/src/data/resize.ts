/** Separable image resizing with torch.nn.functional.interpolate semantics (area, bilinear, bicubic; optional antialias). */
import { createImage, type PlanarImage } from './image.ts';
import type { ResizeMode } from './config.ts';

/** For each output position along one axis: `taps` source indices and weights. */
interface AxisWeights {
  readonly taps: number;
  readonly index: Int32Array;
  readonly weight: Float32Array;
}

/** Keys cubic convolution kernel with parameter a (-0.75 in torch without antialias, -0.5 with it, as PIL). */
function cubic(x: number, a: number): number {
  const t = Math.abs(x);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

/** Pack per-output tap lists into a fixed-width table. */
function packAxis(lists: { index: number[]; weight: number[] }[]): AxisWeights {
  const taps = Math.max(...lists.map((l) => l.index.length));
  const index = new Int32Array(lists.length * taps);
  const weight = new Float32Array(lists.length * taps);
  lists.forEach((l, o) => {
    for (let t = 0; t < l.index.length; t++) {
      index[o * taps + t] = l.index[t] as number;
      weight[o * taps + t] = l.weight[t] as number;
    }
    for (let t = l.index.length; t < taps; t++) index[o * taps + t] = l.index[0] as number;
  });
  return { taps, index, weight };
}

/** Adaptive average pooling (mode 'area'): each output averages the input cells its interval touches. */
function areaAxis(n: number, m: number): AxisWeights {
  return packAxis(Array.from({ length: m }, (_, o) => {
    const start = Math.floor((o * n) / m);
    const end = Math.ceil(((o + 1) * n) / m);
    const index = Array.from({ length: end - start }, (_, i) => start + i);
    return { index, weight: index.map(() => 1 / (end - start)) };
  }));
}

/** Point-sampled interpolation (no antialias): 2 taps for bilinear, 4 for bicubic, half-pixel centres, clamped edges. */
function interpolatingAxis(n: number, m: number, mode: 'bilinear' | 'bicubic'): AxisWeights {
  const scale = n / m;
  const clampIndex = (i: number): number => Math.min(n - 1, Math.max(0, i));
  return packAxis(Array.from({ length: m }, (_, o) => {
    let src = (o + 0.5) * scale - 0.5;
    if (mode === 'bilinear') {
      src = Math.max(0, src);
      const i0 = Math.floor(src);
      const l = src - i0;
      return { index: [clampIndex(i0), clampIndex(i0 + 1)], weight: [1 - l, l] };
    }
    const i0 = Math.floor(src);
    const t = src - i0;
    const offsets = [-1, 0, 1, 2];
    return { index: offsets.map((d) => clampIndex(i0 + d)), weight: offsets.map((d) => cubic(t - d, -0.75)) };
  }));
}

/** Antialiased interpolation (torch antialias=True, PIL): the kernel is stretched by the downscale factor. */
function antialiasAxis(n: number, m: number, mode: 'bilinear' | 'bicubic'): AxisWeights {
  const scale = n / m;
  const stretch = Math.max(scale, 1);
  const support = (mode === 'bilinear' ? 1 : 2) * stretch;
  const filter = mode === 'bilinear' ? (x: number) => Math.max(0, 1 - Math.abs(x)) : (x: number) => cubic(x, -0.5);
  return packAxis(Array.from({ length: m }, (_, o) => {
    const centre = (o + 0.5) * scale;
    const lo = Math.max(Math.floor(centre - support + 0.5), 0);
    const hi = Math.min(Math.floor(centre + support + 0.5), n);
    const index: number[] = [];
    const weight: number[] = [];
    for (let j = lo; j < hi; j++) {
      index.push(j);
      weight.push(filter((j - centre + 0.5) / stretch));
    }
    const total = weight.reduce((a, b) => a + b, 0);
    return { index, weight: weight.map((w) => (total === 0 ? 0 : w / total)) };
  }));
}

/** The weight table for resizing one axis from n to m samples. */
function axisWeights(n: number, m: number, mode: ResizeMode, antialias: boolean): AxisWeights {
  if (mode === 'area') return areaAxis(n, m);
  if (antialias && m < n) return antialiasAxis(n, m, mode);
  return interpolatingAxis(n, m, mode);
}

/** Resize every channel to width x height with the given mode (torch F.interpolate, align_corners=False). */
export function resizeImage(image: PlanarImage, width: number, height: number, mode: ResizeMode, antialias = false): PlanarImage {
  if (width === image.width && height === image.height) return { ...image, data: image.data.slice() };
  const ax = axisWeights(image.width, width, mode, antialias);
  const ay = axisWeights(image.height, height, mode, antialias);
  const tmp = new Float32Array(width * image.height);
  const out = createImage(width, height, image.channels);
  for (let c = 0; c < image.channels; c++) {
    const srcPlane = c * image.width * image.height;
    for (let y = 0; y < image.height; y++) {
      const row = srcPlane + y * image.width;
      for (let x = 0; x < width; x++) {
        let acc = 0;
        for (let t = 0; t < ax.taps; t++) acc += (ax.weight[x * ax.taps + t] as number) * (image.data[row + (ax.index[x * ax.taps + t] as number)] as number);
        tmp[y * width + x] = acc;
      }
    }
    const dstPlane = c * width * height;
    for (let y = 0; y < height; y++) {
      const acc = new Float32Array(width);
      for (let t = 0; t < ay.taps; t++) {
        const w = ay.weight[y * ay.taps + t] as number;
        if (w === 0) continue;
        const base = (ay.index[y * ay.taps + t] as number) * width;
        for (let x = 0; x < width; x++) acc[x] = (acc[x] as number) + w * (tmp[base + x] as number);
      }
      out.data.set(acc, dstPlane + y * width);
    }
  }
  return out;
}

/** Plain bicubic downscale by an integer factor (antialiased by default, like PIL/Matlab bicubic degradations). */
export function bicubicDownscale(image: PlanarImage, scale: number, antialias = true): PlanarImage {
  const width = Math.floor(image.width / scale);
  const height = Math.floor(image.height / scale);
  return resizeImage(image, width, height, 'bicubic', antialias);
}
