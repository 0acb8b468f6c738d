/** Scale factors: which the runtime accepts and how a factor maps onto a model's native scales. */
import { ScaleError } from './errors.ts';

/** The largest factor the runtime produces (model scale and final resample together). */
export const MAX_SCALE = 8;

/** Throws ScaleError unless the factor is a finite number in (1, MAX_SCALE]. */
export function validateScale(scale: number): void {
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 1 || scale > MAX_SCALE) {
    throw new ScaleError(`scale must be a number above 1 and at most ${MAX_SCALE}, got ${String(scale)}`);
  }
}

/** How a requested factor is produced: the model scale to run, then an optional resample to the exact size. */
export interface ScalePlan {
  modelScale: number;
  outputWidth: number;
  outputHeight: number;
  /** True when the model's output must be resampled to reach the output size. */
  resample: boolean;
}

/** Picks the smallest native scale at or above the request (the largest when none is), so resampling mostly shrinks. */
export function planScale(scale: number, nativeScales: readonly number[], width: number, height: number): ScalePlan {
  validateScale(scale);
  const sorted = [...nativeScales].sort((a, b) => a - b);
  const modelScale = sorted.find((s) => s >= scale) ?? sorted[sorted.length - 1];
  if (modelScale === undefined) throw new ScaleError('the model offers no scale factors');
  const outputWidth = Math.round(width * scale);
  const outputHeight = Math.round(height * scale);
  const resample = outputWidth !== width * modelScale || outputHeight !== height * modelScale;
  return { modelScale, outputWidth, outputHeight, resample };
}
