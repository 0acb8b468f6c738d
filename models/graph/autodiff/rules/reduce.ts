/** Gradient rules of the reductions and the softmax family. */
import type { Graph } from '../../graph.ts';
import { div, mul, sub, where } from '../../ops/arithmetic.ts';
import { equal } from '../../ops/compare.ts';
import { unsqueeze } from '../../ops/layout.ts';
import { reduceSum } from '../../ops/reduce.ts';
import { exp } from '../../ops/unary.ts';
import { normalizeAxes } from '../../shape.ts';
import { toNumbers } from '../../tensor.ts';
import { intAttr, type Node, type Value } from '../../value.ts';
import { inputOf, onlyGradient, type GradientRule, type GradientTable } from '../rule.ts';
import { expandLike, requireStatic } from '../shapes.ts';

/** The reduced axes of a Reduce* node (all when the axes input is absent). */
function reducedAxes(node: Node): number[] {
  const x = inputOf(node, 0);
  const given = node.inputs[1]?.constant;
  return given ? normalizeAxes(node.opType, toNumbers(given), x.shape.length) : x.shape.map((_, i) => i);
}

/** The output gradient put back to the input's shape: reduced axes re-inserted as 1, then broadcast. */
function spreadBack(g: Graph, node: Node, dy: Value): Value {
  const keep = intAttr(node.attributes, 'keepdims', 1) === 1;
  const axes = reducedAxes(node);
  const kept = keep || axes.length === 0 ? dy : unsqueeze(g, dy, [...axes].sort((a, b) => a - b));
  return expandLike(g, kept, inputOf(node, 0));
}

/** Number of elements each output of a reduction averages. */
function reducedCount(node: Node): number {
  const dims = requireStatic(node.opType, inputOf(node, 0));
  return reducedAxes(node).reduce((p, a) => p * (dims[a] as number), 1);
}

const reduction = (derivative: (g: Graph, node: Node, spread: Value) => Value): GradientRule =>
  (node, dys, g) => [() => derivative(g, node, spreadBack(g, node, onlyGradient(node, dys))), null];

const softmaxAxis = (node: Node): number[] => [intAttr(node.attributes, 'axis', -1)];

/** d of ReduceSum/Mean/SumSquare/Max, Softmax, LogSoftmax, GlobalAveragePool. */
export const reduceRules: GradientTable = {
  ReduceSum: reduction((_g, _node, spread) => spread),
  ReduceMean: reduction((g, node, spread) => div(g, spread, reducedCount(node))),
  ReduceSumSquare: reduction((g, node, spread) => mul(g, spread, mul(g, inputOf(node, 0), 2))),
  ReduceMax: reduction((g, node, spread) => {
    const x = inputOf(node, 0);
    const peak = spreadBack(g, node, node.outputs[0]!);
    return where(g, equal(g, x, peak), spread, 0);
  }),
  Softmax: (node, dys, g) => {
    const [dy, y] = [onlyGradient(node, dys), node.outputs[0]!];
    return [() => mul(g, y, sub(g, dy, reduceSum(g, mul(g, dy, y), { axes: softmaxAxis(node), keepdims: true })))];
  },
  LogSoftmax: (node, dys, g) => {
    const [dy, y] = [onlyGradient(node, dys), node.outputs[0]!];
    return [() => sub(g, dy, mul(g, exp(g, y), reduceSum(g, dy, { axes: softmaxAxis(node), keepdims: true })))];
  },
  GlobalAveragePool: (node, dys, g) => {
    const [dy, x] = [onlyGradient(node, dys), inputOf(node, 0)];
    const area = requireStatic('GlobalAveragePool', x).slice(2).reduce((p, d) => p * d, 1);
    return [() => div(g, expandLike(g, dy, x), area)];
  },
};
