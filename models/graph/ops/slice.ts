/** Taking and joining parts of tensors: Slice, Concat, Pad, Split, Gather. */
import type { Graph } from '../graph.ts';
import { check, dimAdd, dimSum, formatShape, normalizeAxes, normalizeAxis } from '../shape.ts';
import { int64s, tensorFrom } from '../tensor.ts';
import { attr, intAttr, stringAttr, type Dim, type Value } from '../value.ts';
import { constantNumbers, inputAt, sameDType } from './operands.ts';

const BIG = Number.MAX_SAFE_INTEGER; // stands for "to the end"; Slice clamps it to the dim
const finite = (v: number): number => (v === Infinity ? BIG : v === -Infinity ? -BIG : v);

/** Length of a slice of a known dim, with ONNX's clamping rules. */
export function sliceLength(dim: number, start: number, end: number, step: number): number {
  const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v < 0 ? v + dim : v));
  const [s, e] = step > 0 ? [clamp(start, 0, dim), clamp(end, 0, dim)] : [clamp(start, 0, dim - 1), clamp(end, -1, dim - 1)];
  return Math.max(0, Math.ceil((e - s) / step));
}

/** Length of a slice of a symbolic dim, assuming the dim is long enough for the given bounds. */
function symbolicSliceLength(dim: string, start: number, end: number, step: number): Dim {
  const toEnd = end >= BIG;
  if (step === 1 && start >= 0 && toEnd) return dimAdd(dim, -start);
  if (step === 1 && start < 0 && toEnd) return -start;
  if (step > 0 && start >= 0 && end >= 0 && !toEnd) return Math.max(0, Math.ceil((end - start) / step));
  if (step === 1 && start >= 0 && end < 0) return dimAdd(dim, end - start);
  if (step > 0 && start < 0 && end < 0) return Math.max(0, Math.ceil((end - start) / step));
  return `slice(${dim},${start},${end},${step})`;
}

/** Options of `slice`: per-axis bounds, ends may be Infinity. */
export interface SliceOptions {
  starts: readonly number[];
  ends: readonly number[];
  axes?: readonly number[];
  steps?: readonly number[];
}

/** Takes x[starts:ends:steps] along the given axes (constant bounds). */
export function slice(g: Graph, x: Value, options: SliceOptions): Value {
  const { starts } = options;
  const ends = options.ends.map(finite);
  const axes = options.axes ?? starts.map((_, i) => i);
  const steps = options.steps ?? starts.map(() => 1);
  check(ends.length === starts.length && axes.length === starts.length && steps.length === starts.length, 'Slice', 'starts, ends, axes and steps must have equal lengths');
  check(steps.every((s) => s !== 0), 'Slice', 'steps must not be 0');
  const constants = [int64s(starts.map(finite)), int64s(ends), int64s(axes), int64s(steps)].map((t) => g.constant(t, 'slice'));
  return g.op('Slice', [x, ...constants], {}, (inputs) => {
    const xv = inputAt(inputs, 0);
    const [b, e, a, s] = ['starts', 'ends', 'axes', 'steps'].map((what, i) => constantNumbers('Slice', inputs[i + 1], what) ?? []);
    const at = normalizeAxes('Slice', a as number[], xv.shape.length);
    const shape = [...xv.shape];
    at.forEach((axis, i) => {
      const [d, start, end, step] = [shape[axis] as Dim, b?.[i] as number, e?.[i] as number, s?.[i] as number];
      shape[axis] = typeof d === 'number' ? sliceLength(d, start, end, step) : symbolicSliceLength(d, start, end, step);
    });
    return [{ dtype: xv.dtype, shape }];
  });
}

/**
 * Takes x[starts:ends] along `axes` with bounds computed in the graph (1-D int64 values, e.g. from
 * Shape); the caller names the sliced dims' sizes, which shape inference cannot know.
 */
export function sliceDynamic(g: Graph, x: Value, starts: Value, ends: Value, axes: readonly number[], sizes: readonly Dim[]): Value {
  check(sizes.length === axes.length, 'Slice', `${sizes.length} sizes given for ${axes.length} axes`);
  return g.op('Slice', [x, starts, ends, g.constant(int64s(axes), 'axes')], {}, (inputs) => {
    const [xv, sv, ev] = [inputAt(inputs, 0), inputAt(inputs, 1), inputAt(inputs, 2)];
    check(sv.dtype === 'int64' && ev.dtype === 'int64', 'Slice', `starts and ends must be int64, got ${sv.dtype} and ${ev.dtype}`);
    const at = normalizeAxes('Slice', [...axes], xv.shape.length);
    const shape = [...xv.shape];
    at.forEach((axis, i) => (shape[axis] = sizes[i] as Dim));
    return [{ dtype: xv.dtype, shape }];
  });
}

/** Joins tensors along an axis; the other dims must agree. */
export function concat(g: Graph, xs: readonly Value[], axis: number): Value {
  return g.op('Concat', xs, { axis: attr.int(axis) }, (inputs, at) => {
    const dtype = sameDType('Concat', inputs);
    const first = inputAt(inputs, 0);
    const rank = first.shape.length;
    const a = normalizeAxis('Concat', intAttr(at, 'axis', 0), rank);
    const shape = [...first.shape];
    for (const v of inputs.slice(1)) {
      check(v.shape.length === rank, 'Concat', `ranks differ: ${formatShape(first.shape)} and ${formatShape(v.shape)}`);
      v.shape.forEach((d, i) => {
        const cur = shape[i] as Dim;
        if (i === a) shape[i] = dimSum(cur, d);
        else {
          check(cur === d || typeof cur !== 'number' || typeof d !== 'number', 'Concat', `dim ${i} differs: ${formatShape(first.shape)} and ${formatShape(v.shape)}`);
          if (typeof cur !== 'number') shape[i] = d;
        }
      });
    }
    return [{ dtype, shape }];
  });
}

/** How `pad` fills the border. */
export type PadMode = 'constant' | 'reflect' | 'edge' | 'wrap';

/** Pads (or, with negative amounts, crops) every axis; pads are ONNX-ordered [begin..., end...]. */
export function pad(g: Graph, x: Value, pads: readonly number[], mode: PadMode = 'constant', value = 0): Value {
  const rank = x.shape.length;
  check(pads.length === 2 * rank, 'Pad', `pads needs ${2 * rank} entries [begin..., end...] for ${formatShape(x.shape)}, got ${pads.length}`);
  const inputs = [x, g.constant(int64s(pads), 'pads'), g.constant(tensorFrom(x.dtype, [], [value]), 'pad_value')];
  return g.op('Pad', inputs, { mode: attr.string(mode) }, (ins, at) => {
    const xv = inputAt(ins, 0);
    const amounts = constantNumbers('Pad', ins[1], 'pads') ?? [];
    const shape = xv.shape.map((d, i) => {
      const [b, e] = [amounts[i] as number, amounts[i + rank] as number];
      if (stringAttr(at, 'mode', 'constant') === 'reflect') check(typeof d !== 'number' || (b < d && e < d), 'Pad', `reflect pads [${b}, ${e}] must be smaller than dim ${i} (${d})`);
      const out = dimAdd(d, b + e);
      check(typeof out !== 'number' || out >= 0, 'Pad', `pads [${b}, ${e}] crop dim ${i} (${d}) below zero`);
      return out;
    });
    return [{ dtype: xv.dtype, shape }];
  });
}

/** Splits x along an axis into parts of the given sizes; returns one value per part. */
export function split(g: Graph, x: Value, sizes: readonly number[], axis = 0): Value[] {
  check(sizes.length >= 1 && sizes.every((s) => Number.isInteger(s) && s >= 0), 'Split', `sizes must be non-negative integers, got [${sizes.join(', ')}]`);
  const node = g.node('Split', [x, g.constant(int64s(sizes), 'split')], { axis: attr.int(axis) }, (inputs, at) => {
    const xv = inputAt(inputs, 0);
    const a = normalizeAxis('Split', intAttr(at, 'axis', 0), xv.shape.length);
    const parts = constantNumbers('Split', inputs[1], 'split') ?? [];
    const d = xv.shape[a] as Dim;
    const total = parts.reduce((p, q) => p + q, 0);
    check(typeof d !== 'number' || d === total, 'Split', `sizes [${parts.join(', ')}] add up to ${total}, not dim ${a} of ${formatShape(xv.shape)}`);
    return parts.map((size) => ({ dtype: xv.dtype, shape: xv.shape.map((dim, i) => (i === a ? size : dim)) }));
  });
  return [...node.outputs];
}

/** Picks entries along an axis by integer indices: shape x[:axis] + indices + x[axis+1:]. */
export function gather(g: Graph, x: Value, indices: Value | readonly number[], axis = 0): Value {
  const idx = Array.isArray(indices) ? g.constant(int64s(indices as number[]), 'indices') : (indices as Value);
  return g.op('Gather', [x, idx], { axis: attr.int(axis) }, (inputs, at) => {
    const [xv, iv] = [inputAt(inputs, 0), inputAt(inputs, 1)];
    check(iv.dtype === 'int64' || iv.dtype === 'int32', 'Gather', `indices must be int32 or int64, got ${iv.dtype}`);
    const a = normalizeAxis('Gather', intAttr(at, 'axis', 0), xv.shape.length);
    return [{ dtype: xv.dtype, shape: [...xv.shape.slice(0, a), ...iv.shape, ...xv.shape.slice(a + 1)] }];
  });
}
