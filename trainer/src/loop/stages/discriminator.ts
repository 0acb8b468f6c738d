/**
 * The discriminator of the TSD stage's adversarial loss: its initial weights, its training step (real = HR crops,
 * fake = the student's decoded images of the same iteration, non-saturating logistic loss) and the frozen copy of
 * its current weights that the student graph reads as inputs.
 */
import { concat, Graph, reduceMean, split, type Value } from '../../../../models/graph/index.ts';
import {
  MapWeightSource, patchDiscriminatorFeatures, patchDiscriminatorWeightShapes, type BuildOptions, type PatchDiscriminatorConfig, type WeightTensor,
} from '../../../../models/nets/index.ts';
import type { DeviceChoice } from '../../../../models/runtime/index.ts';
import type { Rng } from '../../data/index.ts';
import { discriminatorLoss } from '../../tsd/index.ts';
import { learningRateAt, type LrScheduleOptions } from '../lr-schedule.ts';
import { TrainSession, type FloatTensor, type OptimiserOptions } from '../train-session.ts';
import type { WeightFeeds } from '../weight-feeds.ts';
import type { ImageCritic } from './tsd-graphs.ts';

/** Prefix of the discriminator session's parameter inputs (`disc.conv_in.weight`, …), and of its checkpoint tensors' session. */
export const DISCRIMINATOR_PREFIX = 'disc.';

/** The discriminator's default peak learning rate (Real-ESRGAN's, for its discriminator and generator alike). */
export const DISCRIMINATOR_LR = 1e-4;

/** Real-ESRGAN's Adam betas for its discriminator (0.9, 0.99), no weight decay; clipping at global norm 1 as every session. */
export const DISCRIMINATOR_OPTIMISER: Readonly<Partial<OptimiserOptions>> = Object.freeze({ beta1: 0.9, beta2: 0.99, weightDecay: 0 });

/**
 * Initial weights: biases 0, conv weights N(0, gain²/fan_in) with gain 1 for conv_in (fed by the image) and the
 * LeakyReLU Kaiming gain √(2 / (1 + slope²)) for the layers after an activation.
 */
export function initDiscriminatorWeights(config: PatchDiscriminatorConfig, rng: Rng): Map<string, WeightTensor> {
  const out = new Map<string, WeightTensor>();
  const leakyGain = Math.sqrt(2 / (1 + config.negativeSlope ** 2));
  for (const [key, dims] of patchDiscriminatorWeightShapes(config)) {
    const size = dims.reduce((p, d) => p * d, 1);
    if (key.endsWith('.bias')) {
      out.set(key, { dims, data: new Float32Array(size) });
      continue;
    }
    const std = (key.startsWith('conv_in.') ? 1 : leakyGain) / Math.sqrt(size / (dims[0] as number));
    out.set(key, { dims, data: Float32Array.from({ length: size }, () => std * rng.normal()) });
  }
  return out;
}

/** What the discriminator is built from. */
export interface DiscriminatorOptions {
  config: PatchDiscriminatorConfig;
  batch: number;
  /** Side of the (square) images it judges. */
  sizePx: number;
  lr: LrScheduleOptions;
  device?: DeviceChoice;
  /** Weights to start from (keys without the session prefix, e.g. an earlier run's discriminator) instead of fresh ones. */
  initial?: ReadonlyMap<string, WeightTensor>;
}

/** A copy of `given` checked against the config's weight shapes (every key present, none extra, sizes equal). */
function checkedDiscriminatorWeights(config: PatchDiscriminatorConfig, given: ReadonlyMap<string, WeightTensor>): Map<string, WeightTensor> {
  const shapes = patchDiscriminatorWeightShapes(config);
  const extra = [...given.keys()].filter((k) => !shapes.has(k));
  if (extra.length > 0) throw new Error(`initial discriminator: ${extra.join(', ')} not in a discriminator of widths ${config.widths.join('-')}`);
  const out = new Map<string, WeightTensor>();
  for (const [key, dims] of shapes) {
    const t = given.get(key);
    if (!t) throw new Error(`initial discriminator: ${key} is missing (widths ${config.widths.join('-')})`);
    if (t.dims.join('×') !== dims.join('×')) throw new Error(`initial discriminator: ${key} is ${t.dims.join('×')}, this run's ${dims.join('×')}`);
    out.set(key, { dims, data: Float32Array.from(t.data) });
  }
  return out;
}

/** The discriminator's activations of images in [0, 1], logits last, with its weights as graph inputs under `prefix`. */
export function discriminatorFeatures(g: Graph, config: PatchDiscriminatorConfig, weights: ReadonlyMap<string, WeightTensor>, images: Value, prefix: string): Value[] {
  const options: BuildOptions = { namePrefix: prefix, asInput: () => true };
  return patchDiscriminatorFeatures(g, new MapWeightSource(weights), config, images, options);
}

/** The discriminator's step graph: inputs `real` and `fake` [B, 3, S, S] in [0, 1], judged in one pass of 2B images. */
export function buildDiscriminatorGraph(o: DiscriminatorOptions, weights: ReadonlyMap<string, WeightTensor>): { g: Graph; loss: Value; extras: Record<string, Value> } {
  const g = new Graph('tsd_discriminator');
  const dims = [o.batch, 3, o.sizePx, o.sizePx];
  const [real, fake] = [g.input('real', 'float32', dims), g.input('fake', 'float32', dims)];
  const logits = discriminatorFeatures(g, o.config, weights, concat(g, [real, fake], 0), DISCRIMINATOR_PREFIX).at(-1) as Value;
  const [realLogits, fakeLogits] = split(g, logits, [o.batch, o.batch], 0) as [Value, Value];
  const mean = (v: Value): Value => reduceMean(g, v, { keepdims: false });
  return { g, loss: discriminatorLoss(g, realLogits, fakeLogits), extras: { real_logit: mean(realLogits), fake_logit: mean(fakeLogits) } };
}

/** One discriminator step's report: its loss, learning rate and mean logits of the real and fake images. */
export interface DiscriminatorStep {
  loss: number;
  lr: number;
  realLogit: number;
  fakeLogit: number;
}

/** A trained discriminator and the frozen view of it the student graph is fed. */
export interface Discriminator {
  readonly session: TrainSession;
  /** The discriminator for another graph (the student's): its weights become inputs bound in `feeds`, fed, never trained there. */
  frozenCritic(feeds: WeightFeeds): ImageCritic;
  /** Copies the session's current parameters into the bound weights (call before each student step, and after a restore). */
  refreshFrozen(): void;
  /** One step on real images (planar [0, 1]) and the student's decoded images (in [−1, 1], clamped here). */
  step(real: Float32Array, decoded: Float32Array, k: number): Promise<DiscriminatorStep>;
}

/** Builds the discriminator's session from `o.initial`, or from fresh weights drawn from `rng`. */
export async function createDiscriminator(o: DiscriminatorOptions, rng: Rng): Promise<Discriminator> {
  const initial = o.initial ? checkedDiscriminatorWeights(o.config, o.initial) : initDiscriminatorWeights(o.config, rng);
  const built = buildDiscriminatorGraph(o, initial);
  const params = new Map([...initial].map(([key, t]) => [`${DISCRIMINATOR_PREFIX}${key}`, t] as const));
  const session = await TrainSession.create({ name: 'disc', graph: built.g, loss: built.loss, extras: built.extras, params, optimiser: DISCRIMINATOR_OPTIMISER, device: o.device });
  const frozen = new Map<string, WeightTensor>(initial);
  const dims = [o.batch, 3, o.sizePx, o.sizePx];
  return {
    session,
    frozenCritic: (feeds) => (g, images) => discriminatorFeatures(g, o.config, frozen, images, feeds.bind('disc', frozen)),
    refreshFrozen: () => {
      for (const [name, t] of session.parameters()) frozen.set(name.slice(DISCRIMINATOR_PREFIX.length), { dims: t.dims, data: t.data });
    },
    step: async (real, decoded, k) => {
      const lr = learningRateAt(o.lr, k);
      const fake: FloatTensor = { dims, data: decoded.map((x) => Math.min(1, Math.max(0, 0.5 * x + 0.5))) };
      const r = await session.run({ real: { dims, data: real }, fake }, k, lr);
      const scalar = (name: string): number => (r.outputs[name] as FloatTensor).data[0] as number;
      return { loss: r.loss, lr, realLogit: scalar('real_logit'), fakeLogit: scalar('fake_logit') };
    },
  };
}
