// The small denoiser: runs at several latent sizes, uses the timestep and the style, learned null style (CFG), LoRA as the SD3 pair takes it.
import { describe, expect, it } from 'vitest';
import { Graph } from '../../../models/graph/index.ts';
import {
  MapWeightSource, NULL_STYLE_KEY, SMALL_DENOISER_CONFIG, SMALL_DENOISER_LORA_TARGETS, initSmallDenoiser, loraFromWeights, loraInputSpec, mergeLora,
  smallDenoiser, smallDenoiserGraph, smallDenoiserMultiple, smallStudentDenoiserGraph, smallDenoiserWeightShapes, type WeightTensor,
} from '../../../models/nets/index.ts';
import { maxAbsDiff, randomFloats, runGraph, type Feed } from '../../graph/helpers.ts';
import { allFinite, feed, TINY_DENOISER } from './helpers.ts';

const config = SMALL_DENOISER_CONFIG;
const initial = initSmallDenoiser(config, 3);
const weights = new MapWeightSource(initial);
const graph = smallDenoiserGraph(weights, config);

/** Inputs for a batch of two: latents, timesteps and style vectors. */
function inputs(h: number, w: number, timestep = [1000, 1000], style = 0): Record<string, Feed> {
  return {
    hidden_states: feed([2, 16, h, w], randomFloats(2 * 16 * h * w, h * w)),
    timestep: feed([2], Float32Array.from(timestep)),
    condition: feed([2, config.styleEmbedDim], randomFloats(2 * config.styleEmbedDim, 11 + style)),
  };
}

const velocity = async (g: Graph, feeds: Record<string, Feed>): Promise<Float32Array> => (await runGraph(g, feeds)).sample!.data as Float32Array;

describe('small denoiser (default config)', () => {
  it.each([[8, 8], [12, 20]])('predicts a velocity shaped like a %i×%i latent from one symbolic graph', async (h, w) => {
    const out = (await runGraph(graph, inputs(h, w))).sample!;
    expect(out.dims).toEqual([2, 16, h, w]);
    expect(allFinite(out.data as Float32Array)).toBe(true);
  });

  it('uses the timestep and the style embedding', async () => {
    const base = await velocity(graph, inputs(8, 8));
    expect(maxAbsDiff(base, await velocity(graph, inputs(8, 8, [500, 1000])))).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(base, await velocity(graph, inputs(8, 8, [1000, 1000], 1)))).toBeGreaterThan(1e-3);
  });

  it('bakes the distilled timestep and a style into the runtime graph (input `latent`, output `velocity`, any batch)', async () => {
    const style = randomFloats(config.styleEmbedDim, 21);
    const student = smallStudentDenoiserGraph(weights, config, style);
    expect(student.inputs.map((v) => v.name)).toEqual(['latent']);
    const feeds = inputs(8, 12);
    const baked = (await runGraph(student, { latent: feeds.hidden_states! })).velocity!.data as Float32Array;
    const both = new Float32Array(2 * style.length);
    both.set(style, 0);
    both.set(style, style.length);
    expect(maxAbsDiff(baked, await velocity(graph, { ...feeds, condition: feed([2, config.styleEmbedDim], both) }))).toBeLessThan(1e-5);
  });

  it('needs latents in whole UNet cells', () => {
    expect(smallDenoiserMultiple(config)).toBe(4);
    expect(() => smallDenoiserGraph(weights, config, { height: 10, width: 8 })).toThrow(/multiple of 4/);
  });
});

describe('learned null style embedding', () => {
  it('is a weight, and style dropout replaces the condition by it', async () => {
    expect(smallDenoiserWeightShapes(config).get(NULL_STYLE_KEY)).toEqual([config.styleEmbedDim]);
    const g = new Graph('dropout');
    const [hiddenStates, timestep] = [g.input('hidden_states', 'float32', [2, 16, 8, 8]), g.input('timestep', 'float32', [2])];
    const [condition, dropCondition] = [g.input('condition', 'float32', [2, config.styleEmbedDim]), g.input('drop', 'float32', [2])];
    g.output(smallDenoiser(g, weights, config, { hiddenStates, timestep, condition, dropCondition }), 'sample');
    expect(g.initializers.map((v) => v.name)).toContain(NULL_STYLE_KEY);
    const feeds = inputs(8, 8);
    const dropped = await velocity(g, { ...feeds, drop: feed([2], Float32Array.from([1, 1])) });
    const nulls = new Float32Array(2 * config.styleEmbedDim);
    nulls.set(initial.get(NULL_STYLE_KEY)!.data, 0);
    nulls.set(initial.get(NULL_STYLE_KEY)!.data, config.styleEmbedDim);
    expect(maxAbsDiff(dropped, await velocity(graph, { ...feeds, condition: feed([2, config.styleEmbedDim], nulls) }))).toBeLessThan(1e-5);
    expect(maxAbsDiff(await velocity(g, { ...feeds, drop: feed([2], Float32Array.from([0, 0])) }), await velocity(graph, feeds))).toBeLessThan(1e-5);
  });
});

describe('LoRA on the small denoiser', () => {
  it('takes LoRA branches as graph inputs by module key, agreeing with the merged weights', async () => {
    const tiny = new MapWeightSource(initSmallDenoiser(TINY_DENOISER, 5));
    const spec = loraInputSpec(SMALL_DENOISER_LORA_TARGETS, 2);
    const g = smallDenoiserGraph(tiny, TINY_DENOISER, { batch: 2, height: 8, width: 8 }, { loraInputs: spec });
    const loraInputs = g.inputs.filter((v) => v.name.includes('.lora_'));
    expect(loraInputs.map((v) => v.name)).toContain('down_blocks.0.resnets.0.conv1.lora_A.weight');
    expect(loraInputs.map((v) => v.name)).toContain('up_blocks.0.upsamplers.0.conv.lora_B.weight');
    const factors = new Map<string, WeightTensor>(loraInputs.map((v, i) => {
      const dims = v.shape as number[];
      return [v.name, { dims, data: randomFloats(dims.reduce((p, d) => p * d, 1), 100 + i).map((x) => 0.1 * x) }];
    }));
    const base = { ...inputs(8, 8), condition: feed([2, TINY_DENOISER.styleEmbedDim], randomFloats(2 * TINY_DENOISER.styleEmbedDim, 4)) };
    const withBranches = await velocity(g, { ...base, ...Object.fromEntries([...factors].map(([k, t]) => [k, { dims: [...t.dims], data: t.data }])) });
    const merged = mergeLora(tiny, loraFromWeights(new MapWeightSource(factors)));
    const mergedOut = await velocity(smallDenoiserGraph(merged, TINY_DENOISER), base);
    expect(maxAbsDiff(withBranches, mergedOut)).toBeLessThan(1e-4);
    expect(maxAbsDiff(mergedOut, await velocity(smallDenoiserGraph(tiny, TINY_DENOISER), base))).toBeGreaterThan(1e-3);
  });
});
