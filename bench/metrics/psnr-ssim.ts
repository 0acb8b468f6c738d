/** PSNR and SSIM on Y as SR papers report them (BasicSR's calculate_psnr/ssim with test_y_channel, border cropped). */
import type { RgbaImage } from '../../models/runtime/index.ts';
import { cropBorder, yChannel } from './y-channel.ts';

/** Y rounded to float32 as BasicSR's `to_y_channel` leaves it (no integer rounding), border cropped. */
function lumaPlane(image: RgbaImage, border: number): { data: Float64Array; height: number; width: number } {
  const y = yChannel(image).map((v) => Math.fround(Math.fround(v / 255) * 255));
  return cropBorder(y, image.height, image.width, border);
}

function sameSize(a: RgbaImage, b: RgbaImage): void {
  if (a.width !== b.width || a.height !== b.height) throw new RangeError(`images differ in size: ${a.width}×${a.height} vs ${b.width}×${b.height}`);
}

/** PSNR in dB on Y (peak 255); Infinity for identical images. */
export function psnrY(a: RgbaImage, b: RgbaImage, border: number): number {
  sameSize(a, b);
  const [x, y] = [lumaPlane(a, border), lumaPlane(b, border)];
  let mse = 0;
  for (let i = 0; i < x.data.length; i++) mse += (x.data[i]! - y.data[i]!) ** 2;
  mse /= x.data.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

const WINDOW = (() => {
  const g = Array.from({ length: 11 }, (_, i) => Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5)));
  const sum = g.reduce((p, q) => p + q, 0);
  return g.map((v) => v / sum);
})();

/** Separable 11×11 Gaussian filter keeping only the valid region (5 px lost on each side). */
function filterValid(plane: Float64Array, h: number, w: number): Float64Array {
  const rows = new Float64Array(h * (w - 10));
  for (let y = 0; y < h; y++) for (let x = 0; x < w - 10; x++) {
    let v = 0;
    for (let k = 0; k < 11; k++) v += WINDOW[k]! * plane[y * w + x + k]!;
    rows[y * (w - 10) + x] = v;
  }
  const out = new Float64Array((h - 10) * (w - 10));
  for (let y = 0; y < h - 10; y++) for (let x = 0; x < w - 10; x++) {
    let v = 0;
    for (let k = 0; k < 11; k++) v += WINDOW[k]! * rows[(y + k) * (w - 10) + x]!;
    out[y * (w - 10) + x] = v;
  }
  return out;
}

/** Mean SSIM on Y (11×11 Gaussian window, σ 1.5, valid region, C1 = (0.01·255)², C2 = (0.03·255)²). */
export function ssimY(a: RgbaImage, b: RgbaImage, border: number): number {
  sameSize(a, b);
  const [x, y] = [lumaPlane(a, border), lumaPlane(b, border)];
  const { height: h, width: w } = x;
  if (h < 11 || w < 11) throw new RangeError('SSIM needs at least 11×11 pixels after the border');
  const product = (p: Float64Array, q: Float64Array) => p.map((v, i) => v * q[i]!);
  const [mu1, mu2] = [filterValid(x.data, h, w), filterValid(y.data, h, w)];
  const [s11, s22, s12] = [filterValid(product(x.data, x.data), h, w), filterValid(product(y.data, y.data), h, w), filterValid(product(x.data, y.data), h, w)];
  const [c1, c2] = [(0.01 * 255) ** 2, (0.03 * 255) ** 2];
  let sum = 0;
  for (let i = 0; i < mu1.length; i++) {
    const [m1, m2] = [mu1[i]!, mu2[i]!];
    const [v1, v2, v12] = [s11[i]! - m1 * m1, s22[i]! - m2 * m2, s12[i]! - m1 * m2];
    sum += ((2 * m1 * m2 + c1) * (2 * v12 + c2)) / ((m1 * m1 + m2 * m2 + c1) * (v1 + v2 + c2));
  }
  return sum / mu1.length;
}
