/** Helpers shared by op functions: input checks and turning JS numbers into constants. */
import { isFloat, type DType } from '../dtype.ts';
import type { Graph } from '../graph.ts';
import { check } from '../shape.ts';
import { scalar, toNumbers } from '../tensor.ts';
import type { Value } from '../value.ts';

/** A tensor operand: a graph value, or a JS number that becomes a scalar constant of the other operand's dtype. */
export type Operand = Value | number;

/** Turns a number into a scalar constant of the given dtype; passes values through. */
export function operand(g: Graph, x: Operand, dtype: DType): Value {
  return typeof x === 'number' ? g.constant(scalar(dtype, x), 'scalar') : x;
}

/** Resolves two operands; at least one must be a value, whose dtype the number adopts. */
export function operandPair(g: Graph, op: string, a: Operand, b: Operand): [Value, Value] {
  check(typeof a !== 'number' || typeof b !== 'number', op, 'at least one operand must be a graph value');
  const dtype = typeof a === 'number' ? (b as Value).dtype : a.dtype;
  return [operand(g, a, dtype), operand(g, b, dtype)];
}

/** Checks all inputs share one dtype and returns it. */
export function sameDType(op: string, inputs: readonly Value[]): DType {
  const first = inputs[0];
  check(first, op, 'needs at least one input');
  for (const v of inputs) check(v.dtype === first.dtype, op, `input dtypes differ: ${first.name} is ${first.dtype}, ${v.name} is ${v.dtype}`);
  return first.dtype;
}

/** Checks a value has a floating-point dtype. */
export function needFloat(op: string, v: Value): void {
  check(isFloat(v.dtype), op, `${v.name} must be float16/32/64, got ${v.dtype}`);
}

/** Checks a value has the given rank. */
export function needRank(op: string, v: Value, rank: number, what = v.name): void {
  check(v.shape.length === rank, op, `${what} must have rank ${rank}, got shape [${v.shape.join(', ')}]`);
}

/** Reads the i-th input of an inference callback (present by construction of the op function). */
export function inputAt(inputs: readonly Value[], i: number): Value {
  const v = inputs[i];
  if (!v) throw new Error(`internal: missing input ${i}`);
  return v;
}

/** Reads a constant input (shape, axes, pads, bounds) as numbers; null when the optional input is absent, ShapeError when computed at run time. */
export function constantNumbers(op: string, v: Value | undefined, what: string): number[] | null {
  if (!v) return null;
  check(v.constant, op, `${what} must be a constant, ${v.name} is computed at run time`);
  return toNumbers(v.constant);
}
