// The TSD stage's adversarial training on tiny networks: the discriminator session learns a separable toy, the
// student graph is unchanged without it, and with it the student's loss holds λ·adv while D's weights stay D's own.
import { describe, expect, it } from 'vitest';
import { serializeModel } from '../../../models/graph/index.ts';
import { initSmallDenoiser, initSmallVae, type PatchDiscriminatorConfig } from '../../../models/nets/index.ts';
import { Rng, type TrainingBatch } from '../../../trainer/src/data/index.ts';
import { smallFamily } from '../../../trainer/src/loop/family.ts';
import { createDiscriminator, DISCRIMINATOR_PREFIX, initDiscriminatorWeights, type DiscriminatorStep } from '../../../trainer/src/loop/stages/discriminator.ts';
import { createTsdStage, type TsdStageOptions } from '../../../trainer/src/loop/stages/tsd.ts';
import { buildStudentGraph, type ImageCritic } from '../../../trainer/src/loop/stages/tsd-graphs.ts';
import { WeightFeeds } from '../../../trainer/src/loop/weight-feeds.ts';
import { l1SsimLoss } from '../../../trainer/src/tsd/index.ts';
import { TINY_DENOISER, TINY_VAE } from './fixtures.ts';

const TINY_D: PatchDiscriminatorConfig = { widths: [4, 8], negativeSlope: 0.2 };
const constantLr = (base: number) => ({ base, warmupSteps: 0, totalSteps: 1e9, cycles: 1 });

/** A tiny γ = 0 TSD stage's options (32 px crops, batch 2). */
function tinyOptions(adversarialWeight: number, featureMatchingWeight = 0): TsdStageOptions {
  return {
    featureMatchingWeight,
    family: smallFamily({ vae: TINY_VAE, denoiser: TINY_DENOISER }), vae: initSmallVae(TINY_VAE, 1), teacher: initSmallDenoiser(TINY_DENOISER, 2),
    scalingFactor: 1, batch: 2, hrSizePx: 32, scale: 4, studentTimestep: 1000, outputGate: false, fullFineTune: false, encoderLora: true,
    loraRank: 2, dasmSteps: 2, guidanceScale: 7.5, regulariserWeight: 0, adversarialWeight, discriminator: TINY_D, discriminatorLr: constantLr(1e-3),
    perceptual: (g, x, y) => l1SsimLoss(g, x, y), style: 'poster', studentLr: constantLr(1e-3), regLr: constantLr(1e-4), seed: 4,
  };
}

/** A batch of smooth random images, HR and its 4× smaller LR (not a downscale: the losses only need values in [0, 1]). */
function tinyBatch(seed: number): TrainingBatch {
  const rng = new Rng(seed);
  const values = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.next());
  return { size: 2, hr: values(2 * 3 * 32 * 32), lr: values(2 * 3 * 8 * 8), hrSizePx: 32, lrSizePx: 8, captions: ['', ''], styles: ['poster', 'poster'], positions: [] };
}

describe('discriminator session', () => {
  it('learns to tell constant images (real) from noise (fake): its loss falls and the logits part', async () => {
    const d = await createDiscriminator({ config: TINY_D, batch: 2, sizePx: 16, lr: constantLr(3e-3) }, new Rng(9));
    const rng = new Rng(10);
    const real = new Float32Array(2 * 3 * 16 * 16).fill(0.8);
    const losses: number[] = [];
    let last: DiscriminatorStep | undefined;
    for (let k = 1; k <= 40; k++) {
      const noise = Float32Array.from({ length: real.length }, () => 2 * rng.next() - 1);
      last = await d.step(real, noise, k);
      losses.push(last.loss);
    }
    await d.session.dispose();
    expect(losses[0]).toBeCloseTo(2 * Math.LN2, 0); // chance at the start
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]!);
    expect(last!.realLogit).toBeGreaterThan(last!.fakeLogit);
  }, 60_000);
});

describe('student graph', () => {
  it('is byte-identical with adversarialWeight 0 (given a discriminator or not) and then has no discriminator inputs', () => {
    const o = tinyOptions(0);
    const critic: ImageCritic = () => {
      throw new Error('the critic must not be called at weight 0');
    };
    const plain = buildStudentGraph({ ...o, adversarialWeight: undefined }, new WeightFeeds(), new Map());
    const zero = buildStudentGraph(o, new WeightFeeds(), new Map(), critic);
    const bytes = (b: typeof plain): Buffer => {
      for (const [name, v] of Object.entries({ loss: b.loss, ...b.extras })) b.g.output(v, name);
      return Buffer.from(serializeModel(b.g));
    };
    expect(bytes(zero).equals(bytes(plain))).toBe(true);
    expect(zero.g.inputs.map((v) => v.name).filter((n) => n.startsWith('disc'))).toEqual([]);
    expect(Object.keys(zero.extras)).not.toContain('adversarial_loss');
  });

  it('reads the discriminator through weight inputs of its own (disc0.…) when adversarialWeight > 0', async () => {
    const d = await createDiscriminator({ config: TINY_D, batch: 2, sizePx: 32, lr: constantLr(1e-3) }, new Rng(9));
    const feeds = new WeightFeeds();
    const built = buildStudentGraph(tinyOptions(0.1), feeds, new Map(), d.frozenCritic(feeds));
    const names = built.g.inputs.map((v) => v.name).filter((n) => n.startsWith('disc'));
    expect(names.sort()).toEqual([...d.session.parameters().keys()].map((k) => `disc0.${k.slice(DISCRIMINATOR_PREFIX.length)}`).sort());
    expect(Object.keys(feeds.feedsFor(names)).sort()).toEqual(names); // fed from the discriminator, not trained here
    expect(Object.keys(built.extras)).toContain('adversarial_loss');
    await d.session.dispose();
  });
});

describe('discriminator from given weights', () => {
  it('starts from them (an earlier run\'s), and refuses weights of another shape, naming the tensor', async () => {
    const given = initDiscriminatorWeights(TINY_D, new Rng(21));
    const d = await createDiscriminator({ config: TINY_D, batch: 2, sizePx: 16, lr: constantLr(1e-3), initial: given }, new Rng(9));
    for (const [key, t] of given) expect(Array.from(d.session.parameters().get(`${DISCRIMINATOR_PREFIX}${key}`)!.data)).toEqual(Array.from(t.data));
    await d.session.dispose();
    const wide = initDiscriminatorWeights({ ...TINY_D, widths: [4, 16] }, new Rng(21));
    await expect(createDiscriminator({ config: TINY_D, batch: 2, sizePx: 16, lr: constantLr(1e-3), initial: wide }, new Rng(9)))
      .rejects.toThrow(/down_blocks\.0\.conv\.weight is 16×4×4×4, this run's 8×4×4×4/);
  }, 60_000);
});

describe('TSD stage with adversarialWeight > 0', () => {
  it('adds λ·adv to the student loss, trains D in its own session, and the student session never holds D weights', async () => {
    const lambda = 0.5;
    const stage = await createTsdStage(tinyOptions(lambda));
    expect(stage.sessions.map((s) => s.name)).toEqual(['student', 'disc']);
    const [student, disc] = stage.sessions as [typeof stage.sessions[0], typeof stage.sessions[0]];
    expect([...student.state.keys()].filter((n) => n.includes('disc'))).toEqual([]);
    const before = new Map([...disc.parameters()].map(([k, t]) => [k, Float32Array.from(t.data)]));
    const r1 = await stage.step(tinyBatch(1), new Rng(2), 1);
    expect(Object.keys(r1.losses)).toEqual(expect.arrayContaining(['adv', 'disc', 'perceptual', 'latent_mse']));
    expect(r1.losses.loss).toBeCloseTo(r1.losses.perceptual! + r1.losses.latent_mse! + lambda * r1.losses.adv!, 5);
    expect(r1.learningRates).toEqual({ student: 1e-3, disc: 1e-3 });
    const changed = [...disc.parameters()].filter(([k, t]) => !Buffer.from(t.data.buffer).equals(Buffer.from(before.get(k)!.buffer)));
    expect(changed.length).toBeGreaterThan(0); // the discriminator's own step moved it
    expect([...disc.parameters().keys()].every((k) => k.startsWith(DISCRIMINATOR_PREFIX))).toBe(true);
    for (const s of stage.sessions) await s.dispose();
  }, 60_000);

  it('adds μ·feature matching with featureMatchingWeight μ, and refuses it without an adversarial weight', async () => {
    const [lambda, mu] = [0.5, 3];
    const stage = await createTsdStage(tinyOptions(lambda, mu));
    const r = await stage.step(tinyBatch(5), new Rng(2), 1);
    expect(r.losses.fm).toBeGreaterThan(0);
    expect(r.losses.loss).toBeCloseTo(r.losses.perceptual! + r.losses.latent_mse! + lambda * r.losses.adv! + mu * r.losses.fm!, 5);
    for (const s of stage.sessions) await s.dispose();
    expect(() => buildStudentGraph(tinyOptions(0, mu), new WeightFeeds(), new Map())).toThrow(/feature matching reads the discriminator/);
  }, 60_000);

  it('adds ν·gradient variance with gradientVarianceWeight ν, with or without a discriminator, and logs it as gv', async () => {
    const nu = 4;
    const plain = await createTsdStage(tinyOptions(0));
    const withGv = await createTsdStage({ ...tinyOptions(0), gradientVarianceWeight: nu });
    const [p, r] = [await plain.step(tinyBatch(5), new Rng(2), 1), await withGv.step(tinyBatch(5), new Rng(2), 1)];
    expect(p.losses.gv).toBeUndefined();
    expect(r.losses.gv).toBeGreaterThan(0);
    expect(r.losses.perceptual).toBeCloseTo(p.losses.perceptual!, 6); // the same first step; only the total gains the term
    expect(r.losses.loss).toBeCloseTo(r.losses.perceptual! + r.losses.latent_mse! + nu * r.losses.gv!, 5);
    for (const s of [...plain.sessions, ...withGv.sessions]) await s.dispose();
    const adversarial = await createTsdStage({ ...tinyOptions(0.5), gradientVarianceWeight: nu });
    const a = await adversarial.step(tinyBatch(5), new Rng(2), 1);
    expect(a.losses.loss).toBeCloseTo(a.losses.perceptual! + a.losses.latent_mse! + 0.5 * a.losses.adv! + nu * a.losses.gv!, 5);
    for (const s of adversarial.sessions) await s.dispose();
  }, 60_000);

  it('judges the student by the discriminator as trained up to the previous iteration', async () => {
    const stage = await createTsdStage({ ...tinyOptions(0.5), studentLr: constantLr(0) }); // a student that stays put
    const batch = tinyBatch(3);
    const [r1, r2] = [await stage.step(batch, new Rng(2), 1), await stage.step(batch, new Rng(2), 2)];
    expect(r2.losses.perceptual).toBe(r1.losses.perceptual); // the same image, so
    expect(r2.losses.adv).not.toBe(r1.losses.adv); // only the discriminator's step in between moved the adversarial term
    for (const s of stage.sessions) await s.dispose();
  }, 60_000);
});
