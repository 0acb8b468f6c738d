/** Reductions over axes and Softmax. */
import { isFloat, isNumeric } from '../dtype.ts';
import type { Graph } from '../graph.ts';
import { check, normalizeAxes, normalizeAxis } from '../shape.ts';
import { int64s } from '../tensor.ts';
import { attr, intAttr, type Value } from '../value.ts';
import { constantNumbers, inputAt } from './operands.ts';

/** Options of the reductions: which axes (all when omitted) and whether reduced dims stay as 1. */
export interface ReduceOptions {
  axes?: readonly number[];
  keepdims?: boolean;
}

const reduction = (op: 'ReduceMean' | 'ReduceSum' | 'ReduceMax' | 'ReduceSumSquare') => (g: Graph, x: Value, options: ReduceOptions = {}): Value => {
  const all = !options.axes || options.axes.length === 0; // empty axes reduce everything, as ONNX does by default
  const inputs = !all ? [x, g.constant(int64s(options.axes as number[]), 'axes')] : [x];
  return g.op(op, inputs, { keepdims: attr.int(options.keepdims === false ? 0 : 1) }, (ins, at) => {
    const xv = inputAt(ins, 0);
    check(isNumeric(xv.dtype), op, `needs a numeric input, got ${xv.dtype}`);
    const rank = xv.shape.length;
    const given = constantNumbers(op, ins[1], 'axes');
    const axes = given ? normalizeAxes(op, given, rank) : xv.shape.map((_, i) => i);
    const keep = intAttr(at, 'keepdims', 1) === 1;
    const shape = keep ? xv.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : xv.shape.filter((_, i) => !axes.includes(i));
    return [{ dtype: xv.dtype, shape }];
  });
};

/** Mean over axes (axes passed as an input, opset 18+). */
export const reduceMean = reduction('ReduceMean');

/** Sum over axes. */
export const reduceSum = reduction('ReduceSum');

/** Maximum over axes. */
export const reduceMax = reduction('ReduceMax');

/** Sum of squares over axes. */
export const reduceSumSquare = reduction('ReduceSumSquare');

const softmaxLike = (op: 'Softmax' | 'LogSoftmax') => (g: Graph, x: Value, axis = -1): Value =>
  g.op(op, [x], { axis: attr.int(axis) }, (inputs, at) => {
    const xv = inputAt(inputs, 0);
    check(isFloat(xv.dtype), op, `needs a float input, got ${xv.dtype}`);
    normalizeAxis(op, intAttr(at, 'axis', -1), xv.shape.length);
    return [{ dtype: xv.dtype, shape: xv.shape }];
  });

/** exp(x) / sum(exp(x)) along one axis (default the last). */
export const softmax = softmaxLike('Softmax');

/** log(softmax(x)) along one axis, computed stably (default the last). */
export const logSoftmax = softmaxLike('LogSoftmax');
