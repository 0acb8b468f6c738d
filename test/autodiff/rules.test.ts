// Every registered gradient rule against central differences, driven by the case table in cases.ts.
import { describe, expect, it } from 'vitest';
import { GRADIENT_RULES } from '../../models/graph/index.ts';
import { arithmeticCases, layoutCases, windowCases } from './cases.ts';
import { gradCheck } from './gradcheck.ts';

const allCases = [...arithmeticCases, ...layoutCases, ...windowCases];

describe('gradient rules match central differences', () => {
  it.each(allCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const result = await gradCheck(c);
    expect(result.forwardOps, `case ${c.name} must contain ${c.op}`).toContain(c.op);
    expect(result.error, `${c.name}: relative error ${result.error.toExponential(2)}`).toBeLessThan(result.tolerance);
  });

  it('every registered rule has at least one check', () => {
    const checked = new Set(allCases.map((c) => c.op));
    const unchecked = Object.keys(GRADIENT_RULES).filter((op) => !checked.has(op));
    expect(unchecked, 'rules without a numeric gradient check').toEqual([]);
  });
});
