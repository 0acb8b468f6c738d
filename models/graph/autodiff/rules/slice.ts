/** Gradient rules of the ops that take parts of a tensor: Slice, Pad (constant, reflect), Gather. */
import type { Graph } from '../../graph.ts';
import { add, where } from '../../ops/arithmetic.ts';
import { less } from '../../ops/compare.ts';
import { reshape, transpose } from '../../ops/layout.ts';
import { constantOfShape, scatterND } from '../../ops/scatter.ts';
import { cast } from '../../ops/unary.ts';
import { pad, slice } from '../../ops/slice.ts';
import { check, normalizeAxes, normalizeAxis } from '../../shape.ts';
import { int64s, toNumbers } from '../../tensor.ts';
import { intAttr, stringAttr, type Node, type Value } from '../../value.ts';
import { inputOf, onlyGradient, type GradientTable } from '../rule.ts';
import { requireStatic } from '../shapes.ts';

/** A constant input (bounds, pads) as numbers. */
function constantsOf(node: Node, i: number): number[] {
  const c = inputOf(node, i).constant;
  check(c, node.opType, `input ${i} must be a constant for the gradient`);
  return toNumbers(c);
}

/** The source positions a Slice takes along one axis of length `dim`, with ONNX's clamping. */
export function slicePositions(dim: number, start: number, end: number, step: number): number[] {
  const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v < 0 ? v + dim : v));
  const [s, e] = step > 0 ? [clamp(start, 0, dim), clamp(end, 0, dim)] : [clamp(start, 0, dim - 1), clamp(end, -1, dim - 1)];
  const out: number[] = [];
  for (let i = s; step > 0 ? i < e : i > e; i += step) out.push(i);
  return out;
}

/** Indices as an [count, 1] int64 column with negative positions wrapped, as ScatterND wants them. */
function indexColumn(g: Graph, indices: Value, count: number, size: number): Value {
  const asInt64 = indices.dtype === 'int64' ? indices : cast(g, indices, 'int64');
  const column = reshape(g, asInt64, [count, 1]);
  return indices.constant ? column : where(g, less(g, column, 0), add(g, column, size), column);
}

/**
 * Gradient of taking positions `indices` along `axis` of a tensor with static `dims`: the output gradient
 * added into zeros at those positions (ScatterND with add, so repeated indices accumulate).
 */
export function gatherGradient(g: Graph, dy: Value, dims: readonly number[], indices: Value, axis: number): Value {
  const count = requireStatic('Gather', indices).reduce((p, d) => p * d, 1);
  const rank = dims.length;
  const toFront = [axis, ...[...Array(rank).keys()].filter((i) => i !== axis)];
  const flat = reshape(g, dy, [...dims.slice(0, axis), count, ...dims.slice(axis + 1)]);
  const updates = axis === 0 ? flat : transpose(g, flat, toFront);
  const front = toFront.map((i) => dims[i] as number);
  const zeros = constantOfShape(g, g.constant(int64s(front), 'grad_shape'), dy.dtype, 0, front);
  const scattered = scatterND(g, zeros, indexColumn(g, indices, count, dims[axis] as number), updates, 'add');
  return axis === 0 ? scattered : transpose(g, scattered, toFront.map((_, i) => toFront.indexOf(i)));
}

function sliceGradient(g: Graph, node: Node, dy: Value): Value {
  const x = inputOf(node, 0);
  const dims = requireStatic('Slice', x);
  const [starts, ends] = [constantsOf(node, 1), constantsOf(node, 2)];
  const axes = node.inputs[3] ? normalizeAxes('Slice', constantsOf(node, 3), dims.length) : starts.map((_, i) => i);
  const steps = node.inputs[4] ? constantsOf(node, 4) : starts.map(() => 1);
  const pads = new Array<number>(2 * dims.length).fill(0);
  let grad = dy;
  axes.forEach((axis, i) => {
    const positions = slicePositions(dims[axis] as number, starts[i] as number, ends[i] as number, steps[i] as number);
    if (steps[i] === 1 && positions.length > 0) {
      pads[axis] = positions[0] as number;
      pads[axis + dims.length] = (dims[axis] as number) - (positions[positions.length - 1] as number) - 1;
    } else {
      const widened = requireStatic('Slice', grad).map((d, k) => (k === axis ? (dims[axis] as number) : d));
      grad = gatherGradient(g, grad, widened, g.constant(int64s(positions), 'positions'), axis);
    }
  });
  return pads.some((p) => p !== 0) ? pad(g, grad, pads) : grad;
}

/** Gradient of reflect padding along one axis: the centre plus both mirrored borders folded back. */
function unreflect(g: Graph, dy: Value, axis: number, begin: number, end: number, size: number): Value {
  const rank = dy.shape.length;
  const along = (before: number, after: number): number[] => {
    const p = new Array<number>(2 * rank).fill(0);
    p[axis] = before;
    p[axis + rank] = after;
    return p;
  };
  let grad = slice(g, dy, { starts: [begin], ends: [begin + size], axes: [axis] });
  if (begin > 0) {
    const left = slice(g, dy, { starts: [begin - 1], ends: [-Infinity], axes: [axis], steps: [-1] });
    grad = add(g, grad, pad(g, left, along(1, size - 1 - begin)));
  }
  if (end > 0) {
    const right = slice(g, dy, { starts: [begin + size + end - 1], ends: [begin + size - 1], axes: [axis], steps: [-1] });
    grad = add(g, grad, pad(g, right, along(size - 1 - end, 1)));
  }
  return grad;
}

function padGradient(g: Graph, node: Node, dy: Value): Value {
  const x = inputOf(node, 0);
  const rank = x.shape.length;
  check(!node.inputs[3], 'Pad', 'gradient supports pads over all axes (no axes input)');
  const pads = constantsOf(node, 1);
  const mode = stringAttr(node.attributes, 'mode', 'constant');
  if (mode === 'constant') return pad(g, dy, pads.map((p) => -p));
  check(mode === 'reflect', 'Pad', `no gradient rule for mode ${mode}`);
  check(pads.every((p) => p >= 0), 'Pad', 'reflect gradient needs non-negative pads');
  const dims = requireStatic('Pad', x);
  let grad = dy;
  for (let axis = 0; axis < rank; axis++) {
    if (pads[axis] || pads[axis + rank]) grad = unreflect(g, grad, axis, pads[axis] as number, pads[axis + rank] as number, dims[axis] as number);
  }
  return grad;
}

/** d of Slice, Pad, Gather. */
export const sliceRules: GradientTable = {
  Slice: (node, dys, g) => [() => sliceGradient(g, node, onlyGradient(node, dys)), null, null, null, null],
  Pad: (node, dys, g) => [() => padGradient(g, node, onlyGradient(node, dys)), null, null, null],
  Gather: (node, dys, g) => {
    const [x, indices] = [inputOf(node, 0), inputOf(node, 1)];
    const axis = normalizeAxis('Gather', intAttr(node.attributes, 'axis', 0), x.shape.length);
    return [() => gatherGradient(g, onlyGradient(node, dys), requireStatic('Gather', x), indices, axis), null];
  },
};
