/**
 * The TSD-SR losses as graph builders (scalar float32 outputs). Reductions are means over every element,
 * batch included, as `F.mse_loss(reduction='mean')` in the official code.
 */
import { abs, add, clip, mul, reduceMean, stopGradient, sub, type Graph, type Value } from '../../../models/graph/index.ts';
import type { Denoiser } from './cfg.ts';
import { noisyLatent } from './regulariser.ts';

/** mean((a − b)²) over all elements. */
export function meanSquaredError(g: Graph, a: Value, b: Value): Value {
  const d = sub(g, a, b);
  return reduceMean(g, mul(g, d, d), { keepdims: false });
}

/** mean(|a − b|) over all elements. */
export function meanAbsoluteError(g: Graph, a: Value, b: Value): Value {
  return reduceMean(g, abs(g, sub(g, a, b)), { keepdims: false });
}

/**
 * The TSD loss 0.5·MSE(ẑ, stopgrad(ẑ − g)). Its value is 0.5·mean(g²) and its gradient d/dẑ = g / numel(ẑ):
 * the regulariser target enters the student's backward pass as g divided by the element count.
 */
export function tsdLoss(g: Graph, zHat: Value, grad: Value): Value {
  const target = stopGradient(g, sub(g, zHat, grad));
  return mul(g, meanSquaredError(g, zHat, target), 0.5);
}

/** Inputs of the reg model's flow-matching loss. */
export interface RegLossArgs {
  /** The reg model's velocity at the noisy latent (this is where its LoRA gets gradients). */
  velocity: Value;
  /** ẑ_t = sigma·ε + (1 − sigma)·stopgrad(ẑ). */
  noisyLatent: Value;
  sigma: Value | number;
  /** ẑ, the student's latent (stop-gradient applied here). */
  target: Value;
  /** The batch's loss weight (see `batchRegLossWeight`). */
  weight: Value | number;
}

/** The x0-prediction of flow matching: x0 = x_t − sigma·v. */
export function flowMatchingX0(g: Graph, noisy: Value, velocity: Value, sigma: Value | number): Value {
  return sub(g, noisy, mul(g, velocity, sigma));
}

/** The reg (fake-score) model's loss 0.5·w·MSE(x_t − sigma·v, stopgrad(ẑ)). */
export function regFlowMatchingLoss(g: Graph, args: RegLossArgs): Value {
  const x0 = flowMatchingX0(g, args.noisyLatent, args.velocity, args.sigma);
  const mse = meanSquaredError(g, x0, stopGradient(g, args.target));
  return mul(g, mul(g, mse, args.weight), 0.5);
}

/** The latent data term MSE(ẑ, stopgrad(z_H)). */
export function latentMse(g: Graph, zHat: Value, zHigh: Value): Value {
  return meanSquaredError(g, zHat, stopGradient(g, zHigh));
}

/** Decoder output in [−1, 1] → image in [0, 1]: clamp, then x·0.5 + 0.5 (as the official loss prepares LPIPS inputs). */
export function toUnitRange(g: Graph, x: Value): Value {
  return add(g, mul(g, clip(g, x, { min: -1, max: 1 }), 0.5), 0.5);
}

/** A perceptual distance between two [N, 3, H, W] images in [0, 1], as a graph builder. */
export type PerceptualTerm = (g: Graph, image: Value, reference: Value) => Value;

/** Inputs of the student's data loss. */
export interface DataLossArgs {
  zHat: Value;
  zHigh: Value;
  /** The decoded student image in [0, 1]. */
  image: Value;
  /** The HQ image in [0, 1]. */
  imageHigh: Value;
  perceptual: PerceptualTerm;
}

/** The data loss and its parts: perceptual(x̂, x_H) + MSE(ẑ, z_H), both with weight 1 as in the official code. */
export function dataLoss(g: Graph, args: DataLossArgs): { total: Value; perceptual: Value; mse: Value } {
  const perceptual = args.perceptual(g, args.image, stopGradient(g, args.imageHigh));
  const mse = latentMse(g, args.zHat, args.zHigh);
  return { total: add(g, perceptual, mse), perceptual, mse };
}

/** Inputs of the reg model's training loss, composed from the student's latent. */
export interface RegModelLossArgs<C> {
  /** The reg (fake-score) denoiser; its LoRA parameters are what this loss trains. */
  reg: Denoiser<C>;
  /** ẑ, the student's latent (stop-gradient applied). */
  zHat: Value;
  noise: Value;
  /** sigma and timestep ([1]) of an index drawn uniformly from [50, 950), independent of the DASM draw. */
  sigma: Value | number;
  timestep: Value;
  /** The prompt's condition; the official loop trains the reg model without guidance. */
  condition: C;
  weight: Value | number;
}

/** The reg model's whole loss: ẑ_t = sigma·ε + (1 − sigma)·stopgrad(ẑ), v = reg(ẑ_t, t, c), then `regFlowMatchingLoss`. */
export function regModelLoss<C>(g: Graph, args: RegModelLossArgs<C>): Value {
  const target = stopGradient(g, args.zHat);
  const noisy = stopGradient(g, noisyLatent(g, target, args.noise, args.sigma));
  const velocity = args.reg(g, noisy, args.timestep, args.condition);
  return regFlowMatchingLoss(g, { velocity, noisyLatent: noisy, sigma: args.sigma, target, weight: args.weight });
}
