/** Floating-point operation counts of built graphs: 2 × multiply-accumulates of Conv, ConvTranspose, MatMul and Gemm. */
import { formatShape, intAttr, type Graph, type Node, type Value } from '../../graph/index.ts';

const product = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);

function staticShape(node: Node, v: Value | undefined): number[] {
  if (!v || !v.shape.every((d) => typeof d === 'number')) {
    throw new Error(`countFlops: ${node.opType} node ${node.name} has a symbolic shape ${v ? formatShape(v.shape) : '(missing)'}; build the graph at a fixed size`);
  }
  return v.shape as number[];
}

/** Multiply-accumulates of one node (0 for ops that are not products). */
function nodeMacs(node: Node): number {
  const shape = (i: number): number[] => staticShape(node, node.inputs[i]);
  const out = (): number[] => staticShape(node, node.outputs[0]);
  switch (node.opType) {
    case 'Conv': { // every output cell reads (C / group) · kernel inputs
      const w = shape(1);
      return product(out()) * product(w.slice(1));
    }
    case 'ConvTranspose': { // every input cell writes (M / group) · kernel outputs
      const w = shape(1);
      return product(shape(0)) * product(w.slice(1));
    }
    case 'MatMul': {
      const a = shape(0);
      return product(out()) * (a[a.length - 1] as number);
    }
    case 'Gemm': {
      const a = shape(0);
      return product(out()) * (intAttr(node.attributes, 'transA', 0) ? (a[0] as number) : (a[1] as number));
    }
    default:
      return 0;
  }
}

/** FLOPs of a graph built at a fixed size: 2 × the multiply-accumulates of its Conv, ConvTranspose, MatMul and Gemm nodes. */
export function countFlops(graph: Graph): number {
  return graph.nodes.reduce((total, node) => total + 2 * nodeMacs(node), 0);
}
