/**
 * `tsdsr train style`: a custom style from a folder of a designer's images, as a short fine-tune of a shipped model
 * (`--from tsdsr-fast`) under a time budget. A held-out part of the folder (chosen by file, never trained on) scores
 * the new model against the one it started from: ×4 PSNR-Y on bicubic-downscaled centre crops.
 */
import { createHash } from 'node:crypto';
import { psnrY } from '../../../bench/metrics/psnr-ssim.ts';
import type { RgbaImage } from '../../../models/runtime/index.ts';
import { openUpscaler } from '../../../models/runtime/node.ts';
import type { DeviceChoice } from '../../../models/runtime/index.ts';
import { scanTrainingFolder, type ImageEntry } from '../data/index.ts';
import { centreCropPair, planarToRgba } from './probe.ts';
import type { LoopResult } from './runner.ts';
import { trainTsd, type RunContext } from './runs.ts';
import { BUDGET_STEP_CAP, type RunOptions } from './run-options.ts';

/** Held-out share of a style folder, and its bounds. */
export const HELD_OUT = Object.freeze({ share: 0.1, max: 16, minImages: 6 });

/** Options of a style run that differ from `train tsd --from-model`'s defaults (a short fine-tune on clean artwork). */
export const STYLE_DEFAULTS: Readonly<Partial<RunOptions>> = Object.freeze({
  steps: BUDGET_STEP_CAP, minutes: 10, batch: 4, cropSizePx: 128, scale: 4, degradation: 'bicubic', detailCandidates: 4, lr: 2e-4, warmupSteps: 20,
  checkpointEvery: 100, sampleEvery: 100,
});

/** The images kept out of training: every file whose hash ranks in the first 10 % (1 to 16 of them; none under 6 images). */
export function heldOutImages(entries: readonly ImageEntry[]): ImageEntry[] {
  if (entries.length < HELD_OUT.minImages) return [];
  const count = Math.min(HELD_OUT.max, Math.max(1, Math.round(entries.length * HELD_OUT.share)));
  const rank = (e: ImageEntry): string => createHash('sha256').update(e.relativePath).digest('hex');
  return [...entries].sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0)).slice(0, count);
}

/** A model scored on the held-out images. */
export interface HeldOutScore {
  label: string;
  dir: string;
  /** Mean ×4 PSNR-Y in dB over the held-out crops. */
  psnrY: number;
}

/** The centre crop of an image as RGBA, and its bicubic LR (`centreCropPair`). */
async function heldOutPair(path: string, side: number, scale: number): Promise<{ hr: RgbaImage; lr: RgbaImage }> {
  const pair = await centreCropPair(path, side, scale);
  return { hr: planarToRgba(pair.hr), lr: planarToRgba(pair.lr) };
}

/** Mean ×`scale` PSNR-Y (border `scale`) of each model on the images' centre crops, bicubic-downscaled. */
export async function scoreHeldOut(paths: readonly string[], models: readonly { label: string; dir: string }[], o: { scale?: number; cropPx?: number; device?: DeviceChoice } = {}): Promise<HeldOutScore[]> {
  const scale = o.scale ?? 4;
  const pairs = await Promise.all(paths.map((p) => heldOutPair(p, o.cropPx ?? 256, scale)));
  const scores: HeldOutScore[] = [];
  for (const m of models) {
    const upscaler = await openUpscaler(m.dir, o.device ?? 'cpu');
    try {
      let sum = 0;
      for (const { hr, lr } of pairs) sum += psnrY(await upscaler.upscale(lr, { scale }), hr, scale);
      scores.push({ ...m, psnrY: sum / pairs.length });
    } finally {
      await upscaler.dispose();
    }
  }
  return scores;
}

/** What `train style` needs; everything else is a `train tsd` option (STYLE_DEFAULTS otherwise). */
export interface StyleRunOptions extends Partial<RunOptions> {
  data: string;
  out: string;
  exportDir: string;
  fromModel: string;
  /** Label of the start model in the scores (its id). */
  fromLabel?: string;
  /** A bicubic model directory to score beside the two, when given. */
  bicubicDir?: string;
}

/** The run's outcome and, when the folder had enough images to hold some out, the scores. */
export interface StyleResult extends LoopResult {
  modelDir?: string;
  heldOut: string[];
  scores: HeldOutScore[];
}

/** Holds out part of the folder, fine-tunes the start model on the rest within the budget, exports, and scores both. */
export async function trainStyle(options: StyleRunOptions, ctx: RunContext = {}): Promise<StyleResult> {
  const { fromLabel, bicubicDir, ...rest } = options;
  const o = { ...STYLE_DEFAULTS, ...rest };
  const entries = await scanTrainingFolder(o.data, { style: o.style, minSidePx: o.cropSizePx, log: ctx.log });
  const heldOut = heldOutImages(entries);
  if (heldOut.length === 0) ctx.log?.(`only ${entries.length} usable images: none held out, so the style is not scored (${HELD_OUT.minImages} or more are needed)`);
  else ctx.log?.(`holding out ${heldOut.length} of ${entries.length} images to score the style: ${heldOut.map((e) => e.relativePath).join(', ')}`);
  const result = await trainTsd({ ...o, exclude: [...(o.exclude ?? []), ...heldOut.map((e) => e.relativePath)], probe: o.probe ?? heldOut.map((e) => e.path) }, ctx);
  const out: StyleResult = { ...result, heldOut: heldOut.map((e) => e.relativePath), scores: [] };
  if (result.interrupted || heldOut.length === 0 || result.modelDir === undefined) return out;
  const models = [
    ...(bicubicDir ? [{ label: 'bicubic', dir: bicubicDir }] : []),
    { label: fromLabel ?? o.fromModel, dir: o.fromModel },
    { label: o.id ?? 'style', dir: result.modelDir },
  ];
  out.scores = await scoreHeldOut(heldOut.map((e) => e.path), models, { scale: 4, device: o.device });
  return out;
}
