// The small family differentiates end to end (every weight gets a gradient) and a few AdamW steps reduce the tiny VAE's reconstruction loss.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Graph, addTrainStep, gradients, mul, reduceMean, serializeModel, sub, type Value } from '../../../models/graph/index.ts';
import {
  MapWeightSource, initSmallDenoiser, initSmallVae, sampleLatent, smallDenoiser, smallVaeDecoder, smallVaeEncoder, smallVaeEncoderMoments,
  type WeightTensor,
} from '../../../models/nets/index.ts';
import { randomFloats, runGraph, type Feed } from '../../graph/helpers.ts';
import { allFinite, feed, maxAbs, TINY_DENOISER, TINY_VAE, weightFeeds } from './helpers.ts';

const asInput = { asInput: () => true };
const mse = (g: Graph, a: Value, b: Value): Value => {
  const d = sub(g, a, b);
  return reduceMean(g, mul(g, d, d), { keepdims: false });
};

/** Adds every weight gradient as an output `grad:<key>`, runs the graph, and returns the gradients by key. */
async function weightGradients(g: Graph, loss: Value, weights: Map<string, WeightTensor>, feeds: Record<string, Feed>): Promise<Map<string, Float32Array>> {
  const params = g.inputs.filter((v) => weights.has(v.name));
  expect(params.map((v) => v.name).sort()).toEqual([...weights.keys()].sort());
  gradients(g, loss, params).forEach((d, i) => g.output(d, `grad:${params[i]!.name}`));
  const out = await runGraph(g, { ...feeds, ...weightFeeds(weights) });
  return new Map(params.map((p) => [p.name, out[`grad:${p.name}`]!.data as Float32Array]));
}

function expectAllNonZeroAndFinite(grads: Map<string, Float32Array>): void {
  const dead = [...grads].filter(([, d]) => !allFinite(d) || maxAbs(d) === 0).map(([k]) => k);
  expect(dead).toEqual([]);
}

describe('gradients through the small family', () => {
  it('reach every VAE weight (encoder moments → sampled latent → decoder → MSE)', async () => {
    const weights = initSmallVae(TINY_VAE, 1);
    const source = new MapWeightSource(weights);
    const g = new Graph('vae_grad');
    const [image, noise] = [g.input('image', 'float32', [2, 3, 16, 16]), g.input('noise', 'float32', [2, 16, 2, 2])];
    const latent = sampleLatent(g, smallVaeEncoderMoments(g, source, TINY_VAE, image, asInput), noise);
    const loss = mse(g, smallVaeDecoder(g, source, TINY_VAE, latent, asInput), image);
    const feeds = { image: feed([2, 3, 16, 16], randomFloats(2 * 3 * 16 * 16, 2)), noise: feed([2, 16, 2, 2], randomFloats(2 * 16 * 4, 3)) };
    expectAllNonZeroAndFinite(await weightGradients(g, loss, weights, feeds));
  });

  it('reach every denoiser weight, the null style embedding included (flow-matching MSE with style dropout)', async () => {
    const weights = initSmallDenoiser(TINY_DENOISER, 1);
    const g = new Graph('denoiser_grad');
    const hiddenStates = g.input('hidden_states', 'float32', [2, 16, 4, 4]);
    const [timestep, condition] = [g.input('timestep', 'float32', [2]), g.input('condition', 'float32', [2, TINY_DENOISER.styleEmbedDim])];
    const [dropCondition, target] = [g.input('drop', 'float32', [2]), g.input('target', 'float32', [2, 16, 4, 4])];
    const v = smallDenoiser(g, new MapWeightSource(weights), TINY_DENOISER, { hiddenStates, timestep, condition, dropCondition }, asInput);
    const feeds = {
      hidden_states: feed([2, 16, 4, 4], randomFloats(2 * 16 * 16, 4)), timestep: feed([2], Float32Array.from([250, 900])),
      condition: feed([2, TINY_DENOISER.styleEmbedDim], randomFloats(2 * TINY_DENOISER.styleEmbedDim, 5)),
      drop: feed([2], Float32Array.from([1, 0])), target: feed([2, 16, 4, 4], randomFloats(2 * 16 * 16, 6)),
    };
    expectAllNonZeroAndFinite(await weightGradients(g, mse(g, v, target), weights, feeds));
  });
});

describe('training the tiny VAE', () => {
  it('a few AdamW steps reduce the MSE reconstruction loss on a fixed batch', async () => {
    const weights = initSmallVae(TINY_VAE, 4);
    const source = new MapWeightSource(weights);
    const g = new Graph('vae_train');
    const image = g.input('image', 'float32', [2, 3, 16, 16]);
    const loss = mse(g, smallVaeDecoder(g, source, TINY_VAE, smallVaeEncoder(g, source, TINY_VAE, image, asInput), asInput), image);
    const sig = addTrainStep(g, loss, g.inputs.filter((v) => weights.has(v.name)), { weightDecay: 1e-4, maxGradNorm: 1 });
    const session = await ort.InferenceSession.create(serializeModel(g));
    const tensor = (t: WeightTensor): ort.Tensor => new ort.Tensor('float32', t.data, [...t.dims]);
    const state = new Map(sig.parameters.flatMap((s) => {
      const w = weights.get(s.param)!;
      return [[s.param, w], [s.m, { dims: w.dims, data: new Float32Array(w.data.length) }], [s.v, { dims: w.dims, data: new Float32Array(w.data.length) }]];
    }));
    const batch = tensor({ dims: [2, 3, 16, 16], data: randomFloats(2 * 3 * 16 * 16, 9).map((x) => 0.5 * x) });
    const losses: number[] = [];
    for (let step = 1; step <= 8; step++) {
      const feeds: Record<string, ort.Tensor> = { image: batch, [sig.step]: new ort.Tensor('float32', Float32Array.of(step), []), [sig.learningRate]: new ort.Tensor('float32', Float32Array.of(3e-3), []) };
      for (const [name, t] of state) feeds[name] = tensor(t);
      const out = await session.run(feeds);
      losses.push((out[sig.loss]!.data as Float32Array)[0]!);
      for (const s of sig.parameters) for (const [from, to] of [[s.newParam, s.param], [s.newM, s.m], [s.newV, s.v]] as const) state.set(to, { dims: out[from]!.dims as number[], data: out[from]!.data as Float32Array });
    }
    await session.release();
    console.log(`tiny VAE reconstruction MSE over 8 AdamW steps: ${losses.map((l) => l.toFixed(4)).join(' → ')}`);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(0.8 * losses[0]!);
  });
});
