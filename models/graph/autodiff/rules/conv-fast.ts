/** Faster forms of the Conv gradients for the common ungrouped case, built from ops ORT runs as large GEMMs. */
import type { Graph } from '../../graph.ts';
import { conv, type ConvOptions } from '../../ops/conv.ts';
import { reshape, transpose } from '../../ops/layout.ts';
import { matmul } from '../../ops/linear.ts';
import { concat, pad, slice } from '../../ops/slice.ts';
import type { Value } from '../../value.ts';
import { requireStatic } from '../shapes.ts';

/** True when the im2col weight gradient and the flipped-kernel input gradient apply (2-D, one group). */
export const hasFastConvGradient = (x: Value, window: Required<ConvOptions>): boolean => x.shape.length === 4 && window.group === 1;

/**
 * Weight gradient as one matrix product: the input is laid out NHWC, every kernel tap is a strided slice,
 * the taps are concatenated into columns [N*Ho*Wo, kh*kw*C], and dW = dyᵀ [M, N*Ho*Wo] @ columns.
 */
export function im2colWeightGradient(g: Graph, x: Value, dy: Value, kernel: readonly number[], window: Required<ConvOptions>): Value {
  const [, c] = requireStatic('Conv', x) as [number, number, number, number];
  const [, m, ho, wo] = requireStatic('Conv', dy) as [number, number, number, number];
  const [kh, kw] = kernel as [number, number];
  const [sh, sw] = window.strides as [number, number];
  const [dh, dw] = window.dilations as [number, number];
  const [pt, pl, pb, pr] = window.pads as [number, number, number, number];
  const nhwc = pad(g, transpose(g, x, [0, 2, 3, 1]), [0, pt, pl, 0, 0, pb, pr, 0]);
  const taps: Value[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const [top, left] = [i * dh, j * dw];
      taps.push(slice(g, nhwc, { starts: [top, left], ends: [top + sh * (ho - 1) + 1, left + sw * (wo - 1) + 1], axes: [1, 2], steps: [sh, sw] }));
    }
  }
  const columns = reshape(g, taps.length === 1 ? (taps[0] as Value) : concat(g, taps, 3), [-1, kh * kw * c]);
  const rows = reshape(g, transpose(g, dy, [1, 0, 2, 3]), [m, -1]);
  return transpose(g, reshape(g, matmul(g, rows, columns), [m, kh, kw, c]), [0, 3, 1, 2]);
}

/** Input gradient of a stride-1 Conv as a Conv of dy with the kernel flipped and its channel axes swapped; null when it does not apply. */
export function flippedKernelInputGradient(g: Graph, w: Value, dy: Value, window: Required<ConvOptions>): Value | null {
  const kernel = requireStatic('Conv', w).slice(2);
  if (window.strides.some((s) => s !== 1)) return null;
  const n = kernel.length;
  const pads = window.pads.map((p, i) => (window.dilations[i % n] as number) * ((kernel[i % n] as number) - 1) - p);
  if (pads.some((p) => p < 0)) return null;
  const flipped = slice(g, transpose(g, w, [1, 0, 2, 3]), { starts: [-1, -1], ends: [-Infinity, -Infinity], axes: [2, 3], steps: [-1, -1] });
  return conv(g, dy, flipped, undefined, { strides: window.strides, dilations: window.dilations, pads, group: 1 });
}
