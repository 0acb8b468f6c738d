/** All op functions, one file per family. */
export type { Operand } from './operands.ts';
export * from './resize.ts';
