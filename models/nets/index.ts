/** Architectures built with models/graph, as pure functions from a graph (and weights, config) to outputs. */
export * from './baselines.ts';
export * from './weights.ts';
export type { BuildOptions, LoraInputSpec } from './internal/params.ts';
export * from './vae/index.ts';
export * from './sd3/index.ts';
export * from './lora/index.ts';
export * from './small/index.ts';
export * from './finish.ts';
