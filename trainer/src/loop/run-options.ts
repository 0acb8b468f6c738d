/** Options of the training runs and their defaults for the small CPU family (documented in docs/training.md). */
import type { DeviceChoice } from '../../../models/runtime/index.ts';
import type { SmallPresetName } from './family.ts';

/** Every option a run takes; stages ignore the ones that do not apply. */
export interface RunOptions {
  data: string;
  out: string;
  /** train teacher: the `train vae` output. */
  vae?: string;
  /** train tsd: the `train teacher` output. */
  teacher?: string;
  /** train tsd: where the model directory is written. */
  exportDir?: string;
  id: string;
  name?: string;
  style?: string;
  steps: number;
  batch: number;
  /** HR crop side in pixels (LR side = crop / scale). */
  cropSizePx: number;
  scale: number;
  /** Draw each sample's factor from these instead of `scale` (the LR is then upsampled to the crop size by the loader). */
  scales?: number[];
  degradation: 'realesrgan' | 'bicubic' | 'mixed';
  /** Under degradation 'mixed', the share of plain-bicubic samples. */
  bicubicShare: number;
  /** Candidate windows per training crop; the most detailed is kept (1: a plain random crop). */
  detailCandidates: number;
  /** Times per epoch the images under a top-level folder of `data` are drawn, e.g. { photos: 3 } (default 1 each). */
  folderRepeats?: Record<string, number>;
  /** Architecture preset of the small family (`train vae` and `train teacher`; later stages read it from their inputs). */
  arch: SmallPresetName;
  /** train tsd: the student's timestep t_s (0..1000): ẑ = z_L − (t_s/1000)·v(z_L, t_s); TSD-SR's is 1000. */
  studentTimestep: number;
  /** train tsd: gate the student's velocity with a zero-initialised per-channel scale (starts from the input). */
  outputGate: boolean;
  /** train tsd: LoRA on the student's VAE encoder as well as its denoiser (TSD-SR's choice; default true). */
  encoderLora: boolean;
  /** train tsd: train all of the student's denoiser weights from the teacher's with conv_out zeroed, instead of a LoRA. */
  fullFineTune: boolean;
  /** train tsd (with fullFineTune): start the student from an earlier `train tsd` run's (its output folder), e.g. to fine-tune a shipped recipe further. */
  initStudent?: string;
  /**
   * train tsd: train further from an exported tsdsr model directory (e.g. models/zoo/tsdsr-fast) instead of a teacher run:
   * its VAE and denoiser are read back from its ONNX graphs and the student starts as that model (implies fullFineTune, γ = 0).
   */
  fromModel?: string;
  /** Images of `data` (paths relative to it) left out of training, e.g. those a style run holds out to score itself. */
  exclude?: string[];
  /** train tsd: image files whose centre crops are scored and drawn before the first step and at every sample step (`probe.ts`). */
  probe?: string[];
  /** A time budget in minutes: the run's step count is fitted to it after its first steps (schedules follow), then it exports. */
  minutes?: number;
  seed: number;
  device: DeviceChoice;
  resume: boolean;
  checkpointEvery: number;
  sampleEvery: number;
  /** Peak learning rate (the student's in train tsd). */
  lr: number;
  /** train tsd: the reg (fake-score) model's peak learning rate. */
  regLr: number;
  warmupSteps: number;
  lrCycles: number;
  klWeight: number;
  styleDropout: number;
  loraRank: number;
  dasmSteps: number;
  guidanceScale?: number;
  regulariserWeight: number;
  /**
   * train tsd: λ of the adversarial term λ·mean softplus(−D(x̂)) from a patch discriminator trained alongside
   * (undefined or 0: none, no discriminator). Optional like the two below, so checkpoints saved before them still resume.
   */
  adversarialWeight?: number;
  /** train tsd: the discriminator's peak learning rate (undefined: 1e-4), on the student's warm-up and cosine schedule. */
  discriminatorLr?: number;
  /**
   * train tsd: the patch discriminator's widths, conv_in's then one per stride-2 block (undefined: 16, 32, 64, 64);
   * each further width halves the logit grid and widens what a logit sees.
   */
  discriminatorWidths?: number[];
  /** train tsd: weight of feature matching through the discriminator (undefined or 0: none); needs adversarialWeight > 0. */
  featureMatchingWeight?: number;
  /** train tsd: weight of the gradient variance loss (`tsd/gradient-variance.ts`) in the data loss (undefined or 0: none). */
  gradientVarianceWeight?: number;
  /** train tsd: an earlier adversarial run's folder whose checkpointed discriminator this run's starts from (undefined: fresh). */
  initDiscriminator?: string;
  /** Train towards the USM-sharpened HR (Real-ESRGAN's gt_usm) in every loss and as the discriminator's real images (undefined: false). */
  targetUsm?: boolean;
  lpipsWeights?: string;
  /** Data worker threads (undefined: cores − 1, at most 4). */
  workers?: number;
}

const COMMON = {
  id: 'tsdsr-small', steps: 2000, batch: 4, cropSizePx: 128, scale: 4, degradation: 'bicubic', seed: 0, device: 'cpu', resume: false,
  checkpointEvery: 200, sampleEvery: 200, lr: 2e-4, regLr: 0, warmupSteps: 100, lrCycles: 1, klWeight: 1e-6, styleDropout: 0.1,
  loraRank: 16, dasmSteps: 4, regulariserWeight: 1, data: '', out: '', bicubicShare: 0.5, detailCandidates: 1, arch: 'small', studentTimestep: 1000, outputGate: false, encoderLora: true, fullFineTune: false,
} as const satisfies Omit<RunOptions, 'guidanceScale'>;

/** The step cap of a run given a time budget (`minutes`) and no step count: high enough that the budget alone sets its length. */
export const BUDGET_STEP_CAP = 100_000;

/**
 * A run's options over its defaults. With a time budget and no step count of its own, the step count is
 * `BUDGET_STEP_CAP`, so `--minutes 60` runs for an hour rather than stopping at the default's 2000 steps.
 */
export function withDefaults<T extends Partial<RunOptions>>(defaults: RunOptions, options: T): RunOptions & T {
  const o = { ...defaults, ...options };
  return options.minutes !== undefined && options.steps === undefined ? { ...o, steps: BUDGET_STEP_CAP } : o;
}

/** Defaults per run. SD3's TSD learning rates (5e-6 student, 1e-6 reg) are scaled ×10 for the small family trained from scratch. */
export const RUN_DEFAULTS: Readonly<Record<'vae' | 'teacher' | 'tsd', RunOptions>> = Object.freeze({
  vae: { ...COMMON },
  teacher: { ...COMMON, steps: 4000 },
  tsd: { ...COMMON, cropSizePx: 256, degradation: 'realesrgan', lr: 5e-5, regLr: 1e-5, warmupSteps: 50, guidanceScale: 7.5 },
});
