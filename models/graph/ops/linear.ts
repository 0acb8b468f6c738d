/** Matrix products: MatMul (numpy semantics, batched) and Gemm (2-D with transposes and bias). */
import { isNumeric } from '../dtype.ts';
import type { Graph } from '../graph.ts';
import { broadcastShapes, check, formatShape } from '../shape.ts';
import { attr, intAttr, type Attributes, type Dim, type Value } from '../value.ts';
import { inputAt, sameDType } from './operands.ts';

function sameInner(op: string, a: Dim, b: Dim, shapes: string): Dim {
  check(a === b || typeof a !== 'number' || typeof b !== 'number', op, `inner dimensions differ: ${a} vs ${b} in ${shapes}`);
  return typeof a === 'number' ? a : b;
}

/** Matrix product with numpy semantics: 1-D operands are promoted, leading batch dims broadcast. */
export function matmul(g: Graph, a: Value, b: Value): Value {
  return g.op('MatMul', [a, b], {}, (inputs) => {
    const [x, y] = [inputAt(inputs, 0), inputAt(inputs, 1)];
    const dtype = sameDType('MatMul', inputs);
    check(isNumeric(dtype), 'MatMul', `needs numeric inputs, got ${dtype}`);
    check(x.shape.length >= 1 && y.shape.length >= 1, 'MatMul', 'scalars cannot be multiplied as matrices');
    const xs = x.shape.length === 1 ? [1, ...x.shape] : x.shape;
    const ys = y.shape.length === 1 ? [...y.shape, 1] : y.shape;
    const shapes = `${formatShape(x.shape)} @ ${formatShape(y.shape)}`;
    sameInner('MatMul', xs[xs.length - 1] as Dim, ys[ys.length - 2] as Dim, shapes);
    const batch = broadcastShapes('MatMul', [xs.slice(0, -2), ys.slice(0, -2)]);
    const shape = [...batch];
    if (x.shape.length > 1) shape.push(xs[xs.length - 2] as Dim);
    if (y.shape.length > 1) shape.push(ys[ys.length - 1] as Dim);
    return [{ dtype, shape }];
  });
}

/** Options of `gemm`: alpha * op(A) @ op(B) + beta * C. */
export interface GemmOptions {
  alpha?: number;
  beta?: number;
  transA?: boolean;
  transB?: boolean;
}

/** General matrix multiply on 2-D A and B with an optional bias C broadcast to [M, N]. */
export function gemm(g: Graph, a: Value, b: Value, c?: Value, options: GemmOptions = {}): Value {
  const attributes: Attributes = {
    alpha: attr.float(options.alpha ?? 1),
    beta: attr.float(options.beta ?? 1),
    transA: attr.int(options.transA ? 1 : 0),
    transB: attr.int(options.transB ? 1 : 0),
  };
  return g.op('Gemm', c ? [a, b, c] : [a, b], attributes, (inputs, at) => {
    const [x, y] = [inputAt(inputs, 0), inputAt(inputs, 1)];
    const dtype = sameDType('Gemm', inputs);
    check(x.shape.length === 2 && y.shape.length === 2, 'Gemm', `A and B must be 2-D, got ${formatShape(x.shape)} and ${formatShape(y.shape)}`);
    const [m, ka] = intAttr(at, 'transA', 0) ? [x.shape[1], x.shape[0]] : [x.shape[0], x.shape[1]];
    const [kb, n] = intAttr(at, 'transB', 0) ? [y.shape[1], y.shape[0]] : [y.shape[0], y.shape[1]];
    sameInner('Gemm', ka as Dim, kb as Dim, `${formatShape(x.shape)} @ ${formatShape(y.shape)}`);
    const shape = [m as Dim, n as Dim];
    const bias = inputs[2];
    if (bias) {
      const out = broadcastShapes('Gemm', [shape, bias.shape]);
      check(out.length === 2 && out.every((d, i) => d === shape[i] || typeof shape[i] !== 'number'), 'Gemm', `C ${formatShape(bias.shape)} does not broadcast to ${formatShape(shape)}`);
    }
    return [{ dtype, shape }];
  });
}
