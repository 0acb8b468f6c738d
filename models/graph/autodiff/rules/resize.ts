/** Gradient rule of Resize (nearest, linear, cubic): per resized axis, a product with the transposed interpolation matrix. */
import type { Graph } from '../../graph.ts';
import { transpose } from '../../ops/layout.ts';
import { matmul } from '../../ops/linear.ts';
import { check } from '../../shape.ts';
import { tensorFrom, toNumbers } from '../../tensor.ts';
import { floatAttr, intAttr, stringAttr, type Node, type Value } from '../../value.ts';
import { inputOf, onlyGradient, type GradientTable } from '../rule.ts';
import { requireStatic } from '../shapes.ts';
import { interpolationMatrix, type ResizeAxis } from './resize-weights.ts';

function resizeAxes(node: Node, inDims: readonly number[], outDims: readonly number[]): ResizeAxis[] {
  const at = node.attributes;
  check(intAttr(at, 'antialias', 0) === 0, 'Resize', 'no gradient for antialias');
  const scalesValue = node.inputs[2]?.constant;
  const scales = scalesValue && scalesValue.data.length > 0 ? toNumbers(scalesValue) : null;
  return inDims.map((inSize, i) => ({
    mode: stringAttr(at, 'mode', 'nearest'),
    coordinateMode: stringAttr(at, 'coordinate_transformation_mode', 'half_pixel'),
    nearestMode: stringAttr(at, 'nearest_mode', 'round_prefer_floor'),
    cubicCoeffA: floatAttr(at, 'cubic_coeff_a', -0.75),
    excludeOutside: intAttr(at, 'exclude_outside', 0) === 1,
    scale: scales ? (scales[i] as number) : (outDims[i] as number) / inSize,
    inSize,
    outSize: outDims[i] as number,
  }));
}

/** dy contracted with M along `axis`: dx[..., i, ...] = sum_o M[o, i] dy[..., o, ...]. */
function applyTransposed(g: Graph, dy: Value, axis: number, a: ResizeAxis): Value {
  const m = g.constant(tensorFrom(dy.dtype, [a.outSize, a.inSize], interpolationMatrix(a)), 'resize_weights');
  const last = dy.shape.length - 1;
  if (axis === last) return matmul(g, dy, m);
  const perm = [...Array(last + 1).keys()].map((i) => (i === axis ? last : i === last ? axis : i));
  return transpose(g, matmul(g, transpose(g, dy, perm), m), perm);
}

function resizeGradient(g: Graph, node: Node, dy: Value): Value {
  const inDims = requireStatic('Resize', inputOf(node, 0));
  const outDims = requireStatic('Resize', dy);
  let grad = dy;
  resizeAxes(node, inDims, outDims).forEach((a, axis) => {
    if (a.inSize === a.outSize && a.scale === 1) return;
    grad = applyTransposed(g, grad, axis, a);
  });
  return grad;
}

/** d Resize. */
export const resizeRules: GradientTable = {
  Resize: (node, dys, g) => [() => resizeGradient(g, node, onlyGradient(node, dys)), null, null, null],
};
