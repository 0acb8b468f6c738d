/**
 * Timestep sampling and loss weights. TSD-SR's reg ("fake score") model draws its index uniformly from
 * [50, 950) and weights its flow-matching loss by `sigmoid(u)`, u ~ N(logit_mean, logit_std) — the
 * logit-normal density of diffusers' `compute_density_for_timestep_sampling`, used there as a loss weight.
 * Teacher pre-training instead draws the index itself from that density (diffusers' SD3 recipe).
 */
import { randomInt, standardNormal, type UniformSource } from './random.ts';

/** The official `--weighting_scheme` choices (default logit_normal). */
export type WeightingScheme = 'logit_normal' | 'sigma_sqrt' | 'mode';

/** Parameters of the weighting schemes (official defaults: mean 0, std 1, mode scale 1.29). */
export interface WeightingOptions {
  scheme?: WeightingScheme;
  logitMean?: number;
  logitStd?: number;
  modeScale?: number;
}

/** The official defaults of the weighting options. */
export const WEIGHTING_DEFAULTS: Readonly<Required<WeightingOptions>> = Object.freeze({ scheme: 'logit_normal', logitMean: 0, logitStd: 1, modeScale: 1.29 });

/** The TSD index range: t sampled by index in [50, 950) of the 1000-step schedule. */
export const TSD_INDEX_RANGE: readonly [number, number] = Object.freeze([50, 950]) as readonly [number, number];

/** A step index drawn uniformly from [low, high) (default the TSD range). */
export function sampleTimestepIndex(uniform: UniformSource, range: readonly [number, number] = TSD_INDEX_RANGE): number {
  return randomInt(uniform, range[0], range[1]);
}

/** A draw u in (0, 1) from the scheme's density (logit-normal: sigmoid(N(mean, std)); mode: the SD3 mode density; else uniform). */
export function sampleDensity(uniform: UniformSource, options: WeightingOptions = {}): number {
  const o = { ...WEIGHTING_DEFAULTS, ...options };
  if (o.scheme === 'logit_normal') return sigmoid(o.logitMean + o.logitStd * standardNormal(uniform));
  const u = uniform();
  if (o.scheme === 'mode') return 1 - u - o.modeScale * (Math.cos((Math.PI * u) / 2) ** 2 - 1 + u);
  return u;
}

/** A step index drawn from the scheme's density: floor(u · T) (diffusers' SD3 pre-training recipe). */
export function sampleTimestepIndexByDensity(uniform: UniformSource, numTrainTimesteps: number, options: WeightingOptions = {}): number {
  return Math.min(numTrainTimesteps - 1, Math.floor(sampleDensity(uniform, options) * numTrainTimesteps));
}

/** The reg model's per-sample loss weight: sigma^-2 for sigma_sqrt, else a fresh density draw (as the official loop does). */
export function regLossWeight(uniform: UniformSource, sigma: number, options: WeightingOptions = {}): number {
  const scheme = options.scheme ?? WEIGHTING_DEFAULTS.scheme;
  return scheme === 'sigma_sqrt' ? sigma ** -2 : sampleDensity(uniform, options);
}

/** The batch's loss weight: the mean of per-sample weights (the official loss multiplies the batch MSE by each weight, then averages). */
export function batchRegLossWeight(uniform: UniformSource, sigmas: readonly number[], options: WeightingOptions = {}): number {
  if (sigmas.length === 0) throw new RangeError('batchRegLossWeight: empty batch');
  return sigmas.reduce((sum, s) => sum + regLossWeight(uniform, s, options), 0) / sigmas.length;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
