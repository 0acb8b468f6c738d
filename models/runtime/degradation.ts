/**
 * A cheap estimate of how degraded an input image is (JPEG blocks, noise), for choosing between a model made for
 * clean sources and one made for degraded ones. Pure TypeScript on RGBA pixels: it runs in Node and in the browser,
 * in a few milliseconds for a 1024² image. Thresholds are calibrated by `bench/degradation-estimate.ts` (docs/models.md).
 */
import { DEGRADATION_NET_WEIGHTS } from './degradation-net-weights.ts';
import { decodeDegradationNet, degradationNetScore, type DegradationNet } from './degradation-net.ts';
import type { RgbaImage } from './image.ts';

/** The two kinds of source the estimate tells apart. */
export type Degradation = 'clean' | 'degraded';

/** What the estimate measures: each a cheap statistic of the luma plane over its opaque pixels. */
export interface DegradationFeatures {
  /**
   * JPEG blockiness: the mean absolute luma step between neighbours at the strongest of the 8 block-boundary phases,
   * over the mean at the other 7, minus 1 (columns and rows, the smaller of the two); about 0 without blocks.
   */
  blockiness: number;
  /**
   * JPEG blocks in smooth regions: the share of steps under 1.5 levels at the other phases minus that share at the
   * phase with the fewest (columns and rows, the smaller); about 0 without blocks, however regular the content.
   */
  flatStepDeficit: number;
  /** Noise: the robust standard deviation of luma noise in 8-bit levels (Immerkær's operator, median over the flatter half). */
  noiseSigma: number;
  /** Fine detail: mean |Immerkær response| over mean Sobel magnitude; blur lowers it, noise raises it. */
  detail: number;
  /** The share of all neighbour steps under 1.5 levels: near 1 for flat graphics, low for photos; the weights of the others depend on it. */
  flatShare: number;
  /**
   * Edge strength: the 90th percentile of the Sobel gradient magnitude ((|Gx| + |Gy|) / 8) in levels per pixel, over
   * the pixels the noise statistic reads: low for smooth gradients and soft textures, high where a picture has edges.
   */
  edgeStrength: number;
  /**
   * The learned estimate: σ(mean logit) of a tiny classifier trained on clean and degraded LR crops of the training
   * split, over up to 16 fully opaque 48² patches, or 32² ones where none fits (models/runtime/degradation-net.ts);
   * null when no patch fits.
   */
  learned: number | null;
}

/** What the estimate measured and what it concluded. */
export interface DegradationEstimate {
  degradation: Degradation;
  /**
   * Probability-like score in [0, 1]: the larger of the calibrated logistic model's and the blur score's
   * ({@link blurScore}); `degraded` from the threshold up (0 when too few pixels count).
   */
  score: number;
  features: DegradationFeatures;
  /** Pixels the noise statistic read (every `step`-th row and column of a large image): those with an opaque 3×3 neighbourhood. */
  pixels: number;
}

/** One weight per term of {@link degradationTerms}. */
export interface TermWeights {
  readonly logBlockiness: number;
  readonly flatStepDeficit: number;
  readonly logNoiseSigma: number;
  readonly detail: number;
}

/** A logistic model over the features (see {@link DEGRADATION_MODEL}). */
export interface DegradationModel {
  readonly bias: number;
  readonly flatShareWeight: number;
  readonly weights: TermWeights;
  readonly flatWeights: TermWeights;
}

/**
 * The calibrated logistic model: score = σ(bias + flatShare · flatShareWeight + Σ (weight + flatShare · flatWeight) ·
 * term), with terms log(blockiness + 0.01), flatStepDeficit, log(noiseSigma + 0.05) and detail, so flat graphics and
 * textured photos weigh the same evidence differently. Fitted by `bench/degradation-estimate.ts --fit` on data/val
 * (docs/models.md has the table it gives).
 */
export const DEGRADATION_MODEL: DegradationModel = Object.freeze({
  bias: 2.164,
  flatShareWeight: -9.6459,
  weights: Object.freeze({ logBlockiness: 1.1793, flatStepDeficit: 43.9488, logNoiseSigma: -0.1022, detail: 9.8266 }),
  flatWeights: Object.freeze({ logBlockiness: -0.8198, flatStepDeficit: -10.9353, logNoiseSigma: -1.1316, detail: -10.2139 }),
});

/** The terms the model weighs, in the order of DEGRADATION_MODEL.weights. */
export function degradationTerms(f: DegradationFeatures): [number, number, number, number] {
  return [Math.log(f.blockiness + 0.01), f.flatStepDeficit, Math.log(f.noiseSigma + 0.05), f.detail];
}

/** The score from which an image counts as `degraded` (an `auto` model may state its own). */
export const DEGRADED_FROM = 0.5;

/**
 * Blur evidence, which the logistic model cannot weigh: a textured picture (flat share at most `flatShareAtMost`) with
 * strong edges (edge strength from `edgeStrengthFrom` levels per pixel) but little fine detail has been blurred, as
 * most Real-ESRGAN-degraded photographs are. Its score is σ((`detailCentre` − detail) / `detailWidth`): 0.62 at
 * detail 0.035, under 0.2 at the 0.043 of the softest clean texture the calibration has (bench/degradation-estimate.ts,
 * docs/models.md); smooth gradients and flat graphics fail the gates and score 0.
 */
export const BLUR_EVIDENCE = Object.freeze({ flatShareAtMost: 0.5, edgeStrengthFrom: 12, detailCentre: 0.037, detailWidth: 0.004 });

/** The blur score in [0, 1] of a set of features (see {@link BLUR_EVIDENCE}); 0 unless the picture is textured and has strong edges. */
export function blurScore(features: DegradationFeatures): number {
  const { flatShareAtMost, edgeStrengthFrom, detailCentre, detailWidth } = BLUR_EVIDENCE;
  if (features.flatShare > flatShareAtMost || features.edgeStrength < edgeStrengthFrom) return 0;
  return 1 / (1 + Math.exp(-(detailCentre - features.detail) / detailWidth));
}

/** Under this many opaque pixels (a 32 × 32 image) the estimate says `clean`: too little to tell. */
export const MIN_ESTIMATE_PIXELS = 1024;

/** The share of readable pixels, lowest Sobel gradient first, the noise median is taken over (edges and texture left out). */
const FLAT_SHARE = 0.5;
const BLOCK = 8;
/** Steps below this many levels count as flat for {@link DegradationFeatures.flatStepDeficit}. */
const FLAT_STEP = 1.5;

/** The luma plane the estimate reads, which of its pixels count, and the stride of the rows and columns it samples. */
interface LumaPlane {
  width: number;
  height: number;
  luma: Float32Array;
  /** 1 where the pixel is fully opaque. */
  opaque: Uint8Array;
  allOpaque: boolean;
  /** Every `step`-th row (column) is read where a statistic needs only a sample: 1 below 1024² pixels, 2 below 1536², … */
  step: number;
}

/** Pixels sampled per statistic at most (about): larger images are read on every `step`-th row and column. */
const SAMPLED_PIXELS = 512 * 512;

/** Luma (BT.601) of every pixel, and whether it counts (fully opaque). */
function lumaPlane(image: RgbaImage): LumaPlane {
  const { width, height, data } = image;
  const n = width * height;
  const luma = new Float32Array(n);
  const opaque = new Uint8Array(n);
  let opaqueCount = 0;
  for (let i = 0, p = 0; i < n; i++, p += 4) {
    luma[i] = 0.299 * data[p]! + 0.587 * data[p + 1]! + 0.114 * data[p + 2]!;
    if (data[p + 3] === 255) {
      opaque[i] = 1;
      opaqueCount++;
    }
  }
  return { width, height, luma, opaque, allOpaque: opaqueCount === n, step: Math.max(1, Math.floor(Math.sqrt(n / SAMPLED_PIXELS))) };
}

/** Per phase (position mod 8) of the steps along one axis: their count, summed |step| and how many are flat. */
interface PhaseSteps {
  counts: Float64Array;
  sums: Float64Array;
  flat: Float64Array;
}

const phaseSteps = (): PhaseSteps => ({ counts: new Float64Array(BLOCK), sums: new Float64Array(BLOCK), flat: new Float64Array(BLOCK) });

function addStep(steps: PhaseSteps, phase: number, step: number): void {
  steps.counts[phase] = steps.counts[phase]! + 1;
  steps.sums[phase] = steps.sums[phase]! + step;
  if (step < FLAT_STEP) steps.flat[phase] = steps.flat[phase]! + 1;
}

/** Too few steps at some phase for its means to mean anything. */
const tooFewSteps = (steps: PhaseSteps): boolean => steps.counts.some((c) => c < 32);

/** Excess of the strongest phase's mean step over the mean of the other phases'. */
function meanStepExcess(steps: PhaseSteps): number {
  const means = Array.from(steps.sums, (sum, p) => sum / steps.counts[p]!);
  const best = means.indexOf(Math.max(...means));
  const others = (means.reduce((a, b) => a + b, 0) - means[best]!) / (BLOCK - 1);
  return (means[best]! - others) / (others + 1);
}

/** The mean share of flat steps at the other phases minus the share at the phase with the fewest. */
function flatShareDeficit(steps: PhaseSteps): number {
  const shares = Array.from(steps.flat, (flat, p) => flat / steps.counts[p]!);
  const fewest = shares.indexOf(Math.min(...shares));
  return (shares.reduce((a, b) => a + b, 0) - shares[fewest]!) / (BLOCK - 1) - shares[fewest]!;
}

/**
 * The two JPEG-block features: steps between horizontal (vertical) neighbours, by the column (row) phase mod 8 of
 * the step, on every `step`-th row (column). The phase is free, so blocks of a crop that does not start on the JPEG
 * grid count too; each feature is the smaller of its column and row values, so a regular pattern along one axis
 * (stripes, a pixel grid) is not taken for blocks.
 */
function blockFeatures(plane: LumaPlane): { blockiness: number; flatStepDeficit: number; flatShare: number } {
  const { width, height, luma, opaque, allOpaque, step } = plane;
  const columns = phaseSteps();
  for (let y = 0; y < height; y += step) {
    for (let x = 0, i = y * width; x + 1 < width; x++, i++) {
      if (allOpaque || (opaque[i]! & opaque[i + 1]!) === 1) addStep(columns, x & 7, Math.abs(luma[i + 1]! - luma[i]!));
    }
  }
  const rows = phaseSteps();
  for (let y = 0; y + 1 < height; y++) {
    for (let x = 0, i = y * width; x < width; x += step, i += step) {
      if (allOpaque || (opaque[i]! & opaque[i + width]!) === 1) addStep(rows, y & 7, Math.abs(luma[i + width]! - luma[i]!));
    }
  }
  const sum = (xs: Float64Array): number => xs.reduce((a, b) => a + b, 0);
  const flatShare = sum(columns.flat) + sum(rows.flat) > 0 ? (sum(columns.flat) + sum(rows.flat)) / (sum(columns.counts) + sum(rows.counts)) : 0;
  if (tooFewSteps(columns) || tooFewSteps(rows)) return { blockiness: 0, flatStepDeficit: 0, flatShare };
  return {
    flatShare,
    blockiness: Math.max(0, Math.min(meanStepExcess(columns), meanStepExcess(rows))),
    flatStepDeficit: Math.max(0, Math.min(flatShareDeficit(columns), flatShareDeficit(rows))),
  };
}

/** The value below which `share` of a histogram's mass lies, in the histogram's units (`binWidth` per bin). */
function histogramQuantile(histogram: Uint32Array, total: number, share: number, binWidth: number): number {
  const target = share * total;
  let seen = 0;
  for (let b = 0; b < histogram.length; b++) {
    seen += histogram[b]!;
    if (seen >= target) return (b + 0.5) * binWidth;
  }
  return histogram.length * binWidth;
}

const GRADIENT_BIN = 0.25;
/** The quantile of the gradient magnitudes that {@link DegradationFeatures.edgeStrength} reports. */
const EDGE_QUANTILE = 0.9;
const RESPONSE_BIN = 0.125;
const BINS = 8192;
const binOf = (value: number, width: number): number => Math.min(BINS - 1, Math.floor(value / width));

/** True when pixel i and its eight neighbours are all opaque. */
function neighbourhoodOpaque(opaque: Uint8Array, i: number, width: number): boolean {
  const up = i - width;
  const down = i + width;
  return (opaque[up - 1]! & opaque[up]! & opaque[up + 1]! & opaque[i - 1]! & opaque[i]! & opaque[i + 1]! & opaque[down - 1]! & opaque[down]! & opaque[down + 1]!) === 1;
}

/**
 * Immerkær's noise operator (the difference of two Laplacians, [1 −2 1; −2 4 −2; 1 −2 1], 6σ on white noise) at
 * the sampled pixels whose 3×3 neighbourhood is opaque, with their Sobel gradient magnitude; σ is the median response
 * over the flattest `FLAT_SHARE` of them, divided by 6 · 0.6745 (a Gaussian's median absolute deviation). `detail`:
 * the mean response over the mean gradient magnitude. `pixels`: how many pixels the statistics read.
 */
function noiseAndDetail(plane: LumaPlane): { sigma: number; detail: number; edgeStrength: number; pixels: number } {
  const { width, height, luma, opaque, allOpaque, step } = plane;
  const capacity = Math.ceil(height / step) * Math.ceil(width / step);
  const response = new Float32Array(capacity);
  const gradient = new Float32Array(capacity);
  const gradientHistogram = new Uint32Array(BINS);
  let pixels = 0;
  let [responseSum, gradientSum] = [0, 0];
  for (let y = 1; y + 1 < height; y += step) {
    for (let x = 1, i = y * width + 1; x + 1 < width; x += step, i += step) {
      if (!allOpaque && !neighbourhoodOpaque(opaque, i, width)) continue;
      const up = i - width;
      const down = i + width;
      const a = luma[up - 1]!, b = luma[up]!, c = luma[up + 1]!;
      const d = luma[i - 1]!, e = luma[i]!, f = luma[i + 1]!;
      const g = luma[down - 1]!, h = luma[down]!, k = luma[down + 1]!;
      const magnitude = Math.abs(c + 2 * f + k - a - 2 * d - g) + Math.abs(g + 2 * h + k - a - 2 * b - c);
      response[pixels] = Math.abs(a + c + g + k - 2 * (b + d + f + h) + 4 * e);
      gradient[pixels] = magnitude;
      responseSum += response[pixels]!;
      gradientSum += magnitude;
      gradientHistogram[binOf(magnitude, GRADIENT_BIN)]!++;
      pixels++;
    }
  }
  if (pixels === 0) return { sigma: 0, detail: 0, edgeStrength: 0, pixels };
  const detail = gradientSum > 0 ? responseSum / gradientSum : 0;
  const edgeStrength = histogramQuantile(gradientHistogram, pixels, EDGE_QUANTILE, GRADIENT_BIN) / 8;
  const flatBelow = histogramQuantile(gradientHistogram, pixels, FLAT_SHARE, GRADIENT_BIN);
  const responseHistogram = new Uint32Array(BINS);
  let flat = 0;
  for (let j = 0; j < pixels; j++) {
    if (gradient[j]! >= flatBelow) continue;
    responseHistogram[binOf(response[j]!, RESPONSE_BIN)]!++;
    flat++;
  }
  if (flat === 0) return { sigma: 0, detail, edgeStrength, pixels };
  return { sigma: histogramQuantile(responseHistogram, flat, 0.5, RESPONSE_BIN) / (6 * 0.6745), detail, edgeStrength, pixels };
}

/** The calibrated logistic model's score in [0, 1] of a set of features (without the blur evidence). */
export function degradationScore(features: DegradationFeatures, model: DegradationModel = DEGRADATION_MODEL): number {
  const { bias, flatShareWeight, weights, flatWeights } = model;
  const [w, v] = [Object.values(weights), Object.values(flatWeights)];
  const share = features.flatShare;
  const logit = degradationTerms(features).reduce((sum, term, j) => sum + (w[j]! + share * v[j]!) * term, bias + flatShareWeight * share);
  return 1 / (1 + Math.exp(-logit));
}

/**
 * How the learned estimate's score enters: its logit minus `logitShift`, so that the net's own σ = 0.8 lands on
 * `tsdsr-auto`'s 0.6 (the hold-out of `npm run train:estimate` calls 5 % of clean training photos degraded from 0.8,
 * 15 % from 0.6; docs/models.md).
 */
export const LEARNED_EVIDENCE = Object.freeze({ logitShift: Math.log(0.9 / 0.1) - Math.log(0.6 / 0.4) });

/** The learned estimate's contribution in [0, 1] (see {@link LEARNED_EVIDENCE}); 0 when the net read no patch. */
export function learnedScore(features: DegradationFeatures): number {
  const p = features.learned;
  if (p == null) return 0;
  const logit = Math.log(Math.max(p, 1e-12) / Math.max(1 - p, 1e-12)) - LEARNED_EVIDENCE.logitShift;
  return 1 / (1 + Math.exp(-logit));
}

/** The estimate's score of a set of features: the largest of `model`'s logistic score, the blur score and the learned score. */
export function estimateScore(features: DegradationFeatures, model: DegradationModel = DEGRADATION_MODEL): number {
  return Math.max(degradationScore(features, model), blurScore(features), learnedScore(features));
}

let shippedNet: DegradationNet | undefined;

/** The shipped learned estimate (degradation-net-weights.ts), decoded once. */
export function shippedDegradationNet(): DegradationNet {
  shippedNet ??= decodeDegradationNet(DEGRADATION_NET_WEIGHTS.widths, DEGRADATION_NET_WEIGHTS.negativeSlope, DEGRADATION_NET_WEIGHTS.base64);
  return shippedNet;
}

/** The features of an image over its fully opaque pixels, and how many pixels the noise statistics read. */
export function degradationFeatures(image: RgbaImage): { features: DegradationFeatures; pixels: number } {
  const plane = lumaPlane(image);
  const noise = noiseAndDetail(plane);
  const blocks = noise.pixels > 0 ? blockFeatures(plane) : { blockiness: 0, flatStepDeficit: 0, flatShare: 0 };
  const { score: learned } = degradationNetScore(shippedDegradationNet(), image);
  return { features: { ...blocks, noiseSigma: noise.sigma, detail: noise.detail, edgeStrength: noise.edgeStrength, learned }, pixels: noise.pixels * plane.step * plane.step };
}

/**
 * Estimates how degraded an image is from its own pixels (JPEG blocks, noise, blur), read over its fully opaque
 * pixels only; `degraded` when its score (the logistic model's or the blur score, the larger) reaches `degradedFrom`. Images with fewer than
 * {@link MIN_ESTIMATE_PIXELS} such pixels are `clean` with score 0.
 */
export function estimateDegradation(image: RgbaImage, degradedFrom = DEGRADED_FROM): DegradationEstimate {
  const { features, pixels } = degradationFeatures(image);
  if (pixels < MIN_ESTIMATE_PIXELS) return { degradation: 'clean', score: 0, features, pixels };
  const score = estimateScore(features);
  return { degradation: score >= degradedFrom ? 'degraded' : 'clean', score, features, pixels };
}
