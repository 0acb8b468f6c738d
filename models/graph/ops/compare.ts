/** Comparisons and boolean logic with broadcasting; their outputs are bool and carry no gradient. */
import { isNumeric } from '../dtype.ts';
import type { Graph } from '../graph.ts';
import { broadcastShapes, check } from '../shape.ts';
import type { InferFn, Value } from '../value.ts';
import { operandPair, sameDType, type Operand } from './operands.ts';

const comparison = (op: string): InferFn => (inputs) => {
  const dtype = sameDType(op, inputs);
  check(isNumeric(dtype), op, `needs numeric inputs, got ${dtype}`);
  return [{ dtype: 'bool', shape: broadcastShapes(op, inputs.map((v) => v.shape)) }];
};

const compare = (op: string) => (g: Graph, a: Operand, b: Operand): Value => g.op(op, operandPair(g, op, a, b), {}, comparison(op));

/** a == b element-wise (bool). */
export const equal = compare('Equal');
/** a > b element-wise (bool). */
export const greater = compare('Greater');
/** a >= b element-wise (bool). */
export const greaterOrEqual = compare('GreaterOrEqual');
/** a < b element-wise (bool). */
export const less = compare('Less');
/** a <= b element-wise (bool). */
export const lessOrEqual = compare('LessOrEqual');

const logical: InferFn = (inputs) => {
  for (const v of inputs) check(v.dtype === 'bool', 'Logical', `needs bool inputs, got ${v.dtype}`);
  return [{ dtype: 'bool', shape: broadcastShapes('Logical', inputs.map((v) => v.shape)) }];
};

/** a && b element-wise. */
export const and = (g: Graph, a: Value, b: Value): Value => g.op('And', [a, b], {}, logical);
/** !a element-wise. */
export const not = (g: Graph, a: Value): Value => g.op('Not', [a], {}, logical);
