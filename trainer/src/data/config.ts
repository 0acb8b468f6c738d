/**
 * Every knob of the degradation model, with Real-ESRGAN's published defaults (train_realesrgan_x4plus.yml + feed_data),
 * except the floor on the Poisson noise's counts (see `poissonMinCounts` and docs/training.md, "Degradation colour check").
 */

/** Resize interpolation modes of the random resizes (torch.nn.functional.interpolate names). */
export type ResizeMode = 'area' | 'bilinear' | 'bicubic';

/** Blur-kernel families, as named in Real-ESRGAN's kernel_list. */
export type KernelType = 'iso' | 'aniso' | 'generalized_iso' | 'generalized_aniso' | 'plateau_iso' | 'plateau_aniso';

/** Settings for drawing one blur kernel (one degradation pass). */
export interface BlurConfig {
  /** Probability of applying the blur at all (1 for the first pass, second_blur_prob for the second). */
  readonly prob: number;
  /** Odd kernel sizes drawn uniformly (7..21). */
  readonly kernelSizes: readonly number[];
  readonly kernelTypes: readonly KernelType[];
  readonly kernelProbs: readonly number[];
  /** Probability of a sinc (ringing) filter instead of a blur kernel. */
  readonly sincProb: number;
  readonly sigmaRange: readonly [number, number];
  /** Shape range of generalized Gaussians (beta drawn below or above 1 with equal odds). */
  readonly betaGaussianRange: readonly [number, number];
  readonly betaPlateauRange: readonly [number, number];
}

/** Settings of one pass's random resize, noise and JPEG. */
export interface PassConfig {
  readonly blur: BlurConfig;
  /** Probabilities of up, down, keep. */
  readonly resizeProbs: readonly [number, number, number];
  readonly resizeRange: readonly [number, number];
  readonly resizeModes: readonly ResizeMode[];
  /** Probability of applying any noise (1 in the published pipeline). */
  readonly noiseProb: number;
  /** Probability that the noise is Gaussian (else Poisson). */
  readonly gaussianNoiseProb: number;
  /** Gaussian sigma range, in 8-bit units (sigma / 255 is added). */
  readonly noiseSigmaRange: readonly [number, number];
  readonly poissonScaleRange: readonly [number, number];
  readonly grayNoiseProb: number;
  /** Probability of the JPEG stage (1 in the published pipeline). */
  readonly jpegProb: number;
  readonly jpegQualityRange: readonly [number, number];
}

/** The full second-order degradation model. */
export interface DegradationConfig {
  /** Unsharp-mask the HR crop before degrading it, as RealESRGANModel.feed_data does (gt_usm). */
  readonly usmSharpen: boolean;
  readonly first: PassConfig;
  readonly second: PassConfig;
  /** Probability of the final 2-D sinc filter (else the pulse kernel). */
  readonly finalSincProb: number;
  readonly finalSincKernelSizes: readonly number[];
  /** Cutoff range (radians) of the final sinc. */
  readonly finalSincCutoffRange: readonly [number, number];
  /** Modes of the final resize to the LR size. */
  readonly finalResizeModes: readonly ResizeMode[];
  /** Probability that [resize + sinc] comes before the final JPEG (else after it). */
  readonly resizeBeforeJpegProb: number;
  /** Whether bilinear/bicubic downscales low-pass first (false matches F.interpolate in feed_data). */
  readonly antialias: boolean;
  /** JPEG chroma subsampling (DiffJPEG subsamples 4:2:0). */
  readonly jpegChromaSubsampling: '4:2:0' | '4:4:4';
  /**
   * Floor on the Poisson noise's counts per unit intensity. BasicSR takes 2^ceil(log2(#distinct 8-bit levels)) of
   * the image, so a crop with few colours (icon, flat fill) gets noise of standard deviation up to sqrt(v) · scale,
   * which clipping turns into a mean shift of tens of levels; 1 keeps BasicSR's rule, 256 (the default) treats every
   * crop as the 8-bit image it is, which changes nothing on photos (they have over 128 levels already).
   */
  readonly poissonMinCounts: number;
}

const KERNEL_TYPES: readonly KernelType[] = ['iso', 'aniso', 'generalized_iso', 'generalized_aniso', 'plateau_iso', 'plateau_aniso'];
const KERNEL_PROBS = [0.45, 0.25, 0.12, 0.03, 0.12, 0.03] as const;
const KERNEL_SIZES = [7, 9, 11, 13, 15, 17, 19, 21] as const;
const MODES: readonly ResizeMode[] = ['area', 'bilinear', 'bicubic'];

/** Real-ESRGAN's published defaults (x4plus recipe), as used by TSD-SR's data preparation; Poisson counts floored at 8 bits. */
export const REAL_ESRGAN_DEFAULTS: DegradationConfig = {
  usmSharpen: true,
  first: {
    blur: {
      prob: 1, kernelSizes: KERNEL_SIZES, kernelTypes: KERNEL_TYPES, kernelProbs: KERNEL_PROBS, sincProb: 0.1,
      sigmaRange: [0.2, 3], betaGaussianRange: [0.5, 4], betaPlateauRange: [1, 2],
    },
    resizeProbs: [0.2, 0.7, 0.1], resizeRange: [0.15, 1.5], resizeModes: MODES,
    noiseProb: 1, gaussianNoiseProb: 0.5, noiseSigmaRange: [1, 30], poissonScaleRange: [0.05, 3], grayNoiseProb: 0.4,
    jpegProb: 1, jpegQualityRange: [30, 95],
  },
  second: {
    blur: {
      prob: 0.8, kernelSizes: KERNEL_SIZES, kernelTypes: KERNEL_TYPES, kernelProbs: KERNEL_PROBS, sincProb: 0.1,
      sigmaRange: [0.2, 1.5], betaGaussianRange: [0.5, 4], betaPlateauRange: [1, 2],
    },
    resizeProbs: [0.3, 0.4, 0.3], resizeRange: [0.3, 1.2], resizeModes: MODES,
    noiseProb: 1, gaussianNoiseProb: 0.5, noiseSigmaRange: [1, 25], poissonScaleRange: [0.05, 2.5], grayNoiseProb: 0.4,
    jpegProb: 1, jpegQualityRange: [30, 95],
  },
  finalSincProb: 0.8,
  finalSincKernelSizes: KERNEL_SIZES,
  finalSincCutoffRange: [Math.PI / 3, Math.PI],
  finalResizeModes: MODES,
  resizeBeforeJpegProb: 0.5,
  antialias: false,
  jpegChromaSubsampling: '4:2:0',
  poissonMinCounts: 256,
};

/** Overrides for a pass: any field, with the blur settings themselves partial. */
export type PassOverrides = Partial<Omit<PassConfig, 'blur'>> & { readonly blur?: Partial<BlurConfig> };

/** Overrides for the whole model: any field, nested passes partial. */
export type DegradationOverrides = Partial<Omit<DegradationConfig, 'first' | 'second'>> & {
  readonly first?: PassOverrides;
  readonly second?: PassOverrides;
};

/** Apply overrides to a pass. */
function mergePass(base: PassConfig, over: PassOverrides | undefined): PassConfig {
  if (!over) return base;
  return { ...base, ...over, blur: { ...base.blur, ...over.blur } };
}

/** The published defaults with the given fields replaced. */
export function degradationConfig(overrides: DegradationOverrides = {}, base: DegradationConfig = REAL_ESRGAN_DEFAULTS): DegradationConfig {
  return { ...base, ...overrides, first: mergePass(base.first, overrides.first), second: mergePass(base.second, overrides.second) };
}

/** Overrides that switch a pass off entirely (no blur, no resize, no noise, no JPEG; the second pass's JPEG is the final one). */
export const PASS_OFF: PassOverrides = { blur: { prob: 0 }, resizeProbs: [0, 0, 1], noiseProb: 0, jpegProb: 0 };

/** Overrides under which the model reduces to plain resizing to the LR size (the second pass always resizes to it, as in feed_data). */
export function allStagesOff(finalMode: ResizeMode = 'bicubic'): DegradationOverrides {
  const second: PassOverrides = { ...PASS_OFF, resizeModes: [finalMode] };
  return { usmSharpen: false, first: PASS_OFF, second, finalSincProb: 0, finalResizeModes: [finalMode] };
}
