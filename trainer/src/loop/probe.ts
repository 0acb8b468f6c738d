/**
 * A held-out probe: fixed centre crops of images the run never trains on, run through the student before the first
 * step and at every sample step, scored (×scale PSNR-Y against the crop) and drawn as rows of LR | student | HR.
 * It shows whether a run moves from where it started toward the targets, where the training losses cannot (the
 * TSD term's value is the size of the score difference, not a distance to the target; batches differ every step).
 * Writes `<out>/heldout.jsonl` (one record per probe) and `<out>/samples/heldout-step-NNNNNN.png`.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { psnrY } from '../../../bench/metrics/psnr-ssim.ts';
import { waveletColorFix } from '../../../models/runtime/color-fix.ts';
import { createRgbaImage, type RgbaImage } from '../../../models/runtime/index.ts';
import { resizePlanar } from '../../../models/runtime/resize.ts';
import { bicubicLr, cropReflect, fromInterleavedRgb8, toInterleavedRgb8, type PlanarImage, type TrainingBatch } from '../data/index.ts';
import type { TrainStage } from './runner.ts';
import { writeSampleGrid, type SheetImage } from './sample-sheet.ts';

/** Rows drawn in a probe sheet (the score uses every crop). */
export const PROBE_SHEET_ROWS = 4;

/** The centre square of an image composited over white (at most `side` px, a multiple of `scale`), and its bicubic LR. */
export async function centreCropPair(path: string, side: number, scale: number): Promise<{ hr: PlanarImage; lr: PlanarImage }> {
  const { data, info } = await sharp(path).flatten({ background: '#ffffff' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const full = fromInterleavedRgb8(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height);
  const size = Math.floor(Math.min(side, info.width, info.height) / scale) * scale;
  const hr = cropReflect(full, Math.floor((info.width - size) / 2), Math.floor((info.height - size) / 2), size, size);
  return { hr, lr: bicubicLr(hr, scale) };
}

/** An 8-bit RGBA image of a planar RGB one in [0, 1] (rounded, clamped). */
export function planarToRgba(image: PlanarImage): RgbaImage {
  const rgb = toInterleavedRgb8(image);
  const out = createRgbaImage(image.width, image.height);
  for (let p = 0; p < image.width * image.height; p++) out.data.set([rgb[p * 3]!, rgb[p * 3 + 1]!, rgb[p * 3 + 2]!, 255], p * 4);
  return out;
}

/** What the probe needs: the images, the run's crop, scale and batch (the stage's graphs have a fixed batch). */
export interface ProbeOptions {
  paths: readonly string[];
  cropSizePx: number;
  scale: number;
  batch: number;
  outDir: string;
  log?: (message: string) => void;
}

/** One probe's outcome. */
export interface ProbeRecord {
  step: number;
  /** Mean ×scale PSNR-Y over the crops, border `scale`. */
  psnrY: number;
  images: number;
}

const planar = (data: Float32Array, sizePx: number): PlanarImage => ({ width: sizePx, height: sizePx, channels: 3, data });

/**
 * Loads the crops (images smaller than the crop are skipped, as training skips them) and returns the loop's probe.
 * Undefined when no image is usable.
 */
export async function heldOutProbe(o: ProbeOptions): Promise<((stage: TrainStage, step: number) => Promise<ProbeRecord | undefined>) | undefined> {
  const pairs: { hr: PlanarImage; lr: PlanarImage }[] = [];
  for (const path of o.paths) {
    const pair = await centreCropPair(path, o.cropSizePx, o.scale).catch(() => undefined);
    if (pair && pair.hr.width === o.cropSizePx) pairs.push(pair);
  }
  if (pairs.length === 0) return undefined;
  const [hrSize, lrSize] = [o.cropSizePx, o.cropSizePx / o.scale];
  const batches: TrainingBatch[] = [];
  for (let first = 0; first < pairs.length; first += o.batch) {
    const members = Array.from({ length: o.batch }, (_, k) => pairs[Math.min(first + k, pairs.length - 1)]!); // the last batch repeats its last crop
    const stack = (pick: (p: { hr: PlanarImage; lr: PlanarImage }) => PlanarImage, size: number): Float32Array => {
      const out = new Float32Array(o.batch * 3 * size * size);
      members.forEach((p, k) => out.set(pick(p).data, k * 3 * size * size));
      return out;
    };
    batches.push({
      size: o.batch, hr: stack((p) => p.hr, hrSize), lr: stack((p) => p.lr, lrSize), hrSizePx: hrSize, lrSizePx: lrSize,
      captions: members.map(() => ''), styles: members.map(() => ''), positions: members.map(() => ({ epoch: 0, index: 0 })),
    });
  }
  let start: number | undefined;
  return async (stage, step) => {
    if (!stage.evaluate) return undefined;
    const outputs: PlanarImage[] = [];
    for (const batch of batches) {
      const images = await stage.evaluate(batch, step);
      for (let k = 0; k < o.batch && outputs.length < pairs.length; k++) {
        // with the wavelet colour fix against the bicubic upsampled LR, as every exported model runs
        const { lr } = pairs[outputs.length]!;
        const content = { data: images.slice(k * 3 * hrSize * hrSize, (k + 1) * 3 * hrSize * hrSize), channels: 3, height: hrSize, width: hrSize };
        const reference = { data: resizePlanar(lr.data, 3, lrSize, lrSize, hrSize, hrSize), channels: 3, height: hrSize, width: hrSize };
        outputs.push(planar(waveletColorFix(content, reference), hrSize));
      }
    }
    let sum = 0;
    outputs.forEach((out, i) => { sum += psnrY(planarToRgba(out), planarToRgba(pairs[i]!.hr), o.scale); });
    const record: ProbeRecord = { step, psnrY: sum / outputs.length, images: outputs.length };
    await mkdir(o.outDir, { recursive: true });
    await appendFile(join(o.outDir, 'heldout.jsonl'), `${JSON.stringify({ step, psnr_y: record.psnrY, images: record.images })}\n`);
    const rows: SheetImage[][] = outputs.slice(0, PROBE_SHEET_ROWS).map((out, i) => [
      { data: pairs[i]!.lr.data, sizePx: lrSize }, { data: out.data, sizePx: hrSize }, { data: pairs[i]!.hr.data, sizePx: hrSize },
    ]);
    await writeSampleGrid(join(o.outDir, 'samples', `heldout-step-${String(step).padStart(6, '0')}.png`), rows);
    start ??= record.psnrY;
    const change = record.psnrY - start;
    o.log?.(`held-out PSNR-Y at step ${step}: ${record.psnrY.toFixed(2)} dB over ${record.images} crop${record.images === 1 ? '' : 's'}` +
      (step === 0 || change === 0 ? '' : ` (${change >= 0 ? '+' : ''}${change.toFixed(2)} dB since the first probe)`));
    return record;
  };
}
