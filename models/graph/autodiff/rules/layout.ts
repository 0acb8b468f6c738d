/** Gradient rules of the ops that only move elements: Reshape, Transpose, (Un)squeeze, Expand, Concat, Split, Depth/SpaceToDepth. */
import type { Graph } from '../../graph.ts';
import { depthToSpace, reshape, spaceToDepth, transpose } from '../../ops/layout.ts';
import { concat, split } from '../../ops/slice.ts';
import { normalizeAxis } from '../../shape.ts';
import { intAttr, intsAttr, stringAttr, type Node, type Value } from '../../value.ts';
import { inputOf, once, onlyGradient, type GradientRule, type GradientTable } from '../rule.ts';
import { requireStatic, reshapeLike, unbroadcast, zerosLike } from '../shapes.ts';

/** A rule for ops that keep every element once: the gradient is the output gradient reshaped back. */
const reshapeBack: GradientRule = (node, dys, g) => [() => reshapeLike(g, onlyGradient(node, dys), inputOf(node, 0)), null];

/** Inverse of a permutation. */
const inverse = (perm: readonly number[]): number[] => perm.map((_, i) => perm.indexOf(i));

/** Gradient of CRD DepthToSpace: undo its reshape → transpose → reshape. */
function depthToSpaceCrdGradient(g: Graph, dy: Value, x: Value, b: number): Value {
  const [, c, h, w] = requireStatic('DepthToSpace', x) as [number, number, number, number];
  const split6 = reshape(g, dy, [0, c / (b * b), h, b, w, b]);
  return reshape(g, transpose(g, split6, inverse([0, 1, 4, 2, 5, 3])), [0, c, h, w]);
}

function concatGradients(node: Node, dy: Value, g: Graph): (() => Value)[] {
  const rank = dy.shape.length;
  const axis = normalizeAxis('Concat', intAttr(node.attributes, 'axis', 0), rank);
  const sizes = node.inputs.map((v) => requireStatic('Concat', v)[axis] as number);
  const parts = once(() => split(g, dy, sizes, axis));
  return node.inputs.map((_, i) => () => parts()[i] as Value);
}

/** d of the element-moving ops. */
export const layoutRules: GradientTable = {
  Reshape: reshapeBack,
  Unsqueeze: reshapeBack,
  Squeeze: reshapeBack,
  Transpose: (node, dys, g) => [() => transpose(g, onlyGradient(node, dys), inverse(intsAttr(node.attributes, 'perm', [])))],
  Expand: (node, dys, g) => [() => unbroadcast(g, onlyGradient(node, dys), inputOf(node, 0)), null],
  Concat: (node, dys, g) => concatGradients(node, onlyGradient(node, dys), g),
  Split: (node, dys, g) => {
    const axis = intAttr(node.attributes, 'axis', 0);
    const parts = node.outputs.map((o, i) => dys[i] ?? zerosLike(g, o));
    return [() => concat(g, parts, axis), null];
  },
  DepthToSpace: (node, dys, g) => {
    const [dy, b] = [onlyGradient(node, dys), intAttr(node.attributes, 'blocksize', 1)];
    const crd = stringAttr(node.attributes, 'mode', 'DCR') === 'CRD';
    return [() => (crd ? depthToSpaceCrdGradient(g, dy, inputOf(node, 0), b) : spaceToDepth(g, dy, b))];
  },
  SpaceToDepth: (node, dys, g) => [() => depthToSpace(g, onlyGradient(node, dys), intAttr(node.attributes, 'blocksize', 1), 'DCR')],
};
