/** The backward driver: walks the forward nodes in reverse, applies the rules, accumulates and prunes. */
import { isFloat } from '../dtype.ts';
import type { Graph } from '../graph.ts';
import { add } from '../ops/arithmetic.ts';
import { check, formatShape } from '../shape.ts';
import type { Node, Value } from '../value.ts';
import { GRADIENT_RULES, NON_DIFFERENTIABLE } from './rules/index.ts';
import { onesLike, zerosLike } from './shapes.ts';
import { isStopGradient } from './stop-gradient.ts';

/** Options of `gradients`. */
export interface GradientOptions {
  /** The gradient of the loss itself (default ones); a loss-scale factor for fp16 training goes here. */
  seed?: Value;
}

const blocksGradient = (node: Node): boolean => NON_DIFFERENTIABLE.has(node.opType) || isStopGradient(node);

/** Values that depend on some `wrt` value through differentiable nodes. */
function dependents(nodes: readonly Node[], wrt: readonly Value[]): Set<Value> {
  const active = new Set<Value>(wrt.filter((v) => isFloat(v.dtype)));
  for (const node of nodes) {
    if (blocksGradient(node) || !node.inputs.some((v) => active.has(v))) continue;
    for (const o of node.outputs) if (isFloat(o.dtype)) active.add(o);
  }
  return active;
}

/** Nodes the loss depends on. */
function ancestors(nodes: readonly Node[], loss: Value): Set<Node> {
  const needed = new Set<Value>([loss]);
  const result = new Set<Node>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i] as Node;
    if (!node.outputs.some((o) => needed.has(o))) continue;
    result.add(node);
    for (const v of node.inputs) needed.add(v);
  }
  return result;
}

/** Sums the gradient contributions collected for a value (once; the sum replaces them). */
function total(g: Graph, pending: Map<Value, Value[]>, v: Value): Value | null {
  const parts = pending.get(v);
  if (!parts || parts.length === 0) return null;
  const sum = parts.reduce((acc, p) => add(g, acc, p));
  pending.set(v, [sum]);
  return sum;
}

function checkGradient(node: Node, input: Value, grad: Value): void {
  const fits = grad.shape.length === input.shape.length && grad.shape.every((d, i) => d === input.shape[i] || typeof d !== 'number' || typeof input.shape[i] !== 'number');
  check(fits && grad.dtype === input.dtype, `${node.opType} gradient`,
    `rule gave ${grad.dtype}${formatShape(grad.shape)} for input ${input.name} ${input.dtype}${formatShape(input.shape)}`);
}

/**
 * Reverse-mode autodiff: appends to `g` the nodes computing d(sum of loss * seed)/d(w) for each w in `wrt`
 * and returns those gradients (zeros for a w the loss does not depend on). Only gradients on a path from
 * `wrt` to `loss` are built; a node without a rule throws naming its op type.
 */
export function gradients(g: Graph, loss: Value, wrt: readonly Value[], options: GradientOptions = {}): Value[] {
  for (const w of wrt) check(isFloat(w.dtype), 'gradients', `cannot differentiate with respect to ${w.name} of type ${w.dtype}`);
  const nodes = [...g.nodes];
  const active = dependents(nodes, wrt);
  const needed = ancestors(nodes, loss);
  const pending = new Map<Value, Value[]>([[loss, [options.seed ?? onesLike(g, loss)]]]);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i] as Node;
    if (!needed.has(node) || blocksGradient(node) || !node.outputs.some((o) => pending.has(o))) continue;
    if (!node.inputs.some((v) => active.has(v))) continue;
    const rule = GRADIENT_RULES[node.opType];
    if (!rule) throw new Error(`gradients: no gradient rule for op ${node.opType} (node ${node.name}); add one under models/graph/autodiff/rules or list the op as non-differentiable`);
    const lazy = rule(node, node.outputs.map((o) => total(g, pending, o)), g);
    node.inputs.forEach((input, k) => {
      const build = lazy[k];
      if (!build || !active.has(input)) return;
      const grad = build();
      checkGradient(node, input, grad);
      pending.set(input, [...(pending.get(input) ?? []), grad]);
    });
  }
  return wrt.map((w) => total(g, pending, w) ?? zerosLike(g, w));
}
