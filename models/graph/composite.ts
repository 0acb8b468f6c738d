/** Composite layers built from primitive ops (so autodiff needs no rules of their own): SiLU, GELU, attention. */
import type { Graph } from './graph.ts';
import { add, mul } from './ops/arithmetic.ts';
import { transpose } from './ops/layout.ts';
import { matmul } from './ops/linear.ts';
import { softmax } from './ops/reduce.ts';
import { erf, sigmoid, tanh } from './ops/unary.ts';
import type { Value } from './value.ts';

/** x * sigmoid(x), also called swish. */
export const silu = (g: Graph, x: Value): Value => mul(g, x, sigmoid(g, x));

/** Exact GELU: 0.5 * x * (1 + erf(x / sqrt(2))). */
export function geluErf(g: Graph, x: Value): Value {
  return mul(g, mul(g, x, 0.5), add(g, erf(g, mul(g, x, Math.SQRT1_2)), 1));
}

/** Tanh-approximated GELU: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x³))). */
export function geluTanh(g: Graph, x: Value): Value {
  const cubic = add(g, x, mul(g, mul(g, mul(g, x, x), x), 0.044715));
  return mul(g, mul(g, x, 0.5), add(g, tanh(g, mul(g, cubic, Math.sqrt(2 / Math.PI))), 1));
}

/** softmax(q kᵀ / sqrt(d) + mask) v over the last two axes; q [..., Lq, d], k [..., Lk, d], v [..., Lk, dv]; mask is additive. */
export function scaledDotProductAttention(g: Graph, q: Value, k: Value, v: Value, mask?: Value): Value {
  const rank = k.shape.length;
  const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
  const d = q.shape[q.shape.length - 1];
  if (typeof d !== 'number') throw new Error(`scaledDotProductAttention: head size must be static, got ${d}`);
  const scores = mul(g, matmul(g, q, transpose(g, k, perm)), 1 / Math.sqrt(d));
  return matmul(g, softmax(g, mask ? add(g, scores, mask) : scores, -1), v);
}
