/** Global-norm gradient clipping, in the graph. */
import type { Graph } from '../graph.ts';
import { add, div, min, mul } from '../ops/arithmetic.ts';
import { reduceSumSquare } from '../ops/reduce.ts';
import { cast, sqrt } from '../ops/unary.ts';
import { scalar } from '../tensor.ts';
import type { Value } from '../value.ts';

/** sqrt(sum of squares of every gradient) as a float32 scalar. */
export function globalNorm(g: Graph, grads: readonly Value[]): Value {
  const squares = grads.map((d) => reduceSumSquare(g, d.dtype === 'float32' ? d : cast(g, d, 'float32'), { keepdims: false }));
  return sqrt(g, squares.reduce((acc, s) => add(g, acc, s)));
}

/** Scales all gradients by min(1, maxNorm / (norm + 1e-6)), as torch.nn.utils.clip_grad_norm_ does. */
export function clipByGlobalNorm(g: Graph, grads: readonly Value[], norm: Value, maxNorm: number): Value[] {
  const coefficient = min(g, div(g, g.constant(scalar('float32', maxNorm), 'max_norm'), add(g, norm, 1e-6)), g.constant(scalar('float32', 1), 'one'));
  return grads.map((d) => mul(g, d, d.dtype === 'float32' ? coefficient : cast(g, coefficient, d.dtype)));
}
