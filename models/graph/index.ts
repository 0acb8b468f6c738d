/**
 * Public surface of the ONNX graph builder: typed values with static or symbolic shapes, one function per op
 * (each a thin wrapper over `Graph.node(opType, inputs, attributes, infer)`), and serialisation to ONNX bytes.
 * Nodes are plain data kept in topological order and every value knows its producer, so passes such as
 * reverse-mode autodiff can walk `graph.nodes` and add gradient rules keyed by `node.opType`.
 */
export * from './dtype.ts';
export * from './value.ts';
export * from './shape.ts';
export * from './tensor.ts';
export * from './dim-eval.ts';
export { Graph } from './graph.ts';
export * from './serialize.ts';
export * from './ops/index.ts';
export * from './composite.ts';
export * from './autodiff/index.ts';
export * from './train/index.ts';
