/**
 * The learned half of the degradation estimate: a tiny patch classifier that reads an LR image's pixels and says how
 * likely it is to be degraded (noise, JPEG, blur) rather than a clean downscale. Its architecture is the project's patch
 * discriminator (models/nets/small/discriminator.ts) at small widths; `npm run train:estimate` trains it on clean and
 * degraded ×4 LR crops of the training split and writes its weights to degradation-net-weights.ts.
 *
 * The forward pass is plain TypeScript (no ONNX session), so the estimate runs the same in Node and in the plugin. It
 * reads at most MAX_NET_PATCHES fully opaque NET_PATCH² patches (NET_PATCH_SMALL² where none fits), spread evenly over
 * the image, and averages the logits.
 */
import type { RgbaImage } from './image.ts';

/** A float tensor as plain data, [out, in, k, k] for conv weights. */
export interface NetTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** A trained classifier: widths and slope of the patch discriminator it is, and its weights by key. */
export interface DegradationNet {
  /** Channels after conv_in, then after each 4×4 stride-2 block. */
  readonly widths: readonly number[];
  /** LeakyReLU slope for negative inputs. */
  readonly negativeSlope: number;
  readonly weights: ReadonlyMap<string, NetTensor>;
}

/** Side of the square patches the net reads, in LR pixels (a multiple of 2^(widths − 1)). */
export const NET_PATCH = 48;
/**
 * The side it falls back to where no NET_PATCH² cell is fully opaque (an icon's LR). The net was trained on 48²
 * patches; on the centre 32² of its held-out patches it calls the same share degraded within a few points.
 */
export const NET_PATCH_SMALL = 32;
/** Patches read at most: 16 × 48² ≈ 37 k pixels, about 6 ms each in JS on this project's 2-core machine. */
export const MAX_NET_PATCHES = 16;

/** Every weight key of a net of these widths with its dims, in the order the weights file stores them. */
export function degradationNetShapes(widths: readonly number[]): [string, number[]][] {
  if (widths.length === 0) throw new Error('degradation net: give at least one width');
  const out: [string, number[]][] = [];
  const conv = (key: string, inC: number, outC: number, k: number): void => {
    out.push([`${key}.weight`, [outC, inC, k, k]], [`${key}.bias`, [outC]]);
  };
  conv('conv_in', 3, widths[0] as number, 3);
  for (let i = 1; i < widths.length; i++) conv(`down_blocks.${i - 1}.conv`, widths[i - 1] as number, widths[i] as number, 4);
  conv('conv_out', widths.at(-1) as number, 1, 3);
  return out;
}

/** A planar activation map [channels, height, width]. */
interface Planes {
  c: number;
  h: number;
  w: number;
  data: Float32Array;
}

/** Direct 2-d convolution with zero padding `pad` on every side (the weights' own k × k kernel). */
function conv2d(x: Planes, weight: NetTensor, bias: NetTensor, stride: number, pad: number): Planes {
  const [outC, inC, k] = weight.dims as [number, number, number, number];
  if (inC !== x.c) throw new Error(`degradation net: a conv expects ${inC} channels, got ${x.c}`);
  const h = Math.floor((x.h + 2 * pad - k) / stride) + 1;
  const w = Math.floor((x.w + 2 * pad - k) / stride) + 1;
  const out = new Float32Array(outC * h * w);
  for (let o = 0; o < outC; o++) {
    const plane = out.subarray(o * h * w, (o + 1) * h * w);
    plane.fill(bias.data[o] as number);
    for (let i = 0; i < inC; i++) {
      const src = x.data.subarray(i * x.h * x.w, (i + 1) * x.h * x.w);
      for (let ky = 0; ky < k; ky++) {
        for (let kx = 0; kx < k; kx++) {
          const wv = weight.data[((o * inC + i) * k + ky) * k + kx] as number;
          // output columns whose input column x·stride − pad + kx lies inside [0, x.w)
          const x0 = Math.max(0, Math.ceil((pad - kx) / stride));
          const x1 = Math.min(w - 1, Math.floor((x.w - 1 + pad - kx) / stride));
          for (let oy = 0; oy < h; oy++) {
            const iy = oy * stride - pad + ky;
            if (iy < 0 || iy >= x.h) continue;
            const row = iy * x.w - pad + kx;
            const orow = oy * w;
            for (let ox = x0; ox <= x1; ox++) plane[orow + ox]! += wv * (src[row + ox * stride] as number);
          }
        }
      }
    }
  }
  return { c: outC, h, w, data: out };
}

function leaky(x: Planes, slope: number): Planes {
  const d = x.data;
  for (let i = 0; i < d.length; i++) if ((d[i] as number) < 0) d[i] = (d[i] as number) * slope;
  return x;
}

/**
 * The net's logits [1, h, w] on one planar RGB patch [3, size, size] in [0, 1] (mapped to [−1, 1] first), as
 * models/nets/small/discriminator.ts's graph computes them.
 */
export function degradationNetLogits(net: DegradationNet, rgb: Float32Array, size: number): Float32Array {
  const get = (key: string): NetTensor => {
    const t = net.weights.get(key);
    if (!t) throw new Error(`degradation net: weight ${key} is missing`);
    return t;
  };
  let x: Planes = { c: 3, h: size, w: size, data: rgb.map((v) => 2 * v - 1) };
  x = leaky(conv2d(x, get('conv_in.weight'), get('conv_in.bias'), 1, 1), net.negativeSlope);
  for (let i = 1; i < net.widths.length; i++) {
    x = leaky(conv2d(x, get(`down_blocks.${i - 1}.conv.weight`), get(`down_blocks.${i - 1}.conv.bias`), 2, 1), net.negativeSlope);
  }
  return conv2d(x, get('conv_out.weight'), get('conv_out.bias'), 1, 1).data;
}

/** Top-left corners of the fully opaque NET_PATCH² cells of a grid over the image, at most `max`, spread evenly. */
export function netPatchCorners(image: RgbaImage, max = MAX_NET_PATCHES, size = NET_PATCH): [number, number][] {
  const { width, height, data } = image;
  const cols = Math.floor(width / size);
  const rows = Math.floor(height / size);
  // centre the grid so the margins left over are shared by both sides
  const ox = Math.floor((width - cols * size) / 2);
  const oy = Math.floor((height - rows * size) / 2);
  const opaque: [number, number][] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x0 = ox + c * size;
      const y0 = oy + r * size;
      let all = true;
      for (let y = y0; y < y0 + size && all; y++) {
        for (let x = x0; x < x0 + size; x++) {
          if (data[(y * width + x) * 4 + 3] !== 255) {
            all = false;
            break;
          }
        }
      }
      if (all) opaque.push([x0, y0]);
    }
  }
  if (opaque.length <= max) return opaque;
  return Array.from({ length: max }, (_, i) => opaque[Math.floor(((i + 0.5) * opaque.length) / max)] as [number, number]);
}

/** One patch of an RGBA image as planar RGB [3, size, size] in [0, 1]. */
export function netPatch(image: RgbaImage, x0: number, y0: number, size = NET_PATCH): Float32Array {
  const out = new Float32Array(3 * size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const s = ((y0 + y) * image.width + x0 + x) * 4;
      const d = y * size + x;
      for (let c = 0; c < 3; c++) out[c * size * size + d] = (image.data[s + c] as number) / 255;
    }
  }
  return out;
}

/** The net's verdict on an image: σ(mean logit) over the patches it read, and how many; score null when none fitted. */
export interface NetScore {
  score: number | null;
  patches: number;
}

/**
 * Runs the net over an image's evenly spread opaque NET_PATCH² patches (see {@link netPatchCorners}), or its
 * NET_PATCH_SMALL² ones where none fits; null without either.
 */
export function degradationNetScore(net: DegradationNet, image: RgbaImage, max = MAX_NET_PATCHES): NetScore {
  let size = NET_PATCH;
  let corners = netPatchCorners(image, max, size);
  if (corners.length === 0) {
    size = NET_PATCH_SMALL;
    corners = netPatchCorners(image, max, size);
  }
  if (corners.length === 0) return { score: null, patches: 0 };
  let sum = 0;
  let count = 0;
  for (const [x0, y0] of corners) {
    const logits = degradationNetLogits(net, netPatch(image, x0, y0, size), size);
    for (const v of logits) sum += v;
    count += logits.length;
  }
  return { score: 1 / (1 + Math.exp(-sum / count)), patches: corners.length };
}

/** Float32 little-endian weights in base64, as degradation-net-weights.ts stores them, into a net. */
export function decodeDegradationNet(widths: readonly number[], negativeSlope: number, base64: string): DegradationNet {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const view = new DataView(bytes.buffer);
  const weights = new Map<string, NetTensor>();
  let offset = 0;
  for (const [key, dims] of degradationNetShapes(widths)) {
    const n = dims.reduce((a, b) => a * b, 1);
    if (offset + 4 * n > bytes.length) throw new Error(`degradation net: the weights end before ${key}`);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = view.getFloat32(offset + 4 * i, true);
    offset += 4 * n;
    weights.set(key, { dims, data });
  }
  if (offset !== bytes.length) throw new Error(`degradation net: ${bytes.length - offset} bytes of weights left over for widths ${widths.join('-')}`);
  return { widths, negativeSlope, weights };
}

/** The inverse of {@link decodeDegradationNet}: the weights in key order as float32 little-endian, base64. */
export function encodeDegradationNet(net: DegradationNet): string {
  const shapes = degradationNetShapes(net.widths);
  const total = shapes.reduce((a, [, dims]) => a + dims.reduce((p, d) => p * d, 1), 0);
  const view = new DataView(new ArrayBuffer(4 * total));
  let offset = 0;
  for (const [key, dims] of shapes) {
    const t = net.weights.get(key);
    const n = dims.reduce((a, b) => a * b, 1);
    if (!t || t.data.length !== n) throw new Error(`degradation net: weight ${key} is missing or not ${dims.join('×')}`);
    for (let i = 0; i < n; i++) view.setFloat32(offset + 4 * i, t.data[i] as number, true);
    offset += 4 * n;
  }
  const bytes = new Uint8Array(view.buffer);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
