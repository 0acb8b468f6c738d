/** stopGradient: an Identity whose output the backward pass treats as a constant. */
import type { Graph } from '../graph.ts';
import { identity } from '../ops/unary.ts';
import type { Node, Value } from '../value.ts';

const stopNodes = new WeakSet<Node>();

/** Passes x through unchanged in the forward pass; no gradient flows back through it (a stop-grad target). */
export function stopGradient(g: Graph, x: Value): Value {
  const y = identity(g, x);
  if (y.producer) stopNodes.add(y.producer);
  return y;
}

/** True when the node was made by `stopGradient`. */
export const isStopGradient = (node: Node): boolean => stopNodes.has(node);
