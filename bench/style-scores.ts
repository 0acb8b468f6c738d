/**
 * `npx tsx bench/style-scores.ts --data <style folder> --model <style model dir> [--name <label>] [--crops 256,384]
 *    [--min-side 128] [--sheets 3] [--out bench/results]`
 *
 * Scores a style trained by `tsdsr train style` on the images that run held out (the same files: heldOutImages over
 * scanTrainingFolder, as trainStyle picks them): ×4 PSNR-Y, SSIM-Y and NIQE of bicubic, tsdsr-fast and the style, on
 * centre crops (up to each --crops size, composited over white, bicubic-downscaled), and the HR crops' own NIQE.
 * Prints one table per crop size,
 * writes OUT/style-scores-<label>.json and a crop sheet OUT/style-sheet-<label>.png (HR | bicubic | tsdsr-fast | style).
 */
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createRgbaImage, type RgbaImage } from '../models/runtime/index.ts';
import { openUpscaler } from '../models/runtime/node.ts';
import { bicubicLr, cropReflect, fromInterleavedRgb8, scanTrainingFolder, toInterleavedRgb8, type PlanarImage } from '../trainer/src/data/index.ts';
import { heldOutImages } from '../trainer/src/loop/style.ts';
import { NIQE_BLOCK, niqe, niqeBlockGrid, readPristineNiqeModel, type NiqeModel } from './metrics/niqe.ts';
import { psnrY, ssimY } from './metrics/psnr-ssim.ts';
import { cropBorder, roundLikeReference, yChannel } from './metrics/y-channel.ts';
import { writeResults } from './results.ts';
import { runBench, SetupError } from './setup-error.ts';

const SCALE = 4;
/** The row of the HR crops themselves (NIQE only). */
const HR_LABEL = '*hr (the reference)*';
const ZOO = fileURLToPath(new URL('../models/zoo/', import.meta.url));

/** One held-out crop: its HR and bicubic LR as RGBA. */
interface Pair {
  file: string;
  hr: RgbaImage;
  lr: RgbaImage;
}

/** Scores of one model on one crop; NIQE null where the crop leaves NIQE under two 96 px blocks. */
interface Scores {
  psnr: number;
  ssim: number;
  niqe: number | null;
}

/** An opaque RGBA image from planar RGB. */
function toRgba(image: PlanarImage): RgbaImage {
  const rgb = toInterleavedRgb8(image);
  const out = createRgbaImage(image.width, image.height);
  for (let p = 0; p < image.width * image.height; p++) out.data.set([rgb[p * 3]!, rgb[p * 3 + 1]!, rgb[p * 3 + 2]!, 255], p * 4);
  return out;
}

/** The centre crop (at most `side` px, a multiple of the scale) of an image over white, and its bicubic LR (as trainStyle scores). */
async function centrePair(path: string, file: string, side: number): Promise<Pair> {
  const { data, info } = await sharp(path).flatten({ background: '#ffffff' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const full = fromInterleavedRgb8(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height);
  const size = Math.floor(Math.min(side, info.width, info.height) / SCALE) * SCALE;
  const hr = cropReflect(full, Math.floor((info.width - size) / 2), Math.floor((info.height - size) / 2), size, size);
  return { file, hr: toRgba(hr), lr: toRgba(bicubicLr(hr, SCALE)) };
}

/** PSNR-Y, SSIM-Y (border 4) and NIQE of an output against its HR. */
function score(out: RgbaImage, hr: RgbaImage, model: NiqeModel): Scores {
  const y = cropBorder(yChannel(out), out.height, out.width, SCALE);
  const [rows, cols] = niqeBlockGrid(y.height, y.width);
  return { psnr: psnrY(hr, out, SCALE), ssim: ssimY(hr, out, SCALE), niqe: rows * cols >= 2 ? niqe(roundLikeReference(y.data), y.height, y.width, model) : null };
}

/** Mean of the finite values, null when none. */
function mean(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
}

/** The `panel` px centre window of each image of a row, magnified ×2 (nearest), rows stacked, 4 px white gaps. */
async function writeSheet(path: string, rows: RgbaImage[][], panel = 160): Promise<void> {
  const cell = panel * 2;
  const cols = Math.max(...rows.map((r) => r.length));
  const [W, H] = [cols * (cell + 4) + 4, rows.length * (cell + 4) + 4];
  const sheet = Buffer.alloc(W * H * 3, 255);
  rows.forEach((row, r) => row.forEach((img, c) => {
    const p = Math.min(panel, img.width, img.height);
    const [x0, y0] = [Math.floor((img.width - p) / 2), Math.floor((img.height - p) / 2)];
    for (let y = 0; y < p * 2; y++) {
      for (let x = 0; x < p * 2; x++) {
        const s = ((y0 + (y >> 1)) * img.width + x0 + (x >> 1)) * 4;
        const d = ((r * (cell + 4) + 4 + y) * W + c * (cell + 4) + 4 + x) * 3;
        for (let k = 0; k < 3; k++) sheet[d + k] = img.data[s + k]!;
      }
    }
  }));
  await sharp(sheet, { raw: { width: W, height: H, channels: 3 } }).png().toFile(path);
}

async function main(): Promise<void> {
  const { values: opt } = parseArgs({
    options: {
      data: { type: 'string' }, model: { type: 'string' }, name: { type: 'string' }, crops: { type: 'string', default: '256,384' },
      'min-side': { type: 'string', default: '128' }, sheets: { type: 'string', default: '3' }, out: { type: 'string', default: 'bench/results' },
    },
    strict: true,
  });
  if (!opt.data || !opt.model) throw new SetupError('needs --data <style folder> and --model <style model dir> (see the usage at the top of bench/style-scores.ts)');
  const label = opt.name ?? basename(resolve(opt.data));
  const crops = opt.crops!.split(',').map(Number);
  const entries = await scanTrainingFolder(opt.data, { minSidePx: Number(opt['min-side']), log: () => {} });
  const heldOut = heldOutImages(entries);
  if (heldOut.length === 0) throw new SetupError(`${opt.data}: ${entries.length} usable images, none held out`);
  console.log(`${label}: ${heldOut.length} held-out of ${entries.length} images: ${heldOut.map((e) => e.relativePath).join(', ')}`);
  const models = [{ label: 'bicubic', dir: join(ZOO, 'bicubic') }, { label: 'tsdsr-fast', dir: join(ZOO, 'tsdsr-fast') }, { label: 'style', dir: resolve(opt.model) }];
  const niqeModel = readPristineNiqeModel();
  const pairs = new Map<number, Pair[]>();
  for (const side of crops) pairs.set(side, await Promise.all(heldOut.map((e) => centrePair(e.path, e.relativePath, side))));
  const scores: Record<string, Record<string, Record<string, Scores>>> = {}; // crop → model → file
  const sheetRows = new Map<string, RgbaImage[]>(); // file → [HR, bicubic, tsdsr-fast, style] at the largest crop
  const sheetCount = Number(opt.sheets);
  const largest = Math.max(...crops);
  for (const m of models) {
    const upscaler = await openUpscaler(m.dir, 'cpu');
    try {
      for (const side of crops) {
        for (const [i, p] of pairs.get(side)!.entries()) {
          const out = await upscaler.upscale(p.lr, { scale: SCALE });
          ((scores[side] ??= {})[m.label] ??= {})[p.file] = score(out, p.hr, niqeModel);
          if (side === largest && i < sheetCount) (sheetRows.get(p.file) ?? sheetRows.set(p.file, [p.hr]).get(p.file)!).push(out);
        }
      }
    } finally {
      await upscaler.dispose();
    }
  }
  // The HR crops' own NIQE: on flat artwork it is often higher than an upscale's (NIQE reads grain as natural), so a
  // style's NIQE is read against it, not only against tsdsr-fast's.
  for (const side of crops) for (const p of pairs.get(side)!) ((scores[side] ??= {})[HR_LABEL] ??= {})[p.file] = score(p.hr, p.hr, niqeModel);
  const summary: Record<string, Record<string, { psnr: number | null; ssim: number | null; niqe: number | null; niqeImages: number }>> = {};
  for (const side of crops) {
    console.log(`\ncrop ≤ ${side} px, ×4 bicubic down (NIQE needs 2+ whole 96 px blocks after the 4 px border):`);
    console.log('| model | PSNR-Y | SSIM-Y | NIQE ↓ | NIQE images |\n|---|---|---|---|---|');
    for (const m of [...models, { label: HR_LABEL }]) {
      const rows = Object.values(scores[side]![m.label]!);
      const s = { psnr: mean(rows.map((r) => r.psnr)), ssim: mean(rows.map((r) => r.ssim)), niqe: mean(rows.map((r) => r.niqe)), niqeImages: rows.filter((r) => r.niqe !== null).length };
      (summary[side] ??= {})[m.label] = s;
      console.log(`| ${m.label} | ${s.psnr?.toFixed(2) ?? '–'} | ${m.label === HR_LABEL ? '–' : s.ssim?.toFixed(4)} | ${s.niqe?.toFixed(2) ?? '–'} | ${s.niqeImages}/${rows.length} |`);
    }
  }
  const sheetPath = sheetRows.size > 0 ? resolve(opt.out!, `style-sheet-${label}.png`) : null;
  if (sheetPath) await writeSheet(sheetPath, [...sheetRows.values()]);
  const jsonPath = resolve(opt.out!, `style-scores-${label}.json`);
  writeResults(jsonPath, { date: new Date().toISOString(), data: resolve(opt.data), model: resolve(opt.model), scale: SCALE, border: SCALE, crops, niqeBlock: NIQE_BLOCK, heldOut: heldOut.map((e) => e.relativePath), sheet: sheetPath, sheetColumns: ['HR', ...models.map((m) => m.label)], summary, scores });
  if (!sheetPath) console.log(`\nwrote ${jsonPath} (no crop sheet: --sheets 0)`);
  else console.log(`\nwrote ${jsonPath} and ${sheetPath} (rows: ${[...sheetRows.keys()].join(', ')}; columns HR | bicubic | tsdsr-fast | style, centre 160 px ×2)`);
}

await runBench('style-scores', main);
