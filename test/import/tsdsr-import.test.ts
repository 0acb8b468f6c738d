// `tsdsr models import` on a tiny synthetic download laid out like the real ones (SD3 in diffusers layout,
// TSD-SR LoRA and .pt embeddings; made by test/fixtures/sd3/make_fixtures.py), checked against diffusers' step.
import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { importTsdsr, ImportError } from '../../models/import/tsdsr.ts';
import { openUpscaler } from '../../models/runtime/node.ts';
import { gradientImage, maxDifference } from '../helpers/images.ts';
import { loadTensors, relativeError } from '../nets/helpers.ts';
import { makePng, pngInfo, startBridge, tempConfigDir, type RunningBridge } from '../bridge/helpers.ts';
import { main } from '../../bridge-server/src/cli/main.ts';
import type { CliIO } from '../../bridge-server/src/cli/io.ts';
import { parseLoraAlpha } from '../../bridge-server/src/cli/models.ts';
import { tempDir, writeJson, writeLoraFile, type FileTensor } from './lora-fixtures.ts';

const FIXTURES = 'test/fixtures/sd3';

/** CLI streams that collect what the test asks for and drop the rest. */
function quietIO(parts: Partial<Pick<CliIO, 'out' | 'err' | 'env'>>): CliIO {
  return { out: () => {}, err: () => {}, env: process.env, stderr: { isTTY: false, write: () => true } as unknown as CliIO['stderr'], ...parts };
}
const SOURCES = { sd3: `${FIXTURES}/tiny-sd3`, lora: `${FIXTURES}/tiny-tsdsr`, embeds: `${FIXTURES}/tiny-tsdsr` };
const temp = (): string => mkdtempSync(join(tmpdir(), 'tsdsr-import-'));

async function runGraph(path: string, input: { dims: readonly number[]; data: Float32Array }): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const session = await ort.InferenceSession.create(path);
  const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input.data, input.dims) });
  const t = out[session.outputNames[0]!]!;
  await session.release();
  return { dims: t.dims, data: t.data as Float32Array };
}

/** Runs the imported graphs as the reference step does and returns the errors against diffusers' tensors. */
async function stepErrors(dir: string, scaling: number): Promise<Record<string, number>> {
  const ref = await loadTensors('reference/tsdsr-step.safetensors');
  const mean = await runGraph(join(dir, 'encoder.onnx'), ref.get('image'));
  const latent = { dims: mean.dims, data: mean.data.map((v) => v * scaling) };
  const velocity = await runGraph(join(dir, 'denoiser.onnx'), latent);
  const denoised = { dims: latent.dims, data: latent.data.map((v, i) => (v - velocity.data[i]!) / scaling) };
  const decoded = await runGraph(join(dir, 'decoder.onnx'), denoised);
  const clamped = { dims: decoded.dims, data: decoded.data.map((v) => Math.min(1, Math.max(-1, v))) };
  return {
    latent: relativeError(latent, ref.get('latent')),
    velocity: relativeError(velocity, ref.get('velocity')),
    decoded: relativeError(clamped, ref.get('decoded')),
  };
}

/**
 * A --lora folder holding TSD-SR's VAE file and the fixture's transformer LoRA in peft's layout
 * (`transformer/adapter_model.safetensors`, `base_model.model.` keys) with lora_B × `bScale` (per module key) and this
 * adapter_config.json.
 */
async function peftTransformerLora(bScale: number | ((module: string) => number), config?: Record<string, unknown>): Promise<string> {
  const release = await loadTensors('tiny-tsdsr/transformer.safetensors');
  const tensors: Record<string, FileTensor> = {};
  for (const name of release.names) {
    const t = release.get(name);
    const module = name.replace(/^transformer\.(.+)\.lora_[AB]\.weight$/, '$1');
    const factor = typeof bScale === 'number' ? bScale : bScale(module);
    tensors[`base_model.model.${name.slice('transformer.'.length)}`] = name.includes('.lora_B.') ? { dims: t.dims, data: t.data.map((v) => v * factor) } : t;
  }
  const dir = tempDir();
  await writeLoraFile(join(dir, 'transformer', 'adapter_model.safetensors'), tensors);
  if (config) writeJson(join(dir, 'transformer', 'adapter_config.json'), { peft_type: 'LORA', ...config });
  copyFileSync(join(SOURCES.lora, 'vae.safetensors'), join(dir, 'vae.safetensors'));
  return dir;
}

describe('tsdsr models import', () => {
  const out = join(temp(), 'tsdsr');
  const imported = importTsdsr(SOURCES, { out });

  it('writes graphs whose step matches diffusers (LoRA merged, prompt and timestep baked in)', async () => {
    const manifest = await imported;
    expect(readdirSync(out).sort()).toEqual(['decoder.onnx', 'denoiser.onnx', 'encoder.onnx', 'model.json']);
    expect(manifest.kind).toBe('tsdsr');
    expect(manifest.latent).toMatchObject({ channels: 16, factor: 4, scalingFactor: 1.5305, timestep: 1000, cubicA: -0.75 });
    expect(manifest.provenance.encoder).toMatch(/posterior mean/);
    for (const [name, error] of Object.entries(await stepErrors(out, manifest.latent!.scalingFactor))) {
      expect(error, name).toBeLessThan(1e-4);
    }
  });

  it('stores weights as float16 on request, at about half the size, with close results', async () => {
    const half = join(temp(), 'half');
    const manifest = await importTsdsr(SOURCES, { out: half, fp16: true, id: 'tsdsr-half' });
    const errors = await stepErrors(half, manifest.latent!.scalingFactor);
    expect(errors.decoded).toBeLessThan(2e-2); // float16 weights: about 3 significant digits
    expect(errors.decoded).toBeGreaterThan(0);
  });

  it('writes weights as external data that the runtime loads, with the same result', async () => {
    const external = join(temp(), 'external');
    await importTsdsr(SOURCES, { out: external, externalData: 'always' });
    expect(readdirSync(external)).toContain('denoiser.onnx.data');
    const image = gradientImage(24, 20);
    const [a, b] = [await openUpscaler(external, 'cpu'), await openUpscaler(out, 'cpu')];
    await imported;
    expect(maxDifference(await a.upscale(image, { scale: 2 }), await b.upscale(image, { scale: 2 }))).toBe(0);
  });

  it('names the missing file when a download is incomplete', async () => {
    await expect(importTsdsr({ ...SOURCES, embeds: FIXTURES }, { out: join(temp(), 'x') })).rejects.toThrow(ImportError);
    await expect(importTsdsr({ ...SOURCES, embeds: FIXTURES }, { out: join(temp(), 'x') })).rejects.toThrow(/prompt_embeds\.pt not found/);
  });
});

describe('the LoRA scale of an imported adapter', () => {
  // The fixture LoRA was made at scale 1 (alpha = r = 4): dividing lora_B by the scale a config states must give diffusers' step again.
  const blockOne = (m: string) => m.startsWith('transformer_blocks.1.');
  const projections = (m: string) => m.endsWith('.proj') || m === 'proj';
  it.each([
    ['lora_alpha 8 at r 4', { r: 4, lora_alpha: 8 }, 0.5],
    ['use_rslora, lora_alpha 4 at r 4', { r: 4, lora_alpha: 4, use_rslora: true }, 0.5],
    ['alpha_pattern: 16 for block 1, then 8 for every proj, else lora_alpha 4', { r: 4, lora_alpha: 4, alpha_pattern: { '^transformer_blocks\\.1\\..*': 16, proj: 8 } },
      (m: string) => (blockOne(m) ? 1 / 4 : projections(m) ? 1 / 2 : 1)],
  ])('merges a peft adapter at its adapter_config.json scale (%s)', async (_, config, bScale) => {
    const out = join(temp(), 'peft');
    const manifest = await importTsdsr({ ...SOURCES, lora: await peftTransformerLora(bScale, config) }, { out });
    expect(manifest.provenance.loraScale).toMatchObject({ transformer: expect.stringMatching(/adapter_config\.json/), vae: expect.stringMatching(/scale 1 .*TSD-SR's release/) });
    for (const [name, error] of Object.entries(await stepErrors(out, manifest.latent!.scalingFactor))) expect(error, name).toBeLessThan(1e-4);
  });

  it('differs from the reference when the scale is wrong (the check above can fail)', async () => {
    const lora = await peftTransformerLora(0.5, { r: 4, lora_alpha: 4 });
    const out = join(temp(), 'wrong');
    const manifest = await importTsdsr({ ...SOURCES, lora }, { out });
    expect((await stepErrors(out, manifest.latent!.scalingFactor)).velocity).toBeGreaterThan(1e-3);
  });

  it('refuses an adapter without alpha, and imports it with --lora-alpha from the CLI', async () => {
    const lora = await peftTransformerLora(0.5);
    const args = ['models', 'import', '--sd3', SOURCES.sd3, '--lora', lora, '--embeds', SOURCES.embeds];
    const errors: string[] = [];
    expect(await main([...args, '--out', join(temp(), 'refused')], quietIO({ err: (s) => errors.push(s) }))).toBe(1);
    expect(errors.join('\n')).toMatch(/adapter_model\.safetensors: the LoRA alpha of 24 of 24 modules .* is not known.*Pass --lora-alpha <n>/s);
    const out = join(temp(), 'flagged');
    expect(await main([...args, '--out', out, '--lora-alpha', 'transformer=8'], quietIO({}))).toBe(0);
    for (const [name, error] of Object.entries(await stepErrors(out, 1.5305))) expect(error, name).toBeLessThan(1e-4);
  });

  it('parses --lora-alpha as a number or rank, for both files or one', () => {
    expect(parseLoraAlpha(['8'])).toEqual({ transformer: 8, vae: 8 });
    expect(parseLoraAlpha(['transformer=32', 'vae=rank'])).toEqual({ transformer: 32, vae: 'rank' });
    expect(parseLoraAlpha([])).toEqual({});
    for (const bad of [['0'], ['-4'], ['x'], [''], ['unet=4'], ['8', 'vae=2']]) expect(() => parseLoraAlpha(bad), bad.join(' ')).toThrow(/--lora-alpha/);
  });
});

describe('the imported model in the CLI and the bridge', () => {
  let bridge: RunningBridge | undefined;
  afterAll(async () => bridge?.app.close());

  it('imports through the CLI into the user models folder, and the bridge upscales with it', async () => {
    const { dir } = await tempConfigDir();
    const lines: string[] = [];
    const io = quietIO({ out: (s) => lines.push(s), env: { ...process.env, TSDSR_CONFIG_DIR: dir } });
    const code = await main(['models', 'import', '--sd3', SOURCES.sd3, '--lora', SOURCES.lora, '--embeds', SOURCES.embeds, '--id', 'tiny-tsdsr'], io);
    expect(code).toBe(0);
    expect(lines.join('\n')).toMatch(/imported tiny-tsdsr into .*models\/tiny-tsdsr/);
    bridge = await startBridge({ device: 'cpu' });
    const response = await fetch(`${bridge.httpUrl}/v1/upscale?model=tiny-tsdsr&scale=3`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bridge.token}`, 'content-type': 'image/png' },
      body: new Uint8Array(await makePng(20, 14)),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const info = await pngInfo(new Uint8Array(await response.arrayBuffer()));
    expect(info).toMatchObject({ width: 60, height: 42, hasAlpha: true });
  });

  it('refuses an import without its sources as a usage error', async () => {
    const errors: string[] = [];
    const code = await main(['models', 'import', '--sd3', SOURCES.sd3], quietIO({ err: (s) => errors.push(s) }));
    expect(code).toBe(2);
    expect(errors.join('\n')).toMatch(/--lora <dir>, --embeds <dir>/);
  });
});
