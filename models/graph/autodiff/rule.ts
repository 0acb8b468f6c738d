/** The shape of a gradient rule: data in, lazily built gradients out. */
import type { Graph } from '../graph.ts';
import type { Node, Value } from '../value.ts';

/**
 * The gradient for one input, built on demand: the driver calls it only when someone asked for
 * that input's gradient, so a rule never adds nodes nobody uses (e.g. d/d exponent of a constant Pow).
 */
export type LazyGradient = (() => Value) | null;

/**
 * A gradient rule: from the forward node, the gradient of each of its outputs (null where no gradient
 * flows back into that output) and the graph being built, to one lazy gradient per input (null: none).
 */
export type GradientRule = (node: Node, outputGradients: readonly (Value | null)[], g: Graph) => readonly LazyGradient[];

/** A table of gradient rules keyed by ONNX op type. */
export type GradientTable = Readonly<Record<string, GradientRule>>;

/** The first output gradient of a single-output node (never null: the driver only calls a rule when it has one). */
export function onlyGradient(node: Node, outputGradients: readonly (Value | null)[]): Value {
  const dy = outputGradients[0];
  if (!dy) throw new Error(`autodiff: ${node.opType} node ${node.name} was given no output gradient`);
  return dy;
}

/** The i-th input of a node, which the rule knows is present. */
export function inputOf(node: Node, i: number): Value {
  const v = node.inputs[i];
  if (!v) throw new Error(`autodiff: ${node.opType} node ${node.name} has no input ${i}`);
  return v;
}

/** Memoises a builder so several lazy gradients of one rule can share a recomputation. */
export function once<T>(build: () => T): () => T {
  let cached: { value: T } | null = null;
  return () => (cached ??= { value: build() }).value;
}
