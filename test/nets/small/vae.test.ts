// The small VAE: builds and runs with onnxruntime at several sizes, round-trip shapes, moments, weight names and initialisation.
import { describe, expect, it } from 'vitest';
import { Graph } from '../../../models/graph/index.ts';
import {
  MapWeightSource, SMALL_VAE_CONFIG, SMALL_VAE_ENCODER_LORA_TARGETS, loraInputSpec, initSmallVae, smallVaeDecoderGraph, smallVaeEncoderGraph, smallVaeEncoderMoments, smallVaeLatentFactor,
  smallVaeWeightShapes,
} from '../../../models/nets/index.ts';
import { maxAbsDiff, randomFloats, runGraph } from '../../graph/helpers.ts';
import { allFinite, feed, TINY_VAE } from './helpers.ts';

const config = SMALL_VAE_CONFIG;
const weights = new MapWeightSource(initSmallVae(config, 7));

describe('small VAE (default config)', () => {
  it('has 16 latent channels at factor 8, like SD3', () => {
    expect(config.latentChannels).toBe(16);
    expect(smallVaeLatentFactor(config)).toBe(8);
  });

  it.each([[64, 64], [48, 96]])('encodes and decodes a %i×%i image with one symbolic graph each (round-trip shapes)', async (h, w) => {
    const image = feed([2, 3, h, w], randomFloats(2 * 3 * h * w, h + w));
    const latent = (await runGraph(smallVaeEncoderGraph(weights, config), { image })).latent!;
    expect(latent.dims).toEqual([2, 16, h / 8, w / 8]);
    expect(allFinite(latent.data as Float32Array)).toBe(true);
    const decoded = (await runGraph(smallVaeDecoderGraph(weights, config), { latent: feed([...latent.dims], latent.data as Float32Array) })).image!;
    expect(decoded.dims).toEqual([2, 3, h, w]);
    expect(allFinite(decoded.data as Float32Array)).toBe(true);
  });

  it('gives the posterior mean (the inference encoder) and a log-variance of the same shape', async () => {
    const g = new Graph('moments');
    const image = g.input('image', 'float32', [1, 3, 32, 32]);
    const moments = smallVaeEncoderMoments(g, weights, config, image);
    g.output(moments.mean, 'mean');
    g.output(moments.logVariance, 'log_variance');
    const x = feed([1, 3, 32, 32], randomFloats(3 * 32 * 32, 3));
    const out = await runGraph(g, { image: x });
    const mean = (await runGraph(smallVaeEncoderGraph(weights, config), { image: x })).latent!;
    expect(out.log_variance!.dims).toEqual([1, 16, 4, 4]);
    expect(maxAbsDiff(out.mean!.data as Float32Array, mean.data as Float32Array)).toBeLessThan(1e-5);
  });

  it('takes the student\'s encoder LoRA as graph inputs (zero B: the base encoder)', async () => {
    const g = smallVaeEncoderGraph(weights, config, {}, { loraInputs: loraInputSpec(SMALL_VAE_ENCODER_LORA_TARGETS, 4) });
    const lora = g.inputs.filter((v) => v.name.includes('.lora_'));
    expect(lora.map((v) => v.name)).toContain('encoder.down_blocks.0.downsamplers.0.conv.lora_A.weight');
    expect(lora.every((v) => v.name.startsWith('encoder.'))).toBe(true);
    const x = feed([1, 3, 32, 32], randomFloats(3 * 32 * 32, 5));
    const factors = Object.fromEntries(lora.map((v) => {
      const dims = v.shape as number[];
      const n = dims.reduce((p, d) => p * d, 1);
      return [v.name, feed(dims, v.name.includes('lora_A') ? randomFloats(n, n) : new Float32Array(n))];
    }));
    const withLora = (await runGraph(g, { image: x, ...factors })).latent!;
    const base = (await runGraph(smallVaeEncoderGraph(weights, config), { image: x })).latent!;
    expect(maxAbsDiff(withLora.data as Float32Array, base.data as Float32Array)).toBeLessThan(1e-5);
  });

  it('refuses a static image size that is not a multiple of the latent factor', () => {
    expect(() => smallVaeEncoderGraph(weights, config, { height: 60, width: 64 })).toThrow(/multiple of the latent factor 8/);
  });
});

describe('small VAE weights', () => {
  it('are named as diffusers names AutoencoderKL weights, and the graphs use exactly them', () => {
    const names = new Set(smallVaeWeightShapes(config).keys());
    for (const key of ['encoder.conv_in.weight', 'encoder.down_blocks.0.resnets.0.norm1.weight', 'encoder.down_blocks.0.downsamplers.0.conv.weight',
      'encoder.mid_block.resnets.0.conv2.bias', 'encoder.conv_out.weight', 'decoder.conv_in.weight', 'decoder.up_blocks.0.upsamplers.0.conv.weight',
      'decoder.conv_norm_out.weight', 'decoder.conv_out.weight']) expect(names, key).toContain(key);
    const used = [smallVaeEncoderGraph(weights, config), smallVaeDecoderGraph(weights, config)].flatMap((g) => g.initializers.map((v) => v.name))
      .filter((n) => names.has(n));
    expect(new Set(used)).toEqual(names);
  });

  it('heavy convolutions run at a quarter of the image size or less (stem and head by space/depth rearrangement)', () => {
    const g = smallVaeDecoderGraph(weights, config, { batch: 1, height: 8, width: 8 });
    const convSizes = g.nodes.filter((n) => n.opType === 'Conv').map((n) => n.outputs[0]!.shape[2] as number);
    expect(Math.max(...convSizes)).toBe(16);
    expect(g.nodes.at(-1)!.opType).toBe('DepthToSpace');
  });

  it('are initialised deterministically from the seed (Kaiming-style convs, unit norms, zero biases)', () => {
    const [a, b, c] = [initSmallVae(TINY_VAE, 1), initSmallVae(TINY_VAE, 1), initSmallVae(TINY_VAE, 2)];
    const key = 'encoder.down_blocks.0.resnets.0.conv1.weight';
    expect(a.get(key)!.data).toEqual(b.get(key)!.data);
    expect(a.get(key)!.data).not.toEqual(c.get(key)!.data);
    const w = a.get(key)!;
    const fanIn = w.dims.slice(1).reduce((p, d) => p * d, 1);
    const variance = w.data.reduce((s, x) => s + x * x, 0) / w.data.length;
    expect(variance * fanIn).toBeGreaterThan(1.5);
    expect(variance * fanIn).toBeLessThan(2.5);
    expect([...a.get('decoder.conv_norm_out.weight')!.data].every((x) => x === 1)).toBe(true);
    expect([...a.get('decoder.conv_out.bias')!.data].every((x) => x === 0)).toBe(true);
  });
});
