/** Gradient rules of the broadcasting element-wise ops: Add, Sub, Mul, Div, Pow, Where, Max, Min. */
import { div, mul, pow, sub, where } from '../../ops/arithmetic.ts';
import { equal } from '../../ops/compare.ts';
import { log, neg } from '../../ops/unary.ts';
import { inputOf, onlyGradient, type GradientTable } from '../rule.ts';
import { unbroadcast } from '../shapes.ts';

/** d(a op b) for the broadcasting binary and selection ops. */
export const elementwiseRules: GradientTable = {
  Add: (node, dys, g) => {
    const dy = onlyGradient(node, dys);
    return [() => unbroadcast(g, dy, inputOf(node, 0)), () => unbroadcast(g, dy, inputOf(node, 1))];
  },
  Sub: (node, dys, g) => {
    const dy = onlyGradient(node, dys);
    return [() => unbroadcast(g, dy, inputOf(node, 0)), () => unbroadcast(g, neg(g, dy), inputOf(node, 1))];
  },
  Mul: (node, dys, g) => {
    const [dy, a, b] = [onlyGradient(node, dys), inputOf(node, 0), inputOf(node, 1)];
    return [() => unbroadcast(g, mul(g, dy, b), a), () => unbroadcast(g, mul(g, dy, a), b)];
  },
  Div: (node, dys, g) => {
    const [dy, a, b, y] = [onlyGradient(node, dys), inputOf(node, 0), inputOf(node, 1), node.outputs[0]!];
    return [() => unbroadcast(g, div(g, dy, b), a), () => unbroadcast(g, neg(g, mul(g, div(g, dy, b), y)), b)];
  },
  Pow: (node, dys, g) => {
    const [dy, a, e, y] = [onlyGradient(node, dys), inputOf(node, 0), inputOf(node, 1), node.outputs[0]!];
    return [
      () => unbroadcast(g, mul(g, dy, mul(g, e, pow(g, a, sub(g, e, 1)))), a),
      () => unbroadcast(g, mul(g, dy, mul(g, y, log(g, a))), e),
    ];
  },
  Where: (node, dys, g) => {
    const [dy, c] = [onlyGradient(node, dys), inputOf(node, 0)];
    return [null, () => unbroadcast(g, where(g, c, dy, 0), inputOf(node, 1)), () => unbroadcast(g, where(g, c, 0, dy), inputOf(node, 2))];
  },
  Max: (node, dys, g) => {
    const [dy, y] = [onlyGradient(node, dys), node.outputs[0]!];
    return node.inputs.map((x) => () => unbroadcast(g, where(g, equal(g, x, y), dy, 0), x));
  },
  Min: (node, dys, g) => {
    const [dy, y] = [onlyGradient(node, dys), node.outputs[0]!];
    return node.inputs.map((x) => () => unbroadcast(g, where(g, equal(g, x, y), dy, 0), x));
  },
};
