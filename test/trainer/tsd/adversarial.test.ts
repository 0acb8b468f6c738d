// The GAN losses and the patch discriminator: softplus against Math, the losses by hand, the adversarial
// term's gradient through the discriminator into its image against finite differences (onnxruntime-node).
import { describe, expect, it } from 'vitest';
import { Graph, gradients } from '../../../models/graph/index.ts';
import { patchDiscriminator, patchDiscriminatorWeightShapes, MapWeightSource, type PatchDiscriminatorConfig } from '../../../models/nets/index.ts';
import { Rng } from '../../../trainer/src/data/index.ts';
import { initDiscriminatorWeights } from '../../../trainer/src/loop/stages/discriminator.ts';
import { discriminatorLoss, generatorAdversarialLoss, softplus } from '../../../trainer/src/tsd/index.ts';
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
