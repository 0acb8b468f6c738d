/** Resize as per-axis interpolation matrices [out, in], following ONNX Resize's coordinate and kernel rules. */
import { check } from '../../shape.ts';

/** The attributes of one Resize that decide its weights along an axis. */
export interface ResizeAxis {
  mode: string;
  coordinateMode: string;
  nearestMode: string;
  cubicCoeffA: number;
  excludeOutside: boolean;
  scale: number;
  inSize: number;
  outSize: number;
}

/** The source coordinate of output position o. */
function sourceCoordinate(o: number, a: ResizeAxis): number {
  switch (a.coordinateMode) {
    case 'half_pixel': return (o + 0.5) / a.scale - 0.5;
    case 'pytorch_half_pixel': return a.outSize > 1 ? (o + 0.5) / a.scale - 0.5 : 0;
    case 'align_corners': return a.outSize === 1 ? 0 : (o * (a.inSize - 1)) / (a.outSize - 1);
    case 'asymmetric': return o / a.scale;
    case 'half_pixel_symmetric': {
      const adjustment = a.outSize / (a.scale * a.inSize);
      return (a.inSize / 2) * (1 - adjustment) + (o + 0.5) / a.scale - 0.5;
    }
    default: throw new Error(`Resize gradient: coordinate_transformation_mode ${a.coordinateMode} is not supported`);
  }
}

function nearestIndex(x: number, mode: string): number {
  switch (mode) {
    case 'floor': return Math.floor(x);
    case 'ceil': return Math.ceil(x);
    case 'round_prefer_ceil': return Math.floor(x + 0.5);
    default: return x === Math.floor(x) + 0.5 ? Math.floor(x) : Math.round(x);
  }
}

function cubicWeight(t: number, A: number): number {
  const u = Math.abs(t);
  if (u <= 1) return ((A + 2) * u - (A + 3)) * u * u + 1;
  if (u < 2) return ((A * u - 5 * A) * u + 8 * A) * u - 4 * A;
  return 0;
}

/** Taps (input index, weight) feeding output position o. */
function taps(o: number, a: ResizeAxis): [number, number][] {
  const clampIndex = (i: number): number => Math.min(a.inSize - 1, Math.max(0, i));
  const x = sourceCoordinate(o, a);
  if (a.mode === 'nearest') return [[clampIndex(nearestIndex(x, a.nearestMode)), 1]];
  if (a.mode === 'linear') {
    const xc = Math.min(a.inSize - 1, Math.max(0, x));
    const x0 = Math.floor(xc);
    const frac = xc - x0;
    return [[x0, 1 - frac], [clampIndex(x0 + 1), frac]];
  }
  check(a.mode === 'cubic', 'Resize', `no gradient for mode ${a.mode}`);
  const x0 = Math.floor(x);
  const frac = x - x0;
  let raw: [number, number][] = [-1, 0, 1, 2].map((k) => [x0 + k, cubicWeight(frac - k, a.cubicCoeffA)]);
  if (a.excludeOutside) {
    raw = raw.filter(([i]) => i >= 0 && i < a.inSize);
    const sum = raw.reduce((p, [, w]) => p + w, 0);
    raw = raw.map(([i, w]) => [i, w / sum]);
  }
  return raw.map(([i, w]) => [clampIndex(i), w]);
}

/** The [outSize, inSize] matrix M with y = M x along this axis. */
export function interpolationMatrix(a: ResizeAxis): number[] {
  const m = new Array<number>(a.outSize * a.inSize).fill(0);
  for (let o = 0; o < a.outSize; o++) {
    for (const [i, w] of taps(o, a)) m[o * a.inSize + i] = (m[o * a.inSize + i] ?? 0) + w;
  }
  return m;
}
