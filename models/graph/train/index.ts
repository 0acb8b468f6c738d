/** Training in the graph: AdamW, global-norm clipping, loss scaling, the whole step. */
export * from './adamw.ts';
export * from './clip.ts';
export * from './train-step.ts';
