// The GAN losses and the patch discriminator: softplus against Math, the losses by hand, the adversarial
// term's and feature matching's gradients through the discriminator into its image against finite differences
// (onnxruntime-node).
import { describe, expect, it } from 'vitest';
import { concat, Graph, gradients, split, type Value } from '../../../models/graph/index.ts';
import { patchDiscriminator, patchDiscriminatorFeatures, patchDiscriminatorWeightShapes, MapWeightSource, type PatchDiscriminatorConfig } from '../../../models/nets/index.ts';
import { Rng } from '../../../trainer/src/data/index.ts';
import { initDiscriminatorWeights } from '../../../trainer/src/loop/stages/discriminator.ts';
import { discriminatorLoss, featureMatchingLoss, generatorAdversarialLoss, softplus } from '../../../trainer/src/tsd/index.ts';
import { runGraph, uniformValues } from './run-graph.ts';

const TINY_D: PatchDiscriminatorConfig = { widths: [4, 8], negativeSlope: 0.2 };

describe('softplus', () => {
  it('is log(1 + eˣ) without overflow at large |x|', async () => {
    const g = new Graph('softplus');
    const x = g.input('x', 'float32', [7]);
    g.output(softplus(g, x), 'y');
    const xs = [-100, -20, -1.5, 0, 0.75, 20, 100];
    const out = await runGraph(g, { x: { dims: [7], data: xs } });
    out.y!.forEach((y, i) => expect(y).toBeCloseTo(Math.max(xs[i]!, 0) + Math.log1p(Math.exp(-Math.abs(xs[i]!))), 5));
  });
});

describe('non-saturating logistic GAN losses', () => {
  it('give softplus(−real) + softplus(fake) for D and softplus(−fake) for the generator, as means', async () => {
    const g = new Graph('gan');
    const [real, fake] = [g.input('real', 'float32', [1, 1, 1, 2]), g.input('fake', 'float32', [1, 1, 1, 2])];
    g.output(discriminatorLoss(g, real, fake), 'd');
    g.output(generatorAdversarialLoss(g, fake), 'gen');
    const out = await runGraph(g, { real: { dims: [1, 1, 1, 2], data: [2, -1] }, fake: { dims: [1, 1, 1, 2], data: [0.5, -3] } });
    const sp = (x: number): number => Math.log1p(Math.exp(x));
    expect(out.d![0]).toBeCloseTo((sp(-2) + sp(1)) / 2 + (sp(0.5) + sp(-3)) / 2, 5);
    expect(out.gen![0]).toBeCloseTo((sp(-0.5) + sp(3)) / 2, 5);
  });
});

describe('patch discriminator', () => {
  it('maps [N, 3, 16, 16] to [N, 1, 8, 8] logits with one stride-2 block', () => {
    const g = new Graph('d');
    const weights = initDiscriminatorWeights(TINY_D, new Rng(1));
    expect([...patchDiscriminatorWeightShapes(TINY_D).keys()]).toEqual(['conv_in.weight', 'conv_in.bias', 'down_blocks.0.conv.weight', 'down_blocks.0.conv.bias', 'conv_out.weight', 'conv_out.bias']);
    const logits = patchDiscriminator(g, new MapWeightSource(weights), TINY_D, g.input('x', 'float32', [2, 3, 16, 16]));
    expect(logits.shape).toEqual([2, 1, 8, 8]);
  });

  // slope 1 makes the net smooth (affine), so central differences are exact to float32 rounding; slope 0.2 adds
  // LeakyReLU's kinks, which a finite step crosses, so it gets a looser bound
  it.each([[1, 1e-2, 0.001], [0.2, 3e-4, 0.03]])('passes the gradient of mean softplus(−D(x)) to its image as finite differences say (slope %s)', async (slope, eps, tolerance) => {
    const config: PatchDiscriminatorConfig = { ...TINY_D, negativeSlope: slope };
    const dims = [2, 3, 16, 16];
    const n = dims.reduce((p, d) => p * d, 1);
    const g = new Graph('adv_grad');
    const x = g.input('x', 'float32', dims);
    const weights = initDiscriminatorWeights(config, new Rng(5));
    const loss = generatorAdversarialLoss(g, patchDiscriminator(g, new MapWeightSource(weights), config, x));
    const [dx] = gradients(g, loss, [x]);
    g.output(loss, 'loss');
    g.output(dx!, 'dx');
    const image = uniformValues(n, 11).map((v) => 0.5 + 0.4 * v);
    const direction = uniformValues(n, 12);
    const at = async (t: number): Promise<{ loss: number; dx: number[] }> => {
      const out = await runGraph(g, { x: { dims, data: image.map((v, i) => v + t * direction[i]!) } });
      return { loss: out.loss![0]!, dx: out.dx! };
    };
    const numeric = ((await at(eps)).loss - (await at(-eps)).loss) / (2 * eps);
    const analytic = (await at(0)).dx.reduce((s, d, i) => s + d * direction[i]!, 0);
    expect(Math.abs(analytic)).toBeGreaterThan(1e-3); // the check is not vacuous
    expect(Math.abs(numeric - analytic)).toBeLessThan(tolerance * Math.abs(analytic));
  });
});

describe('feature matching', () => {
  it('gives every hidden activation, then the logits that patchDiscriminator returns', async () => {
    const weights = new MapWeightSource(initDiscriminatorWeights(TINY_D, new Rng(3)));
    const feed = { x: { dims: [1, 3, 16, 16], data: uniformValues(768, 4).map((v) => 0.5 + 0.5 * v) } };
    const g = new Graph('features');
    const features = patchDiscriminatorFeatures(g, weights, TINY_D, g.input('x', 'float32', [1, 3, 16, 16]));
    expect(features.map((f) => f.shape)).toEqual([[1, 4, 16, 16], [1, 8, 8, 8], [1, 1, 8, 8]]);
    features.forEach((f, i) => g.output(f, `f${i}`));
    const out = await runGraph(g, feed);
    const h = new Graph('logits');
    h.output(patchDiscriminator(h, weights, TINY_D, h.input('x', 'float32', [1, 3, 16, 16])), 'logits');
    expect(out.f2).toEqual((await runGraph(h, feed)).logits);
    // conv_in's LeakyReLU(0.2): negative values are a fifth of their pre-activation, so some are negative, none below −0.2·max
    expect(Math.min(...out.f0!)).toBeLessThan(0);
  });

  it('is the mean over layers of mean |fake − real|, by hand', async () => {
    const g = new Graph('fm');
    const [a, b, c, d] = [g.input('a', 'float32', [1, 2]), g.input('b', 'float32', [1, 2]), g.input('c', 'float32', [1, 3]), g.input('d', 'float32', [1, 3])];
    g.output(featureMatchingLoss(g, [a, c], [b, d]), 'fm');
    const out = await runGraph(g, {
      a: { dims: [1, 2], data: [1, -2] }, b: { dims: [1, 2], data: [0.5, 1] }, c: { dims: [1, 3], data: [0, 0, 3] }, d: { dims: [1, 3], data: [1, -1, 3] },
    });
    expect(out.fm![0]).toBeCloseTo(((0.5 + 3) / 2 + (1 + 1 + 0) / 3) / 2, 6);
    expect(() => featureMatchingLoss(g, [a], [b, d])).toThrow(/1 fake and 2 real/);
  });

  // the student's image and the HR go through the discriminator in one batch, as the student graph does; the
  // gradient reaches the student's half only (the HR side is held fixed). |·| has a kink wherever a feature equals
  // the HR's, which a finite step can cross even in the affine net (slope 1), so both get a small step and a 3 % bound
  it.each([[1, 2e-4, 0.03], [0.2, 2e-4, 0.03]])('passes its gradient to the student\'s image as finite differences say, none to the HR (slope %s)', async (slope, eps, tolerance) => {
    const config: PatchDiscriminatorConfig = { ...TINY_D, negativeSlope: slope };
    const dims = [2, 3, 16, 16];
    const n = dims.reduce((p, d) => p * d, 1);
    const g = new Graph('fm_grad');
    const [x, hr] = [g.input('x', 'float32', dims), g.input('hr', 'float32', dims)];
    const weights = new MapWeightSource(initDiscriminatorWeights(config, new Rng(6)));
    const halves = patchDiscriminatorFeatures(g, weights, config, concat(g, [x, hr], 0)).slice(0, -1).map((f) => split(g, f, [2, 2], 0) as [Value, Value]);
    const loss = featureMatchingLoss(g, halves.map(([fake]) => fake), halves.map(([, real]) => real));
    const [dx, dhr] = gradients(g, loss, [x, hr]) as [Value, Value | undefined];
    g.output(loss, 'loss');
    g.output(dx, 'dx');
    if (dhr) g.output(dhr, 'dhr');
    const image = uniformValues(n, 13).map((v) => 0.5 + 0.4 * v);
    const target = uniformValues(n, 14).map((v) => 0.5 + 0.4 * v);
    const direction = uniformValues(n, 15);
    const at = async (t: number): Promise<{ loss: number; dx: number[]; dhr?: number[] }> => {
      const out = await runGraph(g, { x: { dims, data: image.map((v, i) => v + t * direction[i]!) }, hr: { dims, data: target } });
      return { loss: out.loss![0]!, dx: out.dx!, dhr: out.dhr };
    };
    const numeric = ((await at(eps)).loss - (await at(-eps)).loss) / (2 * eps);
    const centre = await at(0);
    const analytic = centre.dx.reduce((s, d, i) => s + d * direction[i]!, 0);
    expect(Math.abs(analytic)).toBeGreaterThan(1e-3); // the check is not vacuous
    expect(Math.abs(numeric - analytic)).toBeLessThan(tolerance * Math.abs(analytic));
    expect((centre.dhr ?? [0]).every((v) => v === 0)).toBe(true);
  });
});
