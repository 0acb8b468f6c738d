/**
 * Calibration of the degradation estimate (models/runtime/degradation.ts) that the `auto` model kind chooses by: how
 * often it says `degraded`, per subset and degradation, on ×4 LR inputs made as bench/quality.ts makes them (the most
 * detailed 512 px crop → 128 px LR, by bicubic downscaling or Real-ESRGAN's degradation with seed + image index),
 * plus the bicubic LR through JPEG at several qualities (sharp; graphics flattened over white first, as a JPEG
 * can't carry alpha) and with Gaussian noise only; and a third subset, `smooth`: the bicubic LR of clean generated
 * textures and gradients (smoothCleanImages). "By blur" is the share that the blur score (BLUR_EVIDENCE) made degraded,
 * where the logistic model alone would not have; "net alone" the share whose learned score (the net's own σ, before
 * LEARNED_EVIDENCE's shift) is at least 0.5, counting images with no opaque 48² patch as clean; "net score" its mean
 * over the images it read.
 *
 *   npx tsx bench/degradation-estimate.ts [--val data/val|synthetic] [--limit N] [--crop 512] [--seed 0] [--out bench/results] [--fit] [--from <json>] [--models a,b]
 *
 * Prints one row per subset × degradation (share `degraded`, mean score and features) and the time of one estimate (and
 * of the flatness test, models/runtime/flatness.ts) on a 1024² image, and writes OUT/degradation-estimate.json with every image's estimate. `--fit` also fits the logistic
 * model of models/runtime/degradation.ts (DEGRADATION_MODEL) to these features and prints it: clean bicubic LR
 * against Real-ESRGAN, JPEG q30 and q50 and noise σ 5 and 10, each subset × class weighted equally (the smooth subset is
 * clean only), the bias then lowered until at least 95 % of the clean images of each subset score under 0.5; it then also fits on the even-numbered
 * images alone and scores the odd ones, and the other way round, and prints that held-out table. `--from` re-scores
 * the features an earlier run saved (its degradation-estimate.json) with the current model instead of rebuilding the
 * inputs, so a refit is checked in seconds. `--models tsdsr-fast,tsdsr-real` also upscales the smooth subset with each
 * zoo model and prints its PSNR-Y, what sending such an image to the wrong model costs.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { isFlat, type RgbaImage } from '../models/runtime/index.ts';
import {
  blurScore, DEGRADATION_MODEL, DEGRADED_FROM, degradationScore, degradationTerms, estimateDegradation, estimateScore, MIN_ESTIMATE_PIXELS, type DegradationEstimate, type DegradationFeatures, type DegradationModel, type TermWeights,
} from '../models/runtime/degradation.ts';
import { openUpscaler } from '../models/runtime/node.ts';
import { texture } from '../test/helpers/textures.ts';
import { Rng } from '../trainer/src/data/index.ts';
import { psnrY } from './metrics/psnr-ssim.ts';
import { detailCrop, makeLr, overWhite } from './quality.ts';
import { writeResults } from './results.ts';
import { runBench } from './setup-error.ts';
import { readValidationSet, SYNTHETIC_VAL } from './validation-set.ts';

/** Every image's estimates, keyed by degradation. */
type PerImage = { file: string; subset: string; estimates: Record<string, DegradationEstimate> }[];

const SCALE = 4;
const ZOO = fileURLToPath(new URL('../models/zoo/', import.meta.url));
const JPEG_QUALITIES = [30, 50, 70, 90] as const;
const NOISE_SIGMAS = [3, 5, 10] as const;

/** The degradations of the table, in its order; the LR of each is made from the bicubic LR or the HR crop. */
const DEGRADATIONS = ['bicubic', 'realesrgan', ...JPEG_QUALITIES.map((q) => `jpeg${q}`), ...NOISE_SIGMAS.map((s) => `noise${s}`)];

/** The image flattened over white, through a JPEG encoder at `quality` (4:2:0, as most encoders write) and back. */
async function jpeg(image: RgbaImage, quality: number): Promise<RgbaImage> {
  const { width, height } = image;
  const flat = overWhite(image);
  const bytes = await sharp(flat.data, { raw: { width, height, channels: 4 } }).removeAlpha().jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer();
  const { data } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** The image with Gaussian noise of `sigma` levels added to each colour channel independently; alpha kept. */
function withNoise(image: RgbaImage, sigma: number, seed: number): RgbaImage {
  const rng = new Rng(seed);
  const data = image.data.slice();
  for (let p = 0; p < data.length; p++) if ((p & 3) !== 3) data[p] = Math.max(0, Math.min(255, Math.round(data[p]! + sigma * rng.normal())));
  return { ...image, data };
}

/**
 * Clean, smooth HR images that `data/val` has few of and designers paste: seeded sums of sinusoids (test/helpers'
 * textures) at low roughness, 160 to 1024 px, and 8-bit linear, diagonal and radial gradients. Their bicubic ×4 LR
 * (40 to 256 px) is the bench's third subset, `smooth`, clean only and in the fit, so that soft clean content keeps
 * scoring low (a fit on `data/val` alone doubled such scores, docs/models.md).
 */
export function smoothCleanImages(): { file: string; hr: RgbaImage }[] {
  const out: { file: string; hr: RgbaImage }[] = [];
  for (const size of [160, 256, 512, 1024]) {
    for (const roughness of [0, 0.05, 0.15]) for (const seed of [1, 2]) out.push({ file: `texture-${size}-${roughness}-${seed}`, hr: texture(size, size, seed, roughness) });
  }
  const gradient = (name: string, size: number, at: (x: number, y: number) => number, from: number[], to: number[]): void => {
    const data = new Uint8Array(size * size * 4);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const t = Math.max(0, Math.min(1, at(x / (size - 1), y / (size - 1))));
        for (let c = 0; c < 3; c++) data[(y * size + x) * 4 + c] = Math.round(from[c]! + t * (to[c]! - from[c]!));
        data[(y * size + x) * 4 + 3] = 255;
      }
    }
    out.push({ file: `${name}-${size}`, hr: { width: size, height: size, data } });
  };
  for (const size of [256, 1024]) {
    gradient('linear', size, (x) => x, [30, 60, 200], [240, 120, 60]);
    gradient('diagonal', size, (x, y) => (x + y) / 2, [250, 250, 250], [180, 190, 210]);
    gradient('radial', size, (x, y) => Math.hypot(x - 0.5, y - 0.4) * 1.6, [255, 220, 120], [40, 20, 90]);
  }
  return out;
}

/** Every LR version of one HR crop, keyed by degradation. */
export async function lrVersions(hr: RgbaImage, seed: number): Promise<Record<string, RgbaImage>> {
  const bicubic = await makeLr(hr, 'bicubic', seed);
  const out: Record<string, RgbaImage> = { bicubic, realesrgan: await makeLr(hr, 'realesrgan', seed) };
  for (const q of JPEG_QUALITIES) out[`jpeg${q}`] = await jpeg(bicubic, q);
  for (const s of NOISE_SIGMAS) out[`noise${s}`] = withNoise(bicubic, s, seed);
  return out;
}

/** The table's subsets: data/val's two, and the smooth clean images of {@link smoothCleanImages} (clean only). */
const SUBSETS = ['photos', 'graphics', 'smooth'] as const;

/** The smooth clean images' bicubic LR and its estimate, as the `smooth` subset (clean only: one `bicubic` entry each). */
async function smoothClean(): Promise<{ perImage: PerImage; pairs: { file: string; hr: RgbaImage; lr: RgbaImage }[] }> {
  const pairs = await Promise.all(smoothCleanImages().map(async ({ file, hr }) => ({ file, hr, lr: await makeLr(hr, 'bicubic', 0) })));
  return { pairs, perImage: pairs.map(({ file, lr }) => ({ file, subset: 'smooth', estimates: { bicubic: estimateDegradation(lr) } })) };
}

/**
 * `--models`: what choosing wrongly would cost on the smooth clean images: PSNR-Y (4 px border) of each named zoo
 * model's ×4 upscale of their LR against the HR, as means per LR size, one row per model.
 */
async function compareOnSmooth(pairs: { file: string; hr: RgbaImage; lr: RgbaImage }[], models: string[]): Promise<Record<string, Record<string, number>>> {
  const sizes = [...new Set(pairs.map((p) => p.lr.width))].sort((a, b) => a - b);
  const table: Record<string, Record<string, number>> = {};
  const count = (size: number): number => pairs.filter((p) => p.lr.width === size).length;
  console.log(`\nsmooth clean images, ×${SCALE} PSNR-Y by LR size (mean over the images of that size):`);
  console.log(`| model | ${sizes.map((s) => `${s} px (${count(s)})`).join(' | ')} |`);
  console.log(`|---|${sizes.map(() => '---').join('|')}|`);
  for (const id of models) {
    const upscaler = await openUpscaler(join(ZOO, id), 'cpu');
    const psnr: Record<string, number[]> = {};
    for (const { hr, lr } of pairs) (psnr[lr.width] ??= []).push(psnrY(hr, await upscaler.upscale(lr, { scale: SCALE }), 4));
    await upscaler.dispose();
    table[id] = Object.fromEntries(sizes.map((s) => [`${s}`, mean(psnr[s]!)]));
    console.log(`| ${id} | ${sizes.map((s) => mean(psnr[s]!).toFixed(2)).join(' | ')} |`);
  }
  return table;
}

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** One table row: how the estimate judged one subset under one degradation (features as means). */
interface Row { subset: string; degradation: string; n: number; degraded: number; byBlur: number; byNet: number; score: number; features: DegradationFeatures }

export function summarise(estimates: PerImage): Row[] {
  const rows: Row[] = [];
  for (const subset of SUBSETS) {
    for (const degradation of DEGRADATIONS) {
      const es = estimates.filter((e) => e.subset === subset && e.estimates[degradation]).map((e) => e.estimates[degradation]!);
      if (es.length === 0) continue;
      rows.push({
        subset, degradation, n: es.length,
        degraded: es.filter((e) => e.degradation === 'degraded').length / es.length,
        byBlur: es.filter((e) => e.degradation === 'degraded' && e.pixels >= MIN_ESTIMATE_PIXELS && blurScore(e.features) > degradationScore(e.features)).length / es.length,
        score: mean(es.map((e) => e.score)),
        features: {
          blockiness: mean(es.map((e) => e.features.blockiness)), flatStepDeficit: mean(es.map((e) => e.features.flatStepDeficit)),
          noiseSigma: mean(es.map((e) => e.features.noiseSigma)), detail: mean(es.map((e) => e.features.detail)),
          flatShare: mean(es.map((e) => e.features.flatShare)), edgeStrength: mean(es.map((e) => e.features.edgeStrength)),
          learned: mean(es.flatMap((e) => (e.features.learned == null ? [] : [e.features.learned]))),
        },
        byNet: es.filter((e) => (e.features.learned ?? 0) >= DEGRADED_FROM).length / es.length,
      });
    }
  }
  return rows;
}

/** The regression's inputs: the model's terms, the flat share, and the terms times the flat share. */
function terms(f: DegradationFeatures): number[] {
  const base = degradationTerms(f);
  return [...base, f.flatShare, ...base.map((t) => t * f.flatShare)];
}
const DEGRADED_FOR_FIT = new Set(['realesrgan', 'jpeg30', 'jpeg50', 'noise5', 'noise10']);

/** A weighted logistic regression by gradient descent on standardised terms; returns the model in raw terms. */
function fitLogistic(samples: { x: number[]; y: number; weight: number }[]): { bias: number; weights: number[] } {
  const k = samples[0]!.x.length;
  const mu = Array.from({ length: k }, (_, j) => mean(samples.map((s) => s.x[j]!)));
  const sd = Array.from({ length: k }, (_, j) => Math.sqrt(mean(samples.map((s) => (s.x[j]! - mu[j]!) ** 2))) || 1);
  const z = samples.map((s) => s.x.map((v, j) => (v - mu[j]!) / sd[j]!));
  const totalWeight = samples.reduce((a, s) => a + s.weight, 0);
  let [w, b] = [new Array<number>(k).fill(0), 0];
  for (let iteration = 0; iteration < 4000; iteration++) {
    const gw = new Array<number>(k).fill(0);
    let gb = 0;
    z.forEach((zi, i) => {
      const p = 1 / (1 + Math.exp(-(b + zi.reduce((a, v, j) => a + v * w[j]!, 0))));
      const e = (p - samples[i]!.y) * samples[i]!.weight;
      gb += e;
      zi.forEach((v, j) => (gw[j] = gw[j]! + e * v));
    });
    w = w.map((v, j) => v - 0.5 * (gw[j]! / totalWeight + 1e-3 * v));
    b -= (0.5 * gb) / totalWeight;
  }
  return { bias: b - w.reduce((a, v, j) => a + (v * mu[j]!) / sd[j]!, 0), weights: w.map((v, j) => v / sd[j]!) };
}

/** Fits DEGRADATION_MODEL to the images' features and lowers its bias until ≥ 95 % of each subset's clean images score under 0.5. */
export function fitModel(perImage: PerImage): { bias: number; weights: number[] } {
  const samples = perImage.flatMap(({ subset, estimates }) => Object.entries(estimates)
    .filter(([d, e]) => e.pixels > 0 && (d === 'bicubic' || DEGRADED_FOR_FIT.has(d)))
    .map(([d, e]) => ({ subset, x: terms(e.features), y: d === 'bicubic' ? 0 : 1, weight: 0 })));
  for (const s of samples) s.weight = 1 / samples.filter((o) => o.subset === s.subset && o.y === s.y).length;
  const model = fitLogistic(samples);
  const logit = (x: number[]): number => model.bias + x.reduce((a, v, j) => a + v * model.weights[j]!, 0);
  for (const subset of SUBSETS) {
    const clean = samples.filter((s) => s.subset === subset && s.y === 0).map((s) => logit(s.x)).sort((a, b) => a - b);
    if (clean.length === 0) continue;
    const p95 = clean[Math.min(clean.length - 1, Math.ceil(0.95 * clean.length) - 1)]!;
    if (p95 >= 0) model.bias -= p95 + 1e-3;
  }
  return model;
}

/** A fitted regression in DEGRADATION_MODEL's shape. */
export function asModel({ bias, weights }: { bias: number; weights: number[] }): DegradationModel {
  const names = Object.keys(DEGRADATION_MODEL.weights) as (keyof TermWeights)[];
  const pick = (offset: number): TermWeights => Object.fromEntries(names.map((name, j) => [name, weights[offset + j]!])) as unknown as TermWeights;
  return { bias, flatShareWeight: weights[names.length]!, weights: pick(0), flatWeights: pick(names.length + 1) };
}

/** The estimates re-scored by `model` (features as measured). */
function rescored(perImage: PerImage, model: DegradationModel): PerImage {
  const rescore = (e: DegradationEstimate): DegradationEstimate => {
    const features = { ...e.features, edgeStrength: e.features.edgeStrength ?? 0, learned: e.features.learned ?? null };
    const score = e.pixels < MIN_ESTIMATE_PIXELS ? 0 : estimateScore(features, model);
    return { ...e, features, score, degradation: score >= DEGRADED_FROM ? 'degraded' : 'clean' };
  };
  return perImage.map((im) => ({ ...im, estimates: Object.fromEntries(Object.entries(im.estimates).map(([d, e]) => [d, rescore(e)])) }));
}

/** Two-fold check of the fit: fit on the even-numbered images, score the odd ones, and the other way round. */
function heldOut(perImage: PerImage): PerImage {
  const half = (parity: number): PerImage => perImage.filter((_, i) => i % 2 === parity);
  return [0, 1].flatMap((parity) => rescored(half(1 - parity), asModel(fitModel(half(parity)))));
}

/** Prints a table of rows as markdown. */
function printTable(rows: Row[]): void {
  console.log('| subset | degradation | n | chosen degraded | by blur | net alone | mean score | blockiness | flat-step deficit | noise σ | detail | flat share | edge strength | net score |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const { subset, degradation, n, degraded, byBlur, byNet, score, features: f } of rows) {
    const pct = (x: number): string => `${(100 * x).toFixed(0)} %`;
    console.log(`| ${subset} | ${degradation} | ${n} | ${pct(degraded)} | ${pct(byBlur)} | ${pct(byNet)} | ${score.toFixed(2)} | ${f.blockiness.toFixed(3)} | ${f.flatStepDeficit.toFixed(3)} | ${f.noiseSigma.toFixed(2)} | ${f.detail.toFixed(3)} | ${f.flatShare.toFixed(2)} | ${f.edgeStrength.toFixed(1)} | ${(f.learned ?? NaN).toFixed(2)} |`);
  }
}

/** Every image's estimates, measured on LR inputs built from the validation set. */
async function measure(val: string, limit: number, crop: number, seed: number): Promise<PerImage> {
  const set = await readValidationSet(val, limit);
  const perImage: PerImage = [];
  for (const [i, { file, image: full, subset }] of set.entries()) {
    const side = (n: number): number => Math.floor((crop > 0 ? Math.min(crop, n) : n) / SCALE) * SCALE;
    const hr = detailCrop(full, side(full.width), side(full.height));
    const lr = await lrVersions(hr, seed + i);
    perImage.push({ file, subset, estimates: Object.fromEntries(Object.entries(lr).map(([d, image]) => [d, estimateDegradation(image)])) });
  }
  return perImage;
}

/** Median milliseconds of one call of `read` (the estimate, or the flatness test an auto model adds) on a 1024² opaque texture. */
function timeOneMegapixel(read: (image: RgbaImage) => unknown): number {
  const image = texture(1024, 1024, 1, 0.25);
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    read(image);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[3]!;
}

async function main(): Promise<void> {
  const { values: opt } = parseArgs({
    options: {
      val: { type: 'string', default: 'data/val' },
      limit: { type: 'string', default: '0' },
      crop: { type: 'string', default: '512' },
      seed: { type: 'string', default: '0' },
      out: { type: 'string', default: fileURLToPath(new URL('./results', import.meta.url)) },
      fit: { type: 'boolean', default: false },
      from: { type: 'string' },
      models: { type: 'string' },
    },
  });
  const crop = Number(opt.crop);
  const saved = opt.from ? (JSON.parse(readFileSync(opt.from, 'utf8')) as { images: PerImage }).images : null;
  const measured = saved ? rescored(saved.filter((im) => im.subset !== 'smooth'), DEGRADATION_MODEL) : await measure(opt.val, Number(opt.limit), crop, Number(opt.seed));
  const smooth = await smoothClean();
  const perImage = [...measured, ...smooth.perImage];
  const rows = summarise(perImage);
  const msPerMegapixel = timeOneMegapixel(estimateDegradation);
  const flatMsPerMegapixel = timeOneMegapixel(isFlat);
  const source = saved ? `the features saved in ${opt.from}` : opt.val === SYNTHETIC_VAL ? 'generated images (a smoke run)' : resolve(opt.val);
  console.log(`degradation estimate on ${source}, ${crop} px crops → ×${SCALE} LR; degraded from score ${DEGRADED_FROM}`);
  printTable(rows);
  const fitted = opt.fit ? fitModel(perImage) : null;
  if (fitted) {
    console.log(`fitted DEGRADATION_MODEL: ${JSON.stringify(asModel(fitted), (_key, v: unknown) => (typeof v === 'number' ? Number(v.toFixed(4)) : v))}`);
    console.log('held out (fit on half the images, scored on the other half, both ways):');
    printTable(summarise(heldOut(perImage)));
  }
  const onSmooth = opt.models ? await compareOnSmooth(smooth.pairs, opt.models.split(',')) : null;
  console.log(`one estimate of a 1024² image: ${msPerMegapixel.toFixed(1)} ms; the flatness test: ${flatMsPerMegapixel.toFixed(1)} ms (medians of 7)`);
  writeResults(join(opt.out, 'degradation-estimate.json'), {
    date: new Date().toISOString(), val: source, scale: SCALE, crop, seed: Number(opt.seed),
    degradedFrom: DEGRADED_FROM, model: DEGRADATION_MODEL, msPerMegapixel, flatMsPerMegapixel, rows, ...(fitted ? { fitted } : {}), ...(onSmooth ? { psnrOnSmooth: onSmooth } : {}), images: perImage,
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runBench('bench/degradation-estimate', main);
