/** Broadcasting element-wise ops on two or more tensors: Add, Sub, Mul, Div, Pow, Max, Min, Where. */
import { isNumeric } from '../dtype.ts';
import type { Graph } from '../graph.ts';
import { broadcastShapes, check } from '../shape.ts';
import type { InferFn, Value } from '../value.ts';
import { inputAt, operand, operandPair, sameDType, type Operand } from './operands.ts';

/** Shape inference of a broadcasting op whose inputs share one numeric dtype. */
const broadcastSame = (op: string): InferFn => (inputs) => {
  const dtype = sameDType(op, inputs);
  check(isNumeric(dtype), op, `needs numeric inputs, got ${dtype}`);
  return [{ dtype, shape: broadcastShapes(op, inputs.map((v) => v.shape)) }];
};

const binary = (op: string) => (g: Graph, a: Operand, b: Operand): Value =>
  g.op(op, operandPair(g, op, a, b), {}, broadcastSame(op));

/** a + b with numpy broadcasting. */
export const add = binary('Add');
/** a - b with numpy broadcasting. */
export const sub = binary('Sub');
/** a * b with numpy broadcasting. */
export const mul = binary('Mul');
/** a / b with numpy broadcasting (integer division truncates). */
export const div = binary('Div');

/** Element-wise maximum of one or more tensors, broadcast together. */
export const max = (g: Graph, ...xs: Value[]): Value => g.op('Max', xs, {}, broadcastSame('Max'));

/** Element-wise minimum of one or more tensors, broadcast together. */
export const min = (g: Graph, ...xs: Value[]): Value => g.op('Min', xs, {}, broadcastSame('Min'));

/** base ** exponent with broadcasting; the result has the base's dtype. */
export function pow(g: Graph, base: Value, exponent: Operand): Value {
  return g.op('Pow', [base, operand(g, exponent, base.dtype)], {}, (inputs) => {
    const [b, e] = [inputAt(inputs, 0), inputAt(inputs, 1)];
    check(isNumeric(b.dtype) && isNumeric(e.dtype), 'Pow', `needs numeric inputs, got ${b.dtype} and ${e.dtype}`);
    return [{ dtype: b.dtype, shape: broadcastShapes('Pow', [b.shape, e.shape]) }];
  });
}

/** condition ? x : y element-wise, all three broadcast together. */
export function where(g: Graph, condition: Value, x: Operand, y: Operand): Value {
  const [xv, yv] = operandPair(g, 'Where', x, y);
  return g.op('Where', [condition, xv, yv], {}, (inputs) => {
    const [c, a, b] = [inputAt(inputs, 0), inputAt(inputs, 1), inputAt(inputs, 2)];
    check(c.dtype === 'bool', 'Where', `condition must be bool, got ${c.dtype}`);
    return [{ dtype: sameDType('Where', [a, b]), shape: broadcastShapes('Where', [c.shape, a.shape, b.shape]) }];
  });
}
