/** Ops that rearrange or repeat elements without computing new ones: Reshape, Transpose, (Un)squeeze, Expand, DepthToSpace, Shape. */
import type { Graph } from '../graph.ts';
import { broadcastShapes, check, dimMul, dimProduct, formatShape, normalizeAxes } from '../shape.ts';
import { int64s, toNumbers } from '../tensor.ts';
import { attr, intsAttr, type Dim, type Shape, type Value } from '../value.ts';
import { constantNumbers, inputAt, needRank } from './operands.ts';

/** The size -1 stands for: total / product(other dims), cancelling matching symbolic factors. */
function inferredDim(input: Shape, known: readonly Dim[]): Dim {
  const remaining: Dim[] = [...input];
  let divisor = 1;
  const unmatched: Dim[] = [];
  for (const d of known) {
    const i = remaining.indexOf(d);
    if (typeof d === 'string' && i >= 0) remaining.splice(i, 1);
    else if (typeof d === 'number') divisor *= d;
    else unmatched.push(d);
  }
  const numeric = remaining.filter((d): d is number => typeof d === 'number').reduce((p, d) => p * d, 1);
  const symbols = remaining.filter((d) => typeof d === 'string');
  if (unmatched.length === 0 && numeric % divisor === 0) return dimMul(dimProduct(symbols), numeric / divisor);
  return `(${dimMul(dimProduct(symbols), numeric)})/(${dimMul(dimProduct(unmatched), divisor)})`;
}

/** Output shape of Reshape to a constant target (0 copies the input dim, -1 is inferred). */
export function reshapeShape(input: Shape, target: readonly number[]): Dim[] {
  check(target.filter((d) => d === -1).length <= 1, 'Reshape', `at most one -1 allowed in [${target.join(', ')}]`);
  const out: Dim[] = target.map((d, i) => {
    check(d >= -1, 'Reshape', `invalid size ${d}`);
    check(d !== 0 || i < input.length, 'Reshape', `0 at position ${i} copies a dim that ${formatShape(input)} does not have`);
    return d === 0 ? (input[i] as Dim) : d;
  });
  const free = out.indexOf(-1);
  if (free >= 0) out[free] = inferredDim(input, out.filter((_, i) => i !== free));
  const [a, b] = [dimProduct(input), dimProduct(out)];
  check(typeof a !== 'number' || typeof b !== 'number' || a === b, 'Reshape', `cannot reshape ${formatShape(input)} (${a} elements) to [${target.join(', ')}]`);
  return out;
}

/** Reshapes to a constant target shape (0 keeps a dim, -1 infers one) or to a runtime int64 shape tensor. */
export function reshape(g: Graph, x: Value, shape: readonly number[] | Value, dims?: readonly Dim[]): Value {
  const target = Array.isArray(shape) ? g.constant(int64s(shape as number[]), 'shape') : (shape as Value);
  return g.op('Reshape', [x, target], {}, (inputs) => {
    const [xv, sv] = [inputAt(inputs, 0), inputAt(inputs, 1)];
    check(sv.dtype === 'int64' && sv.shape.length === 1 && typeof sv.shape[0] === 'number', 'Reshape', `shape must be a 1-D int64 tensor of static length, got ${sv.dtype}${formatShape(sv.shape)}`);
    if (sv.constant) return [{ dtype: xv.dtype, shape: reshapeShape(xv.shape, toNumbers(sv.constant)) }];
    const measured = sv.producer?.opType === 'Shape' ? sv.producer.inputs[0] : undefined;
    if (measured) return [{ dtype: xv.dtype, shape: measured.shape }]; // reshaping to another tensor's shape
    if (dims) {
      check(dims.length === sv.shape[0], 'Reshape', `${dims.length} output dims given for a shape of length ${sv.shape[0]}`);
      return [{ dtype: xv.dtype, shape: [...dims] }]; // the caller knows what the computed shape holds
    }
    const placeholders = Array.from({ length: sv.shape[0] as number }, (_, i) => `${sv.name}[${i}]`);
    return [{ dtype: xv.dtype, shape: placeholders }];
  });
}

/** Permutes the axes (default: reversed). */
export function transpose(g: Graph, x: Value, perm?: readonly number[]): Value {
  const p = perm ?? x.shape.map((_, i) => x.shape.length - 1 - i);
  return g.op('Transpose', [x], { perm: attr.ints(p) }, (inputs, at) => {
    const xv = inputAt(inputs, 0);
    const order = intsAttr(at, 'perm', []);
    const sorted = [...order].sort((a, b) => a - b);
    check(order.length === xv.shape.length && sorted.every((v, i) => v === i), 'Transpose', `perm [${order.join(', ')}] is not a permutation of ${xv.shape.length} axes`);
    return [{ dtype: xv.dtype, shape: order.map((i) => xv.shape[i] as Dim) }];
  });
}

/** Inserts size-1 dims at the given axes (axes index the output). */
export function unsqueeze(g: Graph, x: Value, axes: readonly number[]): Value {
  return g.op('Unsqueeze', [x, g.constant(int64s(axes), 'axes')], {}, (inputs) => {
    const xv = inputAt(inputs, 0);
    const given = constantNumbers('Unsqueeze', inputs[1], 'axes') ?? [];
    const rank = xv.shape.length + given.length;
    const at = normalizeAxes('Unsqueeze', given, rank);
    const rest = [...xv.shape];
    return [{ dtype: xv.dtype, shape: Array.from({ length: rank }, (_, i) => (at.includes(i) ? 1 : (rest.shift() as Dim))) }];
  });
}

/** Removes size-1 dims: the given axes, or every static 1 when none are given. */
export function squeeze(g: Graph, x: Value, axes?: readonly number[]): Value {
  const inputs = axes ? [x, g.constant(int64s(axes), 'axes')] : [x];
  return g.op('Squeeze', inputs, {}, (ins) => {
    const xv = inputAt(ins, 0);
    const rank = xv.shape.length;
    const given = constantNumbers('Squeeze', ins[1], 'axes');
    const at = given ? normalizeAxes('Squeeze', given, rank) : xv.shape.flatMap((d, i) => (d === 1 ? [i] : []));
    for (const i of at) check(xv.shape[i] === 1 || typeof xv.shape[i] === 'string', 'Squeeze', `axis ${i} of ${formatShape(xv.shape)} is not 1`);
    return [{ dtype: xv.dtype, shape: xv.shape.filter((_, i) => !at.includes(i)) }];
  });
}

/** The runtime shape of a tensor as a 1-D int64 tensor (for reshapes that depend on symbolic dims). */
export function shapeOf(g: Graph, x: Value): Value {
  return g.op('Shape', [x], {}, (inputs) => [{ dtype: 'int64', shape: [inputAt(inputs, 0).shape.length] }]);
}

/** Moves blocks of channels into space: [N, C, H, W] → [N, C/b², H*b, W*b] (DCR or CRD channel order). */
export function depthToSpace(g: Graph, x: Value, blocksize: number, mode: 'DCR' | 'CRD' = 'DCR'): Value {
  check(Number.isInteger(blocksize) && blocksize >= 1, 'DepthToSpace', `blocksize must be a positive integer, got ${blocksize}`);
  return g.op('DepthToSpace', [x], { blocksize: attr.int(blocksize), mode: attr.string(mode) }, (inputs) => {
    const xv = inputAt(inputs, 0);
    needRank('DepthToSpace', xv, 4);
    const [n, c, h, w] = xv.shape as [Dim, Dim, Dim, Dim];
    const area = blocksize * blocksize;
    check(typeof c !== 'number' || c % area === 0, 'DepthToSpace', `${c} channels do not divide into blocks of ${blocksize}x${blocksize}`);
    const channels = typeof c === 'number' ? c / area : `${c}/${area}`;
    return [{ dtype: xv.dtype, shape: [n, channels, dimMul(h, blocksize), dimMul(w, blocksize)] }];
  });
}

/** Moves blocks of space into channels: [N, C, H, W] → [N, C*b², H/b, W/b] (the inverse of DCR DepthToSpace). */
export function spaceToDepth(g: Graph, x: Value, blocksize: number): Value {
  check(Number.isInteger(blocksize) && blocksize >= 1, 'SpaceToDepth', `blocksize must be a positive integer, got ${blocksize}`);
  return g.op('SpaceToDepth', [x], { blocksize: attr.int(blocksize) }, (inputs) => {
    const xv = inputAt(inputs, 0);
    needRank('SpaceToDepth', xv, 4);
    const [n, c, h, w] = xv.shape as [Dim, Dim, Dim, Dim];
    for (const d of [h, w]) check(typeof d !== 'number' || d % blocksize === 0, 'SpaceToDepth', `spatial size ${d} is not a multiple of ${blocksize}`);
    const down = (d: Dim): Dim => (typeof d === 'number' ? d / blocksize : `${d}/${blocksize}`);
    return [{ dtype: xv.dtype, shape: [n, dimMul(c, blocksize * blocksize), down(h), down(w)] }];
  });
}

/** Broadcasts x to a constant shape (numpy rules; the result may be larger than the shape). */
export function expand(g: Graph, x: Value, shape: readonly number[]): Value {
  return g.op('Expand', [x, g.constant(int64s(shape), 'shape')], {}, (inputs) => {
    const xv = inputAt(inputs, 0);
    const target = constantNumbers('Expand', inputs[1], 'shape') ?? [];
    return [{ dtype: xv.dtype, shape: broadcastShapes('Expand', [xv.shape, target]) }];
  });
}
