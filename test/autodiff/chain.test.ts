// Chain checks: whole blocks (ResNet, attention, LayerNorm MLP) differentiated end to end against central differences.
import { describe, expect, it } from 'vitest';
import { attentionBlock, initialValues, layerNormMlp, resnetBlock, type Block } from './blocks.ts';
import { gradCheck, type GradCase } from './gradcheck.ts';

/** A gradient check over every slot of a block (input and parameters), starting from its initial values. */
function blockCase(block: Block, dtype: GradCase['dtype'], tolerance?: number): GradCase {
  const init = initialValues(block);
  return {
    op: block.name, name: block.name, dtype, tolerance,
    shapes: block.slots.map((s) => s.shape),
    values: block.slots.map((s) => init[s.name] as number[]),
    build: (g, xs) => block.forward(g, Object.fromEntries(block.slots.map((s, i) => [s.name, xs[i]!]))).loss,
  };
}

describe('chain rule through whole blocks', () => {
  it('ResNet block: GroupNorm, SiLU, 3x3 Conv, residual (float32: Conv has no double kernel)', async () => {
    const r = await gradCheck(blockCase(resnetBlock(2, 4, 4, 4, 2), 'float32'));
    expect(r.error).toBeLessThan(r.tolerance);
  });

  it('attention block: LayerNorm, 2-head scaled-dot-product attention, residual (float64)', async () => {
    const r = await gradCheck(blockCase(attentionBlock(2, 4, 8, 2), 'float64'));
    expect(r.error).toBeLessThan(r.tolerance);
  });

  it('LayerNorm MLP with tanh GELU (float64)', async () => {
    const r = await gradCheck(blockCase(layerNormMlp(3, 6, 8, 'tanh'), 'float64'));
    expect(r.error).toBeLessThan(r.tolerance);
  });

  it('LayerNorm MLP with exact (erf) GELU (float32: Erf has no double kernel)', async () => {
    const r = await gradCheck(blockCase(layerNormMlp(3, 6, 8, 'erf'), 'float32'));
    expect(r.error).toBeLessThan(r.tolerance);
  });
});
