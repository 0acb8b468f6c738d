/** Gradient rules of the one-input element-wise ops: math, activations, Clip, Cast, Identity. */
import { isFloat } from '../../dtype.ts';
import type { Graph } from '../../graph.ts';
import { div, mul, sub, where } from '../../ops/arithmetic.ts';
import { and, greater, greaterOrEqual, lessOrEqual } from '../../ops/compare.ts';
import { cast, cos, exp, neg, sign, sin } from '../../ops/unary.ts';
import { floatAttr, type Node, type Value } from '../../value.ts';
import { inputOf, onlyGradient, type GradientRule, type GradientTable } from '../rule.ts';

/** A rule for y = f(x) whose derivative is written with x, y and the output gradient. */
const unary = (derivative: (g: Graph, dy: Value, x: Value, y: Value, node: Node) => Value): GradientRule =>
  (node, dys, g) => [() => derivative(g, onlyGradient(node, dys), inputOf(node, 0), node.outputs[0]!, node)];

function clipGradient(g: Graph, dy: Value, x: Value, node: Node): Value {
  const [lo, hi] = [node.inputs[1], node.inputs[2]];
  const inside = lo && hi ? and(g, greaterOrEqual(g, x, lo), lessOrEqual(g, x, hi)) : lo ? greaterOrEqual(g, x, lo) : null;
  return inside ? where(g, inside, dy, 0) : dy;
}

/** d f(x) for the unary ops. */
export const mathRules: GradientTable = {
  Identity: unary((_g, dy) => dy),
  Neg: unary((g, dy) => neg(g, dy)),
  Abs: unary((g, dy, x) => mul(g, dy, sign(g, x))),
  Sqrt: unary((g, dy, _x, y) => div(g, mul(g, dy, 0.5), y)),
  Reciprocal: unary((g, dy, _x, y) => neg(g, mul(g, dy, mul(g, y, y)))),
  Exp: unary((g, dy, _x, y) => mul(g, dy, y)),
  Log: unary((g, dy, x) => div(g, dy, x)),
  Relu: unary((g, dy, x) => where(g, greater(g, x, 0), dy, 0)),
  LeakyRelu: unary((g, dy, x, _y, node) => where(g, greater(g, x, 0), dy, mul(g, dy, floatAttr(node.attributes, 'alpha', 0.01)))),
  Sigmoid: unary((g, dy, _x, y) => mul(g, dy, mul(g, y, sub(g, 1, y)))),
  Tanh: unary((g, dy, _x, y) => mul(g, dy, sub(g, 1, mul(g, y, y)))),
  Erf: unary((g, dy, x) => mul(g, dy, mul(g, exp(g, neg(g, mul(g, x, x))), 2 / Math.sqrt(Math.PI)))),
  Sin: unary((g, dy, x) => mul(g, dy, cos(g, x))),
  Cos: unary((g, dy, x) => neg(g, mul(g, dy, sin(g, x)))),
  Clip: (node, dys, g) => [() => clipGradient(g, onlyGradient(node, dys), inputOf(node, 0), node), null, null],
  Cast: (node, dys, g) => {
    const x = inputOf(node, 0);
    return [isFloat(x.dtype) ? () => cast(g, onlyGradient(node, dys), x.dtype) : null];
  },
};
