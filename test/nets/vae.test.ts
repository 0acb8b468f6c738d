// SD3 VAE graphs against diffusers' AutoencoderKL outputs (fixtures from test/fixtures/sd3/make_fixtures.py).
import { describe, expect, it } from 'vitest';
import { vaeConfigFromDiffusers, vaeDecoderGraph, vaeEncoderGraph } from '../../models/nets/index.ts';
import { loadConfig, loadTensors, relativeError, runFirst } from './helpers.ts';

const TOLERANCE = 1e-4;

describe.each([
  { name: 'vae', note: 'SD3 layout: 16 latent channels, no quant convs' },
  { name: 'vae-quant', note: 'with quant_conv and post_quant_conv' },
])('AutoencoderKL $name ($note)', ({ name }) => {
  it('encoder gives the posterior mean', async () => {
    const [config, weights, ref] = await Promise.all([loadConfig(`tiny-sd3/${name}`), loadTensors(`tiny-sd3/${name}/diffusion_pytorch_model.safetensors`), loadTensors(`reference/${name}.safetensors`)]);
    const out = await runFirst(vaeEncoderGraph(weights, vaeConfigFromDiffusers(config)), { image: ref.get('image') });
    const error = relativeError(out, ref.get('mean'));
    console.log(`${name} encoder: max relative error ${error.toExponential(2)}`);
    expect(error).toBeLessThan(TOLERANCE);
  });

  it('decoder gives the image', async () => {
    const [config, weights, ref] = await Promise.all([loadConfig(`tiny-sd3/${name}`), loadTensors(`tiny-sd3/${name}/diffusion_pytorch_model.safetensors`), loadTensors(`reference/${name}.safetensors`)]);
    const out = await runFirst(vaeDecoderGraph(weights, vaeConfigFromDiffusers(config)), { latent: ref.get('latent') });
    const error = relativeError(out, ref.get('decoded'));
    console.log(`${name} decoder: max relative error ${error.toExponential(2)}`);
    expect(error).toBeLessThan(TOLERANCE);
  });
});
