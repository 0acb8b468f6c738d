// The fast preset: a pixel-shuffle-skip VAE that starts as the exact space-to-depth, its refusals, its cost, and the
// student denoiser graph's σ-scaled velocity for a timestep below 1000.
import { describe, expect, it } from 'vitest';
import {
  FAST_DENOISER_CONFIG, FAST_VAE_CONFIG, MapWeightSource, initSmallDenoiser, initSmallVae, smallDenoiserGraph, smallStudentDenoiserGraph,
  smallVaeDecoderGraph, smallVaeEncoderGraph, smallVaeLatentFactor, studentFlops,
} from '../../../models/nets/index.ts';
import { Graph } from '../../../models/graph/index.ts';
import { groupNorm } from '../../../models/nets/internal/layers.ts';
import { Params } from '../../../models/nets/internal/params.ts';
import { normSpec } from '../../../models/nets/small/blocks.ts';
import { maxAbsDiff, randomFloats, runGraph } from '../../graph/helpers.ts';
import { feed } from './helpers.ts';

const vae = FAST_VAE_CONFIG;
const weights = new MapWeightSource(initSmallVae(vae, 3));

/** SpaceToDepth(4) in plain TypeScript, DCR order: channel (by·4 + bx)·3 + c. */
function spaceToDepth(x: Float32Array, h: number, w: number, b = 4): Float32Array {
  const out = new Float32Array(x.length);
  const [hh, ww] = [h / b, w / b];
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let i = 0; i < w; i++) {
    const ch = ((y % b) * b + (i % b)) * 3 + c;
    out[(ch * hh + Math.floor(y / b)) * ww + Math.floor(i / b)] = x[(c * h + y) * w + i] as number;
  }
  return out;
}

describe('fast preset', () => {
  it('has 48 latent channels at factor 4 (lossless room for the pixels)', () => {
    expect([vae.latentChannels, smallVaeLatentFactor(vae)]).toEqual([48, 4]);
  });

  it('untrained, encodes to exactly SpaceToDepth(image) and decodes back to the image', async () => {
    const x = randomFloats(3 * 32 * 24, 11);
    const latent = (await runGraph(smallVaeEncoderGraph(weights, vae), { image: feed([1, 3, 32, 24], x) })).latent!;
    expect(latent.dims).toEqual([1, 48, 8, 6]);
    expect(maxAbsDiff(latent.data as Float32Array, spaceToDepth(x, 32, 24))).toBeLessThan(1e-6);
    const back = (await runGraph(smallVaeDecoderGraph(weights, vae), { latent: feed([1, 48, 8, 6], latent.data as Float32Array) })).image!;
    expect(maxAbsDiff(back.data as Float32Array, x)).toBeLessThan(1e-6);
  });

  it('starts with a small posterior spread (log-variance −10)', () => {
    const bias = initSmallVae(vae).get('encoder.conv_out.bias')!.data;
    expect(Array.from(bias.subarray(0, 48)).every((v) => v === 0)).toBe(true);
    expect(Array.from(bias.subarray(48)).every((v) => v === -10)).toBe(true);
  });

  it('refuses a pixel-shuffle skip the latent cannot hold', () => {
    expect(() => smallVaeEncoderGraph(weights, { ...vae, latentChannels: 16 })).toThrow(/needs 48 latent channels/);
    expect(() => smallVaeDecoderGraph(weights, { ...vae, encoderChannels: [8, 8] })).toThrow(/exactly one encoder and one decoder level/);
  });

  it('costs about 14 GFLOP per output megapixel (encoder + denoiser + decoder)', () => {
    const f = studentFlops(vae, FAST_DENOISER_CONFIG, 256);
    expect(f.gflopsPerMegapixel).toBeGreaterThan(13);
    expect(f.gflopsPerMegapixel).toBeLessThan(15);
  });

  it('scales the student velocity by t/1000 when the timestep is below 1000', async () => {
    const den = FAST_DENOISER_CONFIG;
    const w = new MapWeightSource(initSmallDenoiser(den, 5));
    const style = randomFloats(den.styleEmbedDim, 2);
    const latent = feed([1, 48, 8, 8], randomFloats(48 * 64, 9));
    const student = (await runGraph(smallStudentDenoiserGraph(w, den, style, 250), { latent })).velocity!;
    const full = (await runGraph(smallDenoiserGraph(w, den), { hidden_states: latent, timestep: feed([1], Float32Array.of(250)), condition: feed([1, den.styleEmbedDim], style) })).sample!;
    expect(maxAbsDiff(student.data as Float32Array, (full.data as Float32Array).map((v) => 0.25 * v))).toBeLessThan(1e-5);
  });

  it('normalises a nearly flat group gently (GroupNorm epsilon 0.1 from the config), not into full-scale noise', async () => {
    const eps = normSpec(FAST_DENOISER_CONFIG).eps;
    expect(eps).toBe(0.1);
    const x = Float32Array.from({ length: 16 * 64 }, (_, i) => 0.3 + 1e-3 * Math.sin(i * 12.9898));
    const spread = async (epsilon: number): Promise<number> => {
      const g = new Graph('gn');
      const weights = new MapWeightSource(new Map([
        ['n.weight', { dims: [16], data: new Float32Array(16).fill(1) }], ['n.bias', { dims: [16], data: new Float32Array(16) }],
      ]));
      g.output(groupNorm(new Params(g, weights), 'n', g.input('x', 'float32', [1, 16, 8, 8]), 8, epsilon), 'y');
      const y = (await runGraph(g, { x: feed([1, 16, 8, 8], x) })).y!.data as Float32Array;
      return Math.max(...y) - Math.min(...y);
    };
    expect(await spread(eps)).toBeLessThan(0.02); // the 2e-3 ripple stays a ripple
    expect(await spread(1e-6)).toBeGreaterThan(1); // diffusers' 1e-6 turns it into ±1 patterns
  });
});
