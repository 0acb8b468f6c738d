/** Public surface of the ONNX graph builder: values, the graph, ops, serialisation. */
export * from './dtype.ts';
export * from './value.ts';
export * from './shape.ts';
export * from './tensor.ts';
export * from './dim-eval.ts';
export { Graph } from './graph.ts';
export * from './serialize.ts';
export * from './ops/index.ts';
