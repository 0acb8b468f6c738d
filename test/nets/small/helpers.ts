// Shared fixtures of the small-family tests: tiny configs, weight feeds, finite checks.
import type { SmallDenoiserConfig, SmallVaeConfig, WeightTensor } from '../../../models/nets/index.ts';
import { SMALL_DENOISER_CONFIG, SMALL_VAE_CONFIG } from '../../../models/nets/index.ts';
import type { Feed } from '../../graph/helpers.ts';

/** A VAE small enough to differentiate and train in seconds (same structure as the default, factor 8, 16 latent channels). */
export const TINY_VAE: SmallVaeConfig = { ...SMALL_VAE_CONFIG, encoderChannels: [8, 16], decoderChannels: [16, 8], normNumGroups: 4 };

/** A two-level denoiser small enough to differentiate in seconds. */
export const TINY_DENOISER: SmallDenoiserConfig = {
  ...SMALL_DENOISER_CONFIG, blockOutChannels: [8, 16], midLayers: 1, normNumGroups: 4, timeEmbedDim: 16, styleEmbedDim: 8,
};

/** Weights as graph feeds, keyed by their names. */
export function weightFeeds(weights: ReadonlyMap<string, WeightTensor>): Record<string, Feed> {
  return Object.fromEntries([...weights].map(([k, t]) => [k, { dims: [...t.dims], data: t.data }]));
}

/** A float32 feed. */
export const feed = (dims: number[], data: Float32Array): Feed => ({ dims, data });

/** A feed filled with one value. */
export const filled = (dims: number[], value: number): Feed => ({ dims, data: new Float32Array(dims.reduce((p, d) => p * d, 1)).fill(value) });

/** True when every element is a finite number. */
export const allFinite = (data: ArrayLike<number>): boolean => Array.from(data).every((x) => Number.isFinite(x));

/** Largest absolute element. */
export const maxAbs = (data: ArrayLike<number>): number => Array.from(data).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
