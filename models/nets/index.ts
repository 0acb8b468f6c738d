/** Architectures built with models/graph, as pure functions from a graph (and weights, config) to outputs. */
export * from './baselines.ts';
