/** The one gradient table: every rule file merged, keyed by ONNX op type, plus the ops with no gradient. */
import type { GradientTable } from '../rule.ts';
import { convRules } from './conv.ts';
import { elementwiseRules } from './elementwise.ts';
import { layoutRules } from './layout.ts';
import { linearRules } from './linear.ts';
import { mathRules } from './math.ts';
import { normalizationRules } from './normalization.ts';
import { reduceRules } from './reduce.ts';
import { resizeRules } from './resize.ts';
import { sliceRules } from './slice.ts';

const parts: readonly GradientTable[] = [
  elementwiseRules, mathRules, linearRules, reduceRules, layoutRules, sliceRules, convRules, resizeRules, normalizationRules,
];

function merge(tables: readonly GradientTable[]): GradientTable {
  const table: Record<string, GradientTable[string]> = {};
  for (const t of tables) {
    for (const [op, rule] of Object.entries(t)) {
      if (op in table) throw new Error(`autodiff: two gradient rules for ${op}`);
      table[op] = rule;
    }
  }
  return Object.freeze(table);
}

/** Gradient rules keyed by ONNX op type. */
export const GRADIENT_RULES: GradientTable = merge(parts);

/** Ops whose outputs carry no gradient (integer/bool results, or piecewise-constant functions); the walk stops there. */
export const NON_DIFFERENTIABLE: ReadonlySet<string> = new Set([
  'Shape', 'Size', 'ConstantOfShape', 'Range', 'NonZero', 'OneHot',
  'Equal', 'Greater', 'GreaterOrEqual', 'Less', 'LessOrEqual', 'And', 'Or', 'Xor', 'Not', 'IsNaN', 'IsInf',
  'ArgMax', 'ArgMin', 'Sign', 'Floor', 'Ceil', 'Round',
]);
