/** Gradient rule of LayerNormalization (GroupNorm is built from it, so it needs no rule of its own). */
import type { Graph } from '../../graph.ts';
import { add, mul, sub } from '../../ops/arithmetic.ts';
import { reduceMean } from '../../ops/reduce.ts';
import { reciprocal, sqrt } from '../../ops/unary.ts';
import { normalizeAxis } from '../../shape.ts';
import { floatAttr, intAttr, type Node, type Value } from '../../value.ts';
import { inputOf, once, onlyGradient, type GradientTable } from '../rule.ts';
import { unbroadcast } from '../shapes.ts';

/** Recomputes the normalised input and 1/std of a LayerNormalization node. */
function statistics(g: Graph, node: Node): { xhat: Value; rstd: Value; axes: number[] } {
  const x = inputOf(node, 0);
  const rank = x.shape.length;
  const first = normalizeAxis('LayerNormalization', intAttr(node.attributes, 'axis', -1), rank);
  const axes = [...Array(rank - first).keys()].map((i) => i + first);
  const centred = sub(g, x, reduceMean(g, x, { axes }));
  const variance = reduceMean(g, mul(g, centred, centred), { axes });
  const rstd = reciprocal(g, sqrt(g, add(g, variance, floatAttr(node.attributes, 'epsilon', 1e-5))));
  return { xhat: mul(g, centred, rstd), rstd, axes };
}

/** dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * scale. */
function inputGradient(g: Graph, node: Node, dy: Value, stats: { xhat: Value; rstd: Value; axes: number[] }): Value {
  const { xhat, rstd, axes } = stats;
  const dxhat = mul(g, dy, inputOf(node, 1));
  const centredGrad = sub(g, dxhat, reduceMean(g, dxhat, { axes }));
  return mul(g, rstd, sub(g, centredGrad, mul(g, xhat, reduceMean(g, mul(g, dxhat, xhat), { axes }))));
}

/** d LayerNormalization for x, scale and bias. */
export const normalizationRules: GradientTable = {
  LayerNormalization: (node, dys, g) => {
    const dy = onlyGradient(node, dys);
    const stats = once(() => statistics(g, node));
    const bias = node.inputs[2];
    return [
      () => inputGradient(g, node, dy, stats()),
      () => unbroadcast(g, mul(g, dy, stats().xhat), inputOf(node, 1)),
      bias ? () => unbroadcast(g, dy, bias) : null,
    ];
  },
};
