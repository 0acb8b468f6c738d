// SD3 MMDiT graph against diffusers' SD3Transformer2DModel output (fixtures from test/fixtures/sd3/make_fixtures.py).
import { describe, expect, it } from 'vitest';
import { mmditConfigFromDiffusers, mmditGraph, sinCosPositionTable } from '../../models/nets/index.ts';
import { loadConfig, loadTensors, relativeError, runFirst } from './helpers.ts';

describe('SD3Transformer2DModel (tiny: 2 layers, 2 heads of 8, 4×3 patches)', () => {
  it('matches diffusers at two timesteps with a batch of two', async () => {
    const [json, weights, ref] = await Promise.all([loadConfig('tiny-sd3/transformer'), loadTensors('tiny-sd3/transformer/diffusion_pytorch_model.safetensors'), loadTensors('reference/mmdit.safetensors')]);
    const config = mmditConfigFromDiffusers(json);
    const [, , height, width] = ref.get('hidden_states').dims as number[];
    const g = mmditGraph(weights, config, { height: height as number, width: width as number });
    const out = await runFirst(g, {
      hidden_states: ref.get('hidden_states'), timestep: ref.get('timestep'),
      encoder_hidden_states: ref.get('encoder_hidden_states'), pooled_projections: ref.get('pooled_projections'),
    });
    const error = relativeError(out, ref.get('sample'));
    console.log(`mmdit: max relative error ${error.toExponential(2)}`);
    expect(error).toBeLessThan(1e-4);
  });

  it('matches diffusers with a symbolic latent size (position table cropped at run time)', async () => {
    const [json, weights, ref] = await Promise.all([loadConfig('tiny-sd3/transformer'), loadTensors('tiny-sd3/transformer/diffusion_pytorch_model.safetensors'), loadTensors('reference/mmdit.safetensors')]);
    const g = mmditGraph(weights, mmditConfigFromDiffusers(json), {});
    expect(g.inputs[0]!.shape.slice(2)).toEqual(['H', 'W']);
    const out = await runFirst(g, {
      hidden_states: ref.get('hidden_states'), timestep: ref.get('timestep'),
      encoder_hidden_states: ref.get('encoder_hidden_states'), pooled_projections: ref.get('pooled_projections'),
    });
    expect(out.dims).toEqual(ref.get('sample').dims);
    expect(relativeError(out, ref.get('sample'))).toBeLessThan(1e-4);
  });

  it('computes the same position table as the checkpoint stores', async () => {
    const [json, weights] = await Promise.all([loadConfig('tiny-sd3/transformer'), loadTensors('tiny-sd3/transformer/diffusion_pytorch_model.safetensors')]);
    const config = mmditConfigFromDiffusers(json);
    const stored = weights.get('pos_embed.pos_embed');
    const computed = sinCosPositionTable(stored.dims[2] as number, config.posEmbedMaxSize, config.sampleSize / config.patchSize);
    expect(relativeError({ dims: stored.dims, data: computed }, stored)).toBeLessThan(1e-6);
  });
});
