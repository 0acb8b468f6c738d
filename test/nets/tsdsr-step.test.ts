// The whole TSD-SR step with LoRA on the VAE encoder and the transformer, against diffusers modules with peft-style
// unmerged LoRA (fixtures from test/fixtures/sd3/make_fixtures.py): encode → × scaling → transformer at t = 1000 → z − v → ÷ scaling → decode.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTorchTensor } from '../../models/io/index.ts';
import {
  loraFromWeights, mergeLora, mmditConfigFromDiffusers, mmditGraph, vaeConfigFromDiffusers, vaeDecoderGraph, vaeEncoderGraph,
  type WeightTensor,
} from '../../models/nets/index.ts';
import { FIXTURES, loadConfig, loadTensors, relativeError, runFirst } from './helpers.ts';

const map = (t: WeightTensor, f: (v: number, i: number) => number): WeightTensor => ({ dims: t.dims, data: t.data.map(f) });

async function loadStep() {
  const [vaeJson, mmditJson, vaeBase, mmditBase, vaeLora, mmditLora, ref] = await Promise.all([
    loadConfig('tiny-sd3/vae'), loadConfig('tiny-sd3/transformer'),
    loadTensors('tiny-sd3/vae/diffusion_pytorch_model.safetensors'), loadTensors('tiny-sd3/transformer/diffusion_pytorch_model.safetensors'),
    loadTensors('tiny-tsdsr/vae.safetensors'), loadTensors('tiny-tsdsr/transformer.safetensors'), loadTensors('reference/tsdsr-step.safetensors'),
  ]);
  return {
    vae: vaeConfigFromDiffusers(vaeJson), transformer: mmditConfigFromDiffusers(mmditJson), vaeBase, ref,
    encoderWeights: mergeLora(vaeBase, loraFromWeights(vaeLora)), transformerWeights: mergeLora(mmditBase, loraFromWeights(mmditLora)),
  };
}

describe('TSD-SR step (tiny SD3 + TSD-SR-layout LoRA)', () => {
  it('matches the reference latent, velocity and decoded image', async () => {
    const s = await loadStep();
    const prompt = await readTorchTensor(join(FIXTURES, 'tiny-tsdsr/prompt_embeds.pt'));
    const pooled = await readTorchTensor(join(FIXTURES, 'tiny-tsdsr/pool_embeds.pt'));
    const scaling = s.vae.scalingFactor;
    const mean = await runFirst(vaeEncoderGraph(s.encoderWeights, s.vae), { image: s.ref.get('image') });
    const latent = map(mean, (v) => v * scaling);
    const [, , height, width] = latent.dims as number[];
    const velocity = await runFirst(mmditGraph(s.transformerWeights, s.transformer, { height: height as number, width: width as number }), {
      hidden_states: latent, timestep: { dims: [1], data: Float32Array.of(1000) },
      encoder_hidden_states: { dims: prompt.shape, data: prompt.data }, pooled_projections: { dims: pooled.shape, data: pooled.data },
    });
    const denoised = map(latent, (v, i) => (v - (velocity.data[i] as number)) / scaling);
    const decoded = map(await runFirst(vaeDecoderGraph(s.vaeBase, s.vae), { latent: denoised }), (v) => Math.min(1, Math.max(-1, v)));
    const errors = { latent: relativeError(latent, s.ref.get('latent')), velocity: relativeError(velocity, s.ref.get('velocity')), decoded: relativeError(decoded, s.ref.get('decoded')) };
    console.log(`tsdsr step: max relative errors ${JSON.stringify(Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, v.toExponential(2)])))}`);
    for (const e of Object.values(errors)) expect(e).toBeLessThan(1e-4);
  });
});
