/** The trainer: data pipeline, TSD-SR losses, the training loop and model export. */
export * as data from './data/index.ts';
export * as tsd from './tsd/index.ts';
export * from './loop/index.ts';
export * from './export/index.ts';
