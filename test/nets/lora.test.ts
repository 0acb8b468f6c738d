// LoRA: key parsing in peft/TSD-SR layouts, merging (linear and conv), and branches as graph inputs agreeing with merging.
import { describe, expect, it } from 'vitest';
import {
  MapWeightSource, loraFromWeights, mergeLora, mergedWeight, parseLoraKey, peftTargetMatcher, vaeConfigFromDiffusers, vaeEncoderGraph,
  type WeightTensor,
} from '../../models/nets/index.ts';
import { loadConfig, loadTensors, relativeError, runFirst } from './helpers.ts';

const t = (dims: number[], values: number[]): WeightTensor => ({ dims, data: Float32Array.from(values) });

describe('LoRA keys', () => {
  it.each([
    ['transformer.transformer_blocks.0.attn.to_q.lora_A.weight', 'transformer_blocks.0.attn.to_q', 'A'],
    ['transformer.encoder.conv_in.lora_B.weight', 'encoder.conv_in', 'B'],
    ['base_model.model.transformer_blocks.1.ff.net.0.proj.lora_A.default.weight', 'transformer_blocks.1.ff.net.0.proj', 'A'],
    ['vae.encoder.mid_block.attentions.0.to_out.0.lora_B.weight', 'encoder.mid_block.attentions.0.to_out.0', 'B'],
  ])('%s → %s', (key, module, factor) => {
    expect(parseLoraKey(key)).toEqual({ module, factor });
  });

  it('ignores keys that are not LoRA factors', () => {
    expect(parseLoraKey('transformer_blocks.0.attn.to_q.weight')).toBeNull();
  });

  it('matches targets as peft does', () => {
    const match = peftTargetMatcher(['proj', 'to_out.0']);
    expect(['pos_embed.proj', 'transformer_blocks.0.ff.net.0.proj', 'transformer_blocks.0.attn.to_out.0'].every(match)).toBe(true);
    expect(['proj_out', 'transformer_blocks.0.attn.to_add_out', 'context_embedder'].some(match)).toBe(false);
  });
});

describe('LoRA merge', () => {
  it('adds alpha/r · B·A to a linear weight', () => {
    const base = t([2, 3], [1, 2, 3, 4, 5, 6]);
    const lora = { a: t([1, 3], [1, 0, -1]), b: t([2, 1], [2, 3]), rank: 1, alpha: 2 };
    expect([...mergedWeight(base, lora, lora.alpha / lora.rank).data]).toEqual([5, 2, -1, 10, 5, 0]);
  });

  it('treats conv LoRA as a kernel-sized A and a 1×1 B', () => {
    const base = t([1, 1, 2, 2], [0, 0, 0, 0]);
    const lora = { a: t([2, 1, 2, 2], [1, 2, 3, 4, 10, 20, 30, 40]), b: t([1, 2, 1, 1], [1, 0.5]), rank: 2, alpha: 2 };
    expect([...mergedWeight(base, lora, 1).data]).toEqual([6, 12, 18, 24]);
  });

  it('refuses modules the base lacks unless asked, and factors that do not fit', () => {
    const base = new MapWeightSource([['x.weight', t([2, 3], [0, 0, 0, 0, 0, 0])]]);
    const adapter = loraFromWeights(new MapWeightSource([['transformer.y.lora_A.weight', t([1, 3], [0, 0, 0])], ['transformer.y.lora_B.weight', t([2, 1], [0, 0])]]));
    expect(() => mergeLora(base, adapter)).toThrow(/no y.weight/);
    expect(mergeLora(base, adapter, { allowMissing: true }).get('x.weight').data).toEqual(base.get('x.weight').data);
    const wrong = loraFromWeights(new MapWeightSource([['x.lora_A.weight', t([1, 4], [0, 0, 0, 0])], ['x.lora_B.weight', t([2, 1], [0, 0])]]));
    expect(() => mergeLora(base, wrong)).toThrow(/lora_A does not fit/);
  });
});

describe('LoRA as graph inputs (training form)', () => {
  it('gives the merged encoder output when fed the adapter factors, and differs from the base', async () => {
    const [json, base, loraWeights, ref] = await Promise.all([loadConfig('tiny-sd3/vae'), loadTensors('tiny-sd3/vae/diffusion_pytorch_model.safetensors'), loadTensors('tiny-tsdsr/vae.safetensors'), loadTensors('reference/tsdsr-step.safetensors')]);
    const config = vaeConfigFromDiffusers(json);
    const adapter = loraFromWeights(loraWeights);
    const image = ref.get('image');
    const merged = await runFirst(vaeEncoderGraph(mergeLora(base, adapter), config), { image });
    const g = vaeEncoderGraph(base, config, {}, { loraInputs: { modules: (m) => adapter.modules.has(m), rank: 4, alpha: 4 } });
    const feeds: Record<string, WeightTensor> = { image };
    for (const [module, lora] of adapter.modules) Object.assign(feeds, { [`${module}.lora_A.weight`]: lora.a, [`${module}.lora_B.weight`]: lora.b });
    expect(g.inputs.length).toBe(1 + 2 * adapter.modules.size);
    expect(relativeError(await runFirst(g, feeds), merged)).toBeLessThan(1e-5);
    expect(relativeError(await runFirst(vaeEncoderGraph(base, config), { image }), merged)).toBeGreaterThan(1e-2);
  });

  it('turns selected weights into graph inputs', async () => {
    const [json, base] = await Promise.all([loadConfig('tiny-sd3/vae'), loadTensors('tiny-sd3/vae/diffusion_pytorch_model.safetensors')]);
    const g = vaeEncoderGraph(base, vaeConfigFromDiffusers(json), {}, { asInput: (key) => key.startsWith('encoder.conv_in.') });
    expect(g.inputs.map((v) => v.name)).toEqual(['image', 'encoder.conv_in.weight', 'encoder.conv_in.bias']);
  });
});
