// LoRA scale at import: alpha from adapter_config.json (rank_pattern / alpha_pattern as peft matches them, rsLoRA),
// diffusers' metadata, <module>.alpha tensors or --lora-alpha; TSD-SR's release at alpha = rank; the rest refused.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ImportError, UNKNOWN_ALPHA_HINT, locateLora, peftModuleScale, peftScaleConfig, planLora, readLoraAdapter, type AlphaSetting, type LoraComponent,
} from '../../models/import/index.ts';
import { MapWeightSource, mergeLora, type WeightTensor } from '../../models/nets/index.ts';
import { expectedMerge, maxAbsDifference, seededTensor, tempDir, writeJson, writeLoraFile, type FileTensor } from './lora-fixtures.ts';

/** A tiny base: one linear and one 3×3 conv weight. */
const BASE = new Map<string, WeightTensor>([
  ['blocks.0.attn.to_q', seededTensor([3, 4], 1)],
  ['encoder.conv_in', seededTensor([2, 3, 3, 3], 2)],
]);

/** Seeded peft factors for a base module (a [3, 4] linear for names BASE lacks): A [r, in, ...k], B [out, r, 1, ...]. */
function factors(module: string, rank: number, seed: number): { a: WeightTensor; b: WeightTensor } {
  const [out, inp, ...kernel] = BASE.get(module)?.dims ?? [3, 4];
  return { a: seededTensor([rank, inp!, ...kernel], seed), b: seededTensor([out!, rank, ...kernel.map(() => 1)], seed + 1) };
}

/** Factor tensors of modules under a key prefix (`base_model.model.` for peft, `transformer.` for TSD-SR). */
function loraTensors(prefix: string, modules: Record<string, number>): Record<string, FileTensor> {
  const tensors: Record<string, FileTensor> = {};
  Object.entries(modules).forEach(([module, rank], i) => {
    const { a, b } = factors(module, rank, 10 * (i + 1));
    tensors[`${prefix}${module}.lora_A.weight`] = a;
    tensors[`${prefix}${module}.lora_B.weight`] = b;
  });
  return tensors;
}

const plan = async (dir: string, flag?: AlphaSetting, component: LoraComponent = 'transformer') => planLora(component, await locateLora(dir, component), flag);

/** A peft adapter folder `<dir>/transformer/` with the base's modules at these ranks and this adapter_config.json. */
async function peftAdapter(modules: Record<string, number>, config?: Record<string, unknown>): Promise<string> {
  const dir = tempDir();
  await writeLoraFile(join(dir, 'transformer', 'adapter_model.safetensors'), loraTensors('base_model.model.', modules));
  if (config) writeJson(join(dir, 'transformer', 'adapter_config.json'), { peft_type: 'LORA', target_modules: Object.keys(modules), ...config });
  return dir;
}

/** Merges the planned adapter into BASE and checks each module against W + scale·B·A computed here. */
async function expectMergedAt(dir: string, expectedScales: Record<string, number>, flag?: AlphaSetting): Promise<void> {
  const p = await plan(dir, flag);
  const merged = mergeLora(new MapWeightSource([...BASE].map(([m, w]) => [`${m}.weight`, w])), await readLoraAdapter(p));
  Object.entries(expectedScales).forEach(([module, scale], i) => {
    const { a, b } = factors(module, p.ranks.get(module)!, 10 * (i + 1));
    const expected = expectedMerge(BASE.get(module)!, a, b, scale);
    expect(maxAbsDifference(merged.get(`${module}.weight`).data, expected), module).toBeLessThan(1e-5);
    expect(maxAbsDifference(expected, BASE.get(module)!.data), `${module} changed`).toBeGreaterThan(0.01);
  });
}

describe('LoRA alpha from adapter_config.json', () => {
  it('merges at lora_alpha / r when the two differ', async () => {
    const dir = await peftAdapter({ 'blocks.0.attn.to_q': 2, 'encoder.conv_in': 2 }, { r: 2, lora_alpha: 6 });
    await expectMergedAt(dir, { 'blocks.0.attn.to_q': 3, 'encoder.conv_in': 3 });
    expect((await plan(dir)).summary).toMatch(/scale 3 over 2 modules, alpha from .*adapter_config\.json/);
  });

  it('merges at lora_alpha / √r with use_rslora', async () => {
    const dir = await peftAdapter({ 'blocks.0.attn.to_q': 4, 'encoder.conv_in': 4 }, { r: 4, lora_alpha: 6, use_rslora: true });
    await expectMergedAt(dir, { 'blocks.0.attn.to_q': 3, 'encoder.conv_in': 3 });
  });

  it('applies rank_pattern and alpha_pattern per module', async () => {
    const config = { r: 2, lora_alpha: 4, rank_pattern: { conv_in: 3 }, alpha_pattern: { '^blocks\\.0\\.attn\\.to_q': 10 } };
    const dir = await peftAdapter({ 'blocks.0.attn.to_q': 2, 'encoder.conv_in': 3 }, config);
    await expectMergedAt(dir, { 'blocks.0.attn.to_q': 5, 'encoder.conv_in': 4 / 3 });
  });

  it('refuses a config whose rank for a module is not the rank of its factors', async () => {
    const dir = await peftAdapter({ 'blocks.0.attn.to_q': 2, 'encoder.conv_in': 2 }, { r: 2, lora_alpha: 2, rank_pattern: { conv_in: 3 } });
    await expect(plan(dir)).rejects.toThrow(/gives encoder\.conv_in rank 3, but its lora_A has rank 2/);
  });

  it('fills a missing lora_alpha with peft\'s default 8 and says so', async () => {
    const dir = await peftAdapter({ 'blocks.0.attn.to_q': 2 }, { r: 2 });
    const p = await plan(dir);
    expect(p.scales.get('blocks.0.attn.to_q')).toBe(4);
    expect(p.summary).toMatch(/lora_alpha 8 \(peft's default; not in .*adapter_config\.json\)/);
  });

  it.each([
    [{ use_dora: true }, /DoRA/],
    [{ lora_bias: true }, /lora_bias/],
    [{ peft_type: 'LOHA' }, /only LoRA adapters/],
  ])('refuses what a merge cannot express: %j', async (extra, message) => {
    const dir = await peftAdapter({ 'blocks.0.attn.to_q': 2 }, { r: 2, lora_alpha: 2, ...extra });
    await expect(plan(dir)).rejects.toThrow(message);
  });
});

describe("peft's pattern matching (get_pattern_key)", () => {
  // A model with foo at three depths and look-alikes beside them, as in peft's own tests of rank_pattern.
  const MODULES = ['foo', 'bar', 'module.foo', 'module.foobar', 'module.module.foo', 'module.module.barfoo'];
  const ranks = (pattern: Record<string, number>) => {
    const config = peftScaleConfig({ r: 8, lora_alpha: 8, rank_pattern: pattern }, 'test');
    return MODULES.map((m) => peftModuleScale(config, m).rank);
  };

  it.each([
    [{ foo: 16 }, [16, 8, 16, 8, 16, 8]],
    [{ '^foo': 16 }, [16, 8, 8, 8, 8, 8]],
    [{ '^module.foo': 16 }, [8, 8, 16, 8, 8, 8]],
    [{ 'module.module.foo': 16 }, [8, 8, 8, 8, 16, 8]],
    [{ 'module.foo': 16 }, [8, 8, 16, 8, 16, 8]],
    [{ '^foo': 16, '^module.foo': 24, '^module.module.foo': 32 }, [16, 8, 24, 8, 32, 8]],
    [{ '^module.module.foo': 32, '^module.foo': 24, '^foo': 16 }, [16, 8, 24, 8, 32, 8]],
    [{ 'module.foo': 24, foo: 16 }, [16, 8, 24, 8, 24, 8]], // the first matching key in file order wins
    [{ foo: 16, 'module.foo': 24 }, [16, 8, 16, 8, 16, 8]],
    [{ bla: 4, oof: 6 }, [8, 8, 8, 8, 8, 8]],
  ])('rank_pattern %j', (pattern, expected) => {
    expect(ranks(pattern)).toEqual(expected);
  });

  it('refuses a pattern key that is not a regular expression', () => {
    expect(() => peftScaleConfig({ r: 2, alpha_pattern: { 'to_q(': 4 } }, 'cfg')).toThrow(/pattern key "to_q\(" is not a regular expression/);
  });

  it('refuses disagreeing matches when a numeric key makes the file order unknowable', () => {
    const config = peftScaleConfig({ r: 2, alpha_pattern: { 'to_out.0': 4, 0: 8 } }, 'cfg');
    expect(() => peftModuleScale(config, 'attn.to_out.0')).toThrow(/order of a numeric key is not kept/);
  });
});

describe('LoRA alpha from the weights file', () => {
  it('reads <module>.alpha tensors (float or integer) and merges at alpha / r', async () => {
    const dir = tempDir();
    await writeLoraFile(join(dir, 'transformer.safetensors'), {
      ...loraTensors('transformer.', { 'blocks.0.attn.to_q': 2, 'encoder.conv_in': 4 }),
      'transformer.blocks.0.attn.to_q.alpha': { dims: [], dtype: 'F32', value: 1 },
      'transformer.encoder.conv_in.alpha': { dims: [1], dtype: 'I64', value: 16 },
    });
    await expectMergedAt(dir, { 'blocks.0.attn.to_q': 0.5, 'encoder.conv_in': 4 });
  });

  it("reads diffusers' lora_adapter_metadata, a model's own or under a pipeline prefix", async () => {
    for (const metadata of [{ r: 2, lora_alpha: 3 }, { 'transformer.r': 2, 'transformer.lora_alpha': 3, 'vae.r': 2, 'vae.lora_alpha': 1 }]) {
      const dir = tempDir();
      await writeLoraFile(join(dir, 'transformer.safetensors'), loraTensors('transformer.', { 'blocks.0.attn.to_q': 2 }), { format: 'pt', lora_adapter_metadata: JSON.stringify(metadata) });
      expect((await plan(dir)).scales.get('blocks.0.attn.to_q')).toBe(1.5);
    }
  });

  it('refuses a file whose sources disagree', async () => {
    const dir = tempDir();
    await writeLoraFile(join(dir, 'transformer.safetensors'), {
      ...loraTensors('transformer.', { 'blocks.0.attn.to_q': 2 }),
      'transformer.blocks.0.attn.to_q.alpha': { dims: [], dtype: 'F32', value: 1 },
    }, { lora_adapter_metadata: JSON.stringify({ r: 2, lora_alpha: 2 }) });
    await expect(plan(dir)).rejects.toThrow(/lora_adapter_metadata\) says alpha 2 \(scale 1\) but blocks\.0\.attn\.to_q\.alpha says alpha 1 \(scale 0\.5\); the file contradicts itself/);
  });

  it.each([
    ['transformer.blocks.0.attn.to_q.lora_down.weight', /kohya naming/],
    ['transformer.blocks.0.attn.to_q.lora_magnitude_vector', /DoRA/],
    ['transformer.blocks.0.attn.to_q.lora_B.bias', /LoRA bias/],
  ])('refuses a tensor it would otherwise drop: %s', async (key, message) => {
    const dir = tempDir();
    await writeLoraFile(join(dir, 'transformer.safetensors'), { ...loraTensors('transformer.', { 'blocks.0.attn.to_q': 2 }), [key]: seededTensor([3], 1) });
    await expect(plan(dir)).rejects.toThrow(message);
  });
});

describe('LoRA files that say nothing about alpha', () => {
  /** A TSD-SR-layout file: `transformer.`-prefixed factors only. */
  async function releaseLike(modules: Record<string, number>, component: LoraComponent = 'transformer'): Promise<string> {
    const dir = tempDir();
    await writeLoraFile(join(dir, `${component}.safetensors`), loraTensors('transformer.', modules));
    return dir;
  }

  it("merges TSD-SR's release at alpha = rank without a flag", async () => {
    const dir = await releaseLike({ 'transformer_blocks.0.attn.to_q': 4, 'pos_embed.proj': 4 });
    const p = await plan(dir);
    expect([...p.scales.values()]).toEqual([1, 1]);
    expect(p.summary).toMatch(/TSD-SR's release \(alpha = rank/);
    const vae = await releaseLike({ 'encoder.conv_in': 2, quant_conv: 2 }, 'vae');
    expect([...(await plan(vae, undefined, 'vae')).scales.values()]).toEqual([1, 1]);
  });

  it('refuses any other file without an alpha, saying which flag to pass', async () => {
    const outsideTargets = await releaseLike({ 'blocks.0.attn.to_q': 2, 'blocks.0.attn.to_added': 2 });
    const peftWithoutConfig = await peftAdapter({ 'blocks.0.attn.to_q': 2 });
    const vaeDecoder = await releaseLike({ 'decoder.conv_in': 2 }, 'vae');
    for (const [dir, component] of [[outsideTargets, 'transformer'], [peftWithoutConfig, 'transformer'], [vaeDecoder, 'vae']] as const) {
      const error = await plan(dir, undefined, component).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImportError);
      expect((error as Error).message).toMatch(/the LoRA alpha of \d of \d modules \(e\.g\. .+\) is not known/);
      expect((error as Error).message).toContain(UNKNOWN_ALPHA_HINT);
    }
  });

  it('refuses a file with alpha tensors for only some modules', async () => {
    const dir = tempDir();
    await writeLoraFile(join(dir, 'transformer.safetensors'), {
      ...loraTensors('transformer.', { 'blocks.0.attn.to_q': 2, 'encoder.conv_in': 2 }),
      'transformer.blocks.0.attn.to_q.alpha': { dims: [], dtype: 'F32', value: 1 },
    });
    await expect(plan(dir)).rejects.toThrow(/alpha of 1 of 2 modules \(e\.g\. encoder\.conv_in\) is not known: .*has no <module>\.alpha tensor for them \(it has 1\)/);
  });

  it('uses --lora-alpha when nothing in the files says, as a number or as the rank', async () => {
    const dir = await peftAdapter({ 'blocks.0.attn.to_q': 2, 'encoder.conv_in': 4 });
    await expectMergedAt(dir, { 'blocks.0.attn.to_q': 3, 'encoder.conv_in': 1.5 }, 6);
    await expectMergedAt(dir, { 'blocks.0.attn.to_q': 1, 'encoder.conv_in': 1 }, 'rank');
    expect((await plan(dir, 6)).summary).toMatch(/alpha from --lora-alpha 6/);
  });

  it("lets --lora-alpha replace TSD-SR's default", async () => {
    const dir = await releaseLike({ 'transformer_blocks.0.attn.to_q': 4 });
    expect((await plan(dir, 8)).scales.get('transformer_blocks.0.attn.to_q')).toBe(2);
  });

  it('refuses a --lora-alpha that contradicts the file, and accepts one that agrees', async () => {
    const dir = await peftAdapter({ 'blocks.0.attn.to_q': 2 }, { r: 2, lora_alpha: 16 });
    await expect(plan(dir, 8)).rejects.toThrow(/says alpha 16 \(scale 8\) but --lora-alpha 8 says alpha 8 \(scale 4\); leave --lora-alpha out/);
    expect((await plan(dir, 16)).scales.get('blocks.0.attn.to_q')).toBe(8);
  });
});

describe('finding the LoRA files', () => {
  it('names both layouts when none is there, and refuses .pt files and a shared adapter_config.json', async () => {
    const dir = tempDir();
    await expect(locateLora(dir, 'vae')).rejects.toThrow(/vae\.safetensors not found: .*or .*vae\/adapter_model\.safetensors/);
    writeJson(join(dir, 'vae.pt'), {});
    await expect(locateLora(dir, 'vae')).rejects.toThrow(/vae\.pt: only safetensors LoRA files are read/);
    await writeLoraFile(join(dir, 'transformer.safetensors'), loraTensors('transformer.', { 'blocks.0.attn.to_q': 2 }));
    writeJson(join(dir, 'adapter_config.json'), { r: 2, lora_alpha: 2 });
    await expect(locateLora(dir, 'transformer')).rejects.toThrow(/one adapter_config\.json cannot describe both LoRA files/);
  });
});
