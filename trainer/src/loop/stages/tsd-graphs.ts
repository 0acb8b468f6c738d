/** The two graphs of a TSD iteration: the student's step (data loss + γ·TSD regulariser with DASM and CFG) and the reg model's step. */
import { add, concat, Graph, mul, resize, split, stopGradient, sub, tensor, type Value } from '../../../../models/graph/index.ts';
import { loraInputSpec, MapWeightSource, type WeightTensor } from '../../../../models/nets/index.ts';
import {
  dataLoss, declareDasmInputs, featureMatchingLoss, generatorAdversarialLoss, gradientVarianceLoss, regModelLoss, toUnitRange, tsdLoss, tsdRegulariserTarget, type Denoiser, type PerceptualTerm,
} from '../../tsd/index.ts';
import type { LatentFamily } from '../family.ts';
import type { WeightFeeds } from '../weight-feeds.ts';

/** What the TSD graphs are built from. */
export interface TsdGraphOptions {
  family: LatentFamily;
  vae: Map<string, WeightTensor>;
  teacher: Map<string, WeightTensor>;
  scalingFactor: number;
  batch: number;
  /** HR crop side; the LR side is hrSizePx / scale. */
  hrSizePx: number;
  /** 1 when the data loader already upsampled the LR to the HR size (mixed scales); the graph then skips its Resize. */
  scale: number;
  /** The student's timestep t_s on the 0..1000 scale: ẑ = z_L − (t_s / 1000) · v(z_L, t_s). TSD-SR's is 1000. */
  studentTimestep: number;
  /**
   * A trainable per-channel gate on the student's velocity (input `student_gate` [1, C, 1, 1], starting at 0), so
   * the student starts from its input latent — the bicubic upsample under a pixel-shuffle-skip VAE — and learns a
   * residual, instead of from whatever the teacher predicts for a blurred image. Folded into conv_out at export.
   */
  outputGate: boolean;
  /**
   * Train every weight of the student's denoiser (inputs `student.<key>`), starting from the teacher's with conv_out
   * zeroed, so the student begins as exactly its input latent; instead of a LoRA on the frozen teacher.
   */
  fullFineTune: boolean;
  /** Adapt the student's VAE encoder with LoRA too (TSD-SR does); off keeps the encoder frozen, so every change goes through the gate. */
  encoderLora: boolean;
  loraRank: number;
  dasmSteps: number;
  guidanceScale: number;
  /** γ: weight of the TSD regulariser in the student's loss. */
  regulariserWeight: number;
  /** Weight of the adversarial term mean softplus(−D(x̂)) in the student's loss; 0 or absent: none (no discriminator inputs). */
  adversarialWeight?: number;
  /**
   * Weight of feature matching through the same discriminator (mean over its hidden layers of mean |D_l(x̂) − D_l(x_H)|,
   * pix2pixHD's): a perceptual distance the run learns itself. Needs adversarialWeight > 0 (the discriminator trains
   * only then); 0 or absent: none.
   */
  featureMatchingWeight?: number;
  /**
   * Weight of the gradient variance loss (`tsd/gradient-variance.ts`, Abrahamyan et al. 2022) between x̂ and x_H: a
   * hand-crafted perceptual term that charges a student for flattening the target's edges and texture; 0 or absent: none.
   */
  gradientVarianceWeight?: number;
  perceptual: PerceptualTerm;
}

/** The small family's condition: a style vector and an optional per-sample switch to the learned null style. */
export interface StyleCondition {
  condition: Value;
  drop?: Value;
}

/** Latent dims of a batch. */
export const tsdLatentDims = (o: TsdGraphOptions): number[] => {
  const h = o.hrSizePx / o.family.latentFactor;
  return [o.batch, o.family.latentChannels, h, h];
};

/** A frozen denoiser evaluated through weight inputs bound under a fresh prefix per call (optionally with a LoRA). */
function boundDenoiser(o: TsdGraphOptions, feeds: WeightFeeds, role: string, lora?: Map<string, WeightTensor>): Denoiser<StyleCondition> {
  const source = new MapWeightSource(o.teacher);
  const loraInputs = lora ? loraInputSpec(o.family.denoiserLoraTargets, o.loraRank) : undefined;
  return (g, latent, timestep, c) => o.family.denoiser(g, source, { hiddenStates: latent, timestep, condition: c.condition, dropCondition: c.drop }, {
    asInput: () => true, loraInputs, namePrefix: lora ? feeds.bind(role, o.teacher, lora) : feeds.bind(role, o.teacher),
  });
}

/** The student's forward: ẑ = z_L − σ_s · v(z_L, t_s, style) with z_L = E_θ(bicubic(x_L))·scale and σ_s = t_s / 1000. */
function studentLatent(g: Graph, o: TsdGraphOptions, lr: Value, condition: Value): Value {
  const up = o.scale === 1 ? lr : resize(g, lr, { mode: 'cubic', sizes: [o.batch, 3, o.hrSizePx, o.hrSizePx], cubicCoeffA: -0.75, coordinateTransformationMode: 'half_pixel' });
  const vae = new MapWeightSource(o.vae);
  const encoderOptions = o.encoderLora ? { namePrefix: 'student_vae.', loraInputs: loraInputSpec(o.family.encoderLoraTargets, o.loraRank) } : { namePrefix: 'student_vae.' };
  const zL = mul(g, o.family.encoder(g, vae, up, encoderOptions), o.scalingFactor);
  const timestep = g.constant(tensor('float32', [1], Float32Array.of(o.studentTimestep)));
  const v = o.family.denoiser(g, new MapWeightSource(o.teacher), { hiddenStates: zL, timestep, condition }, o.fullFineTune
    ? { namePrefix: STUDENT_PREFIX, asInput: () => true }
    : { namePrefix: STUDENT_PREFIX, loraInputs: loraInputSpec(o.family.denoiserLoraTargets, o.loraRank) });
  const step = o.studentTimestep === 1000 ? v : mul(g, v, o.studentTimestep / 1000);
  return sub(g, zL, o.outputGate ? mul(g, step, g.input(STUDENT_GATE, 'float32', [1, o.family.latentChannels, 1, 1])) : step);
}

/** Prefix of the student denoiser's graph inputs (LoRA factors, or every weight under fullFineTune). */
export const STUDENT_PREFIX = 'student.';

/** Name of the student's output gate input (see TsdGraphOptions.outputGate). */
export const STUDENT_GATE = 'student_gate';

/**
 * A discriminator whose weights are inputs of the graph being built (fed, not trained in it), on images in [0, 1]:
 * its hidden activations, then its per-patch logits last.
 */
export type ImageCritic = (g: Graph, images: Value) => Value[];

/** The adversarial term (and feature matching) of the student's images, judged by `critic`, or nothing when λ is 0. */
function adversarialTerms(g: Graph, o: TsdGraphOptions, critic: ImageCritic | undefined, image: Value, imageHigh: Value): { loss: Value; extras: Record<string, Value> } | undefined {
  const adversarialWeight = o.adversarialWeight ?? 0;
  const matchingWeight = o.featureMatchingWeight ?? 0;
  if (adversarialWeight <= 0) {
    if (matchingWeight > 0) throw new Error('feature matching reads the discriminator, which trains only with an adversarial weight above 0');
    return undefined;
  }
  if (!critic) throw new Error('an adversarial weight needs the discriminator to judge the student\'s images');
  if (matchingWeight <= 0) {
    const adversarial = generatorAdversarialLoss(g, critic(g, image).at(-1) as Value);
    return { loss: mul(g, adversarial, adversarialWeight), extras: { adversarial_loss: adversarial } };
  }
  // one pass over the student's and the HR images, so both are read through the same bound weights
  const halves = critic(g, concat(g, [image, imageHigh], 0)).map((f) => split(g, f, [o.batch, o.batch], 0) as [Value, Value]);
  const adversarial = generatorAdversarialLoss(g, (halves.at(-1) as [Value, Value])[0]);
  const hidden = halves.slice(0, -1);
  const matching = featureMatchingLoss(g, hidden.map(([fake]) => fake), hidden.map(([, real]) => real));
  return {
    loss: add(g, mul(g, adversarial, adversarialWeight), mul(g, matching, matchingWeight)),
    extras: { adversarial_loss: adversarial, feature_matching_loss: matching },
  };
}

/**
 * The student step's graph: loss = perceptual(x̂, x_H) + MSE(ẑ, z_H) [+ λ·softplus(−D(x̂)) when adversarialWeight λ > 0]
 * [+ μ·FM(x̂, x_H) when featureMatchingWeight μ > 0] [+ ν·GV(x̂, x_H) when gradientVarianceWeight ν > 0]
 * [+ γ·TSD(ẑ) when γ > 0]; outputs to fetch by name.
 */
export function buildStudentGraph(o: TsdGraphOptions, feeds: WeightFeeds, regLora: Map<string, WeightTensor>, critic?: ImageCritic): { g: Graph; loss: Value; extras: Record<string, Value> } {
  const g = new Graph('tsd_student');
  const lrSize = o.hrSizePx / o.scale;
  const lr = g.input('lr', 'float32', [o.batch, 3, lrSize, lrSize]);
  const hr = g.input('hr', 'float32', [o.batch, 3, o.hrSizePx, o.hrSizePx]);
  const condition = g.input('condition', 'float32', [o.batch, o.family.styleDim]);
  const zHat = studentLatent(g, o, lr, condition);
  const vae = new MapWeightSource(o.vae);
  const zHigh = mul(g, o.family.encoder(g, vae, hr, { namePrefix: 'frozen_vae.' }), o.scalingFactor);
  const image = o.family.decoder(g, vae, mul(g, zHat, 1 / o.scalingFactor), { namePrefix: 'decoder.' });
  const unitImage = toUnitRange(g, image);
  const unitHigh = toUnitRange(g, hr);
  const data = dataLoss(g, { zHat, zHigh, image: unitImage, imageHigh: unitHigh, perceptual: o.perceptual });
  let extras: Record<string, Value> = { z_hat: zHat, student_image: image, data_loss: data.total, perceptual_loss: data.perceptual, latent_mse: data.mse };
  let loss = data.total;
  if ((o.gradientVarianceWeight ?? 0) > 0) {
    const gv = gradientVarianceLoss(g, unitImage, stopGradient(g, unitHigh));
    loss = add(g, loss, mul(g, gv, o.gradientVarianceWeight as number));
    extras = { ...extras, gradient_variance_loss: gv };
  }
  const adversarial = adversarialTerms(g, o, critic, unitImage, unitHigh);
  if (adversarial) {
    loss = add(g, loss, adversarial.loss);
    extras = { ...extras, ...adversarial.extras };
  }
  if (o.regulariserWeight === 0) return { g, loss, extras }; // no teacher, reg model, noise or DASM inputs
  const noise = g.input('noise', 'float32', tsdLatentDims(o));
  const ones = g.constant(tensor('float32', [o.batch], new Float32Array(o.batch).fill(1)));
  const target = tsdRegulariserTarget<StyleCondition>(g, {
    zHat, zHigh, noise, steps: declareDasmInputs(g, o.dasmSteps),
    teacher: boundDenoiser(o, feeds, 'teacher'), reg: boundDenoiser(o, feeds, 'reg', regLora),
    guidance: { condition: { condition }, nullCondition: { condition, drop: ones }, scale: o.guidanceScale },
  });
  const tsd = tsdLoss(g, zHat, target.grad);
  return { g, loss: add(g, loss, mul(g, tsd, o.regulariserWeight)), extras: { ...extras, tsd_loss: tsd } };
}

/** The reg model's step graph: its LoRA (inputs `reg.<module>.lora_[AB].weight`) trained by flow matching on stopgrad(ẑ). */
export function buildRegGraph(o: TsdGraphOptions): { g: Graph; loss: Value } {
  const g = new Graph('tsd_reg');
  const zHat = g.input('z_hat', 'float32', tsdLatentDims(o));
  const noise = g.input('noise', 'float32', tsdLatentDims(o));
  const [sigma, timestep, weight] = [g.input('sigma', 'float32', [1]), g.input('timestep', 'float32', [1]), g.input('weight', 'float32', [])];
  const condition = g.input('condition', 'float32', [o.batch, o.family.styleDim]);
  const source = new MapWeightSource(o.teacher);
  const loraInputs = loraInputSpec(o.family.denoiserLoraTargets, o.loraRank);
  const reg: Denoiser<Value> = (gg, latent, t, c) => o.family.denoiser(gg, source, { hiddenStates: latent, timestep: t, condition: c }, { namePrefix: 'reg.', loraInputs });
  return { g, loss: regModelLoss(g, { reg, zHat, noise, sigma, timestep, condition, weight }) };
}
