/**
 * The finishing graph of a `tsdsr` model (`graphs.finish`): a decoded tile clamped to the model's value range, mapped
 * to 0..1 and colour-fixed against its reference tile (the upsampled input window, in the same range) with TSD-SR's
 * wavelet fix: out = x + low(r − x), where `low` blurs five times with [1 2 1]ᵀ[1 2 1]/16 dilated by 1, 2, 4, 8, 16
 * and edges replicated. It does in ONNX Runtime what the runtime's JS TileFinisher does, several times faster.
 */
import { add, clip, conv, Graph, mul, pad, sub, tensor, type Value } from '../graph/index.ts';

/** Wavelet levels of TSD-SR's colour fix (the runtime's WAVELET_LEVELS). */
const LEVELS = 5;

/** The 3×3 blur kernel per channel, for a depthwise convolution over 3 channels. */
function blurKernel(): Float32Array {
  const k = [1, 2, 1];
  return Float32Array.from({ length: 27 }, (_, i) => ((k[Math.floor((i % 9) / 3)] as number) * (k[i % 3] as number)) / 16);
}

/** Graph `finish`: inputs `image` and `reference` ([N, 3, H, W] in `range`), output `fixed` (0..1, not clamped after the fix). */
export function waveletFinishGraph(range: readonly [number, number]): Graph {
  const [lo, hi] = range;
  const g = new Graph('tsdsr_finish');
  const toUnit = (v: Value): Value => mul(g, sub(g, clip(g, v, { min: lo, max: hi }), lo), 1 / (hi - lo));
  const x = toUnit(g.input('image', 'float32', ['N', 3, 'H', 'W']));
  const reference = toUnit(g.input('reference', 'float32', ['N', 3, 'H', 'W']));
  const kernel = g.constant(tensor('float32', [3, 1, 3, 3], blurKernel()), 'wavelet_blur');
  let low = sub(g, reference, x);
  for (let level = 0; level < LEVELS; level++) {
    const r = 2 ** level;
    low = conv(g, pad(g, low, [0, 0, r, r, 0, 0, r, r], 'edge'), kernel, undefined, { group: 3, dilations: [r, r] });
  }
  g.output(add(g, x, low), 'fixed');
  return g;
}
