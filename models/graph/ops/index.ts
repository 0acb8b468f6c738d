/** All op functions, one file per family. */
export type { Operand } from './operands.ts';
export * from './arithmetic.ts';
export * from './unary.ts';
export * from './linear.ts';
export * from './conv.ts';
export * from './layout.ts';
export * from './slice.ts';
export * from './reduce.ts';
export * from './resize.ts';
export * from './normalization.ts';
export * from './compare.ts';
export * from './scatter.ts';
