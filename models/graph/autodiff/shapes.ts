/** Shape helpers shared by gradient rules: static dims, reshaping and expanding to another value's shape, zeros. */
import type { Graph } from '../graph.ts';
import { expand, reshape, shapeOf } from '../ops/layout.ts';
import { constantOfShape } from '../ops/scatter.ts';
import { reduceSum } from '../ops/reduce.ts';
import { check, formatShape } from '../shape.ts';
import { int64s } from '../tensor.ts';
import type { Value } from '../value.ts';

/** The dims of a value when all are known numbers, else null. */
export function staticDims(v: Value): number[] | null {
  return v.shape.every((d) => typeof d === 'number') ? (v.shape as number[]) : null;
}

/** The dims of a value, which the calling rule needs to be static (throws naming the op otherwise). */
export function requireStatic(op: string, v: Value): number[] {
  const dims = staticDims(v);
  check(dims, op, `gradient needs static dims, got ${v.name} ${formatShape(v.shape)}`);
  return dims;
}

/** The shape of `like` as an int64 tensor: a constant when static, a Shape node otherwise. */
export function shapeValue(g: Graph, like: Value): Value {
  const dims = staticDims(like);
  return dims ? g.constant(int64s(dims), 'grad_shape') : shapeOf(g, like);
}

/** Reshapes x to the shape of `like` (same element count). */
export function reshapeLike(g: Graph, x: Value, like: Value): Value {
  const dims = staticDims(like);
  return dims ? reshape(g, x, dims) : reshape(g, x, shapeOf(g, like));
}

/** Broadcasts x up to the shape of `like`. */
export function expandLike(g: Graph, x: Value, like: Value): Value {
  const dims = staticDims(like);
  if (dims) return expand(g, x, dims);
  return g.op('Expand', [x, shapeOf(g, like)], {}, () => [{ dtype: x.dtype, shape: like.shape }]);
}

/** Zeros of the dtype and shape of `like`. */
export const zerosLike = (g: Graph, like: Value): Value => constantOfShape(g, shapeValue(g, like), like.dtype, 0, like.shape);

/** Ones of the dtype and shape of `like`. */
export const onesLike = (g: Graph, like: Value): Value => constantOfShape(g, shapeValue(g, like), like.dtype, 1, like.shape);

/**
 * Broadcast un-reduction, written once: sums a gradient shaped like a broadcast result back to the shape
 * of the operand `like` (leading extra axes are summed away, axes where `like` has 1 are summed keeping 1).
 */
export function unbroadcast(g: Graph, dy: Value, like: Value): Value {
  const extra = dy.shape.length - like.shape.length;
  check(extra >= 0, 'unbroadcast', `gradient ${formatShape(dy.shape)} has lower rank than ${formatShape(like.shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < dy.shape.length; i++) {
    if (i < extra || (like.shape[i - extra] === 1 && dy.shape[i] !== 1)) axes.push(i);
  }
  if (axes.length === 0) return dy;
  const summed = reduceSum(g, dy, { axes, keepdims: true });
  return extra > 0 ? reshapeLike(g, summed, like) : summed;
}
