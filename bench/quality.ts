/**
 * ×4 quality on a validation folder: PSNR-Y and SSIM-Y (border 4, BasicSR-style), NIQE of the output and the
 * alpha-edge error, for each method under (a) bicubic and (b) Real-ESRGAN degradation (fixed seeds), photos and
 * graphics reported apart. See docs/quality.md for the definitions.
 *
 *   npx tsx bench/quality.ts [--val data/val|synthetic] [--models bicubic,nearest,lanczos,<model dir>,esrgan-slim,esrgan-medium,esrgan-thick,realesrgan-x4fast,realesrgan-x4plus,hr]
 *     [--limit N] [--per-subset N] [--crop 512] [--crop-at detail|center] [--fit N] [--seed 0] [--sheets 3] [--sheet-rows a,b] [--out bench/results] [--alpha model|bicubic]
 * `--fit N` first scales each image down (cubic, antialiased) so its longer side is at most N px; with `--crop 0` the
 * bench then scores whole images, as a designer pastes them, instead of their most detailed window.
 * `--per-subset N` scores at most N photos and N graphics, evenly spread over each subset's sorted files (every package).
 * `--alpha` is passed to tsdsr models' upscale (how they upscale transparency; default: the model's own way).
 * A model directory or id may end in `@none`, `@wavelet` or `@adain` to run it with that colour fix instead of its own.
 * realesrgan-x4fast and -x4plus are Upscayl's ncnn models (bench/upscayl.ts), imported and run by our runtime.
 * `hr` scores the reference itself (PSNR ∞, shown as –): the NIQE that the ground truth gets. The photos are also
 * summarised as `natural photos`: those whose HR's NIQE is under 10 (NIQE reads natural-scene statistics, and the
 * flat wallpapers among the photos score 18–30 on their own HR).
 * Prints one table per degradation × subset, writes OUT/quality.json and OUT/quality-sheet-<degradation>.png: --sheets
 * images spread evenly over the list (or, with `--sheet-rows a,b`, those whose file names contain a or b), one row each (the HR's most detailed window), columns LR | bicubic | every
 * TSD-SR model and ESRGAN peer in the order run | HR.
 * `data/val` is made by `npm run data:build` (docs/data.md); without it the bench stops saying so. `--val synthetic`
 * scores four generated images instead: a smoke run of the whole bench on a fresh clone, not a quality figure.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createRgbaImage, hasTransparency, isAutoManifestJson, parseAutoManifest, type AutoManifest, type RgbaImage } from '../models/runtime/index.ts';
import { openAutoUpscaler } from './auto-upscaler.ts';
import { bleedTransparentColors } from '../models/runtime/alpha-bleed.ts';
import { openUpscaler } from '../models/runtime/node.ts';
import { bicubicLr, degradeRealEsrgan, type PlanarImage } from '../trainer/src/data/index.ts';
import { NIQE_BLOCK, niqe, niqeBlockGrid, readPristineNiqeModel } from './metrics/niqe.ts';
import { psnrY, ssimY } from './metrics/psnr-ssim.ts';
import { cropBorder, roundLikeReference, yChannel } from './metrics/y-channel.ts';
import { writeResults } from './results.ts';
import { runBench } from './setup-error.ts';
import { openUpscalerJs, UPSCALERJS_MODELS, type UpscalerJsModel } from './upscalerjs.ts';
import { isUpscaylModel, UPSCAYL_MODELS, upscaylModelDir } from './upscayl.ts';
import { readValidationSet, SYNTHETIC_VAL } from './validation-set.ts';

const SCALE = 4;
const BORDER = 4;
const DEGRADATIONS = ['bicubic', 'realesrgan'] as const;
type Degradation = (typeof DEGRADATIONS)[number];

/** Under this many blocks per image, NIQE's mean moves with the window it happens to read (docs/quality.md). */
const NIQE_FEW_BLOCKS = 9;

/** How many blocks NIQE reads of a w × h output once the border is cropped. */
export function niqeBlocks(width: number, height: number, border = BORDER): number {
  const [rows, cols] = niqeBlockGrid(height - 2 * border, width - 2 * border);
  return rows * cols;
}

/** Scores of one output against its HR; null where a metric doesn't apply. */
export interface Scores {
  psnr: number;
  ssim: number;
  niqe: number | null;
  alphaEdge: number | null;
  ms: number;
  /** The model an auto model ran on this input. */
  chose?: string;
}

/**
 * The image as it is seen, composited over white (the trainer's background); opaque images are returned as they
 * are. Colour metrics are taken on this, so the arbitrary colours of fully transparent pixels do not count.
 */
export function overWhite(image: RgbaImage): RgbaImage {
  if (!hasTransparency(image)) return image;
  const out = createRgbaImage(image.width, image.height);
  for (let p = 0; p < image.data.length; p += 4) {
    const a = image.data[p + 3]! / 255;
    for (let c = 0; c < 3; c++) out.data[p + c] = Math.round(image.data[p + c]! * a + 255 * (1 - a));
    out.data[p + 3] = 255;
  }
  return out;
}

/** The image scaled down (Catmull-Rom cubic, antialiased, alpha premultiplied: sharp) so its longer side is at most `side` px; as it is when it already fits. */
export async function fitWithin(image: RgbaImage, side: number): Promise<RgbaImage> {
  const f = side / Math.max(image.width, image.height);
  if (f >= 1) return image;
  const [width, height] = [Math.max(1, Math.round(image.width * f)), Math.max(1, Math.round(image.height * f))];
  const { data, info } = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), { raw: { width: image.width, height: image.height, channels: 4 } })
    .resize(width, height, { kernel: 'cubic', fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** The central w × h region of an image. */
export function centralCrop(image: RgbaImage, w: number, h: number): RgbaImage {
  return cropAt(image, (image.width - w) >> 1, (image.height - h) >> 1, w, h);
}

/**
 * The most detailed w × h region: of the windows on a half-window grid (plus the central one), the one whose
 * premultiplied luma and alpha have the largest mean absolute difference between neighbours. It depends on the
 * HR image only, so every method is scored on the same pixels, and flat crops (sky, empty canvas) are avoided.
 */
export function detailCrop(image: RgbaImage, w: number, h: number): RgbaImage {
  const { x, y } = detailWindow(image, w, h);
  return cropAt(image, x, y, w, h);
}

/** The top-left corner of `detailCrop`'s window. */
function detailWindow(image: RgbaImage, w: number, h: number): { x: number; y: number } {
  const { width, height, data } = image;
  const value = new Float32Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const a = data[i * 4 + 3]! / 255;
    value[i] = a * (0.299 * data[i * 4]! + 0.587 * data[i * 4 + 1]! + 0.114 * data[i * 4 + 2]!) + data[i * 4 + 3]!;
  }
  // summed-area table of |∂x| + |∂y|, so each window's total is four lookups
  const sat = new Float64Array((width + 1) * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      row += (x + 1 < width ? Math.abs(value[i + 1]! - value[i]!) : 0) + (y + 1 < height ? Math.abs(value[i + width]! - value[i]!) : 0);
      sat[(y + 1) * (width + 1) + x + 1] = sat[y * (width + 1) + x + 1]! + row;
    }
  }
  const total = (x: number, y: number): number =>
    sat[(y + h) * (width + 1) + x + w]! - sat[y * (width + 1) + x + w]! - sat[(y + h) * (width + 1) + x]! + sat[y * (width + 1) + x]!;
  let best = { x: (width - w) >> 1, y: (height - h) >> 1 };
  let bestTotal = total(best.x, best.y);
  const [sx, sy] = [Math.max(1, w >> 1), Math.max(1, h >> 1)];
  for (let y = 0; y + h <= height; y += sy) {
    for (let x = 0; x + w <= width; x += sx) {
      const t = total(x, y);
      if (t > bestTotal) [best, bestTotal] = [{ x, y }, t];
    }
  }
  return best;
}

function cropAt(image: RgbaImage, left: number, top: number, w: number, h: number): RgbaImage {
  const out = createRgbaImage(w, h);
  for (let y = 0; y < h; y++) out.data.set(image.data.subarray(((top + y) * image.width + left) * 4, ((top + y) * image.width + left + w) * 4), y * w * 4);
  return out;
}

/** Channels of an RGBA image as a planar float image in [0, 1] (RGB, or alpha replicated thrice). */
export function toPlanar(image: RgbaImage, alpha: boolean): PlanarImage {
  const n = image.width * image.height;
  const data = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) data[c * n + i] = image.data[i * 4 + (alpha ? 3 : c)]! / 255;
  return { width: image.width, height: image.height, channels: 3, data };
}

/** RGBA from a planar RGB image and a planar alpha image (its first channel). */
export function fromPlanar(rgb: PlanarImage, alpha: PlanarImage): RgbaImage {
  const n = rgb.width * rgb.height;
  const out = createRgbaImage(rgb.width, rgb.height);
  const q = (v: number): number => Math.round(Math.min(1, Math.max(0, v)) * 255);
  for (let i = 0; i < n; i++) out.data.set([q(rgb.data[i]!), q(rgb.data[n + i]!), q(rgb.data[2 * n + i]!), q(alpha.data[i]!)], i * 4);
  return out;
}

/**
 * LR of an HR crop: RGB by the degradation, alpha always by the (antialiased) bicubic downscale. With transparency
 * the RGB is degraded after the fully transparent pixels take their visible neighbours' colours: their stored RGB
 * (black in a rendered icon) is invisible, and a blur or downscale that read it would leave dark fringes on the
 * visible edge pixels that no editor's export has (they resize premultiplied), a flaw of the bench's input only.
 */
export async function makeLr(hr: RgbaImage, degradation: Degradation, seed: number): Promise<RgbaImage> {
  const colour = toPlanar(hasTransparency(hr) ? bleedTransparentColors(hr) : hr, false);
  const rgb = degradation === 'bicubic' ? bicubicLr(colour, SCALE) : await degradeRealEsrgan(colour, seed, SCALE);
  return fromPlanar(rgb, bicubicLr(toPlanar(hr, true), SCALE));
}

/**
 * Mean |α_out − α_HR| (0..255) over the alpha-edge band: pixels (4 px border excluded) whose 3×3 HR
 * neighbourhood holds a partly transparent alpha (0 < α < 255) or two different alphas. Null without such pixels.
 */
export function alphaEdgeError(hr: RgbaImage, out: RgbaImage, border = BORDER): number | null {
  const { width: w, height: h } = hr;
  const a = (x: number, y: number): number => hr.data[(y * w + x) * 4 + 3]!;
  let [sum, n] = [0, 0];
  for (let y = Math.max(1, border); y < h - Math.max(1, border); y++) {
    for (let x = Math.max(1, border); x < w - Math.max(1, border); x++) {
      let edge = false;
      for (let dy = -1; dy <= 1 && !edge; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const v = a(x + dx, y + dy);
          if ((v > 0 && v < 255) || v !== a(x, y)) edge = true;
        }
      }
      if (!edge) continue;
      sum += Math.abs(out.data[(y * w + x) * 4 + 3]! - a(x, y));
      n++;
    }
  }
  return n > 0 ? sum / n : null;
}

/** One method: upscale ×4 of an RGBA image. */
interface Method {
  name: string;
  tsdsr: boolean;
  upscale(lr: RgbaImage): Promise<RgbaImage>;
  dispose(): Promise<void> | void;
  /** The same model with another colour fix than its manifest's (model directories only). */
  withColorFix?: (colorFix: 'none' | 'wavelet' | 'adain') => Method;
  /** For an auto model: the model it ran on the last image. */
  chose?: () => string | undefined;
}

/**
 * Photos whose HR crop has a NIQE under this are `natural photos` (a table of their own). On `data/val` the
 * photographs' HR score 3–5.5 and a rendered mascot 10.1; the flat and vector wallpapers 18–30.
 */
const NATURAL_HR_NIQE = 10;

/** The HR crop each LR was made from, for the `hr` row (the reference itself, scored like an output). */
const hrOfLr = new WeakMap<RgbaImage, RgbaImage>();

/** Opens nearest/bicubic (zoo), lanczos (sharp lanczos3), `hr` (the reference), an UpscalerJS or Upscayl model, or a model directory. */
async function openMethod(fullSpec: string, alpha?: 'model' | 'bicubic'): Promise<Method> {
  const [, spec = fullSpec, colorFix] = /^(.+)@(none|wavelet|adain)$/.exec(fullSpec) ?? [];
  if (colorFix) { // a model with another colour fix than its own: `tsdsr-real@none`
    const method = await openMethod(spec, alpha);
    if (!method.tsdsr || !method.withColorFix) throw new Error(`${fullSpec}: @${colorFix} applies to a tsdsr model directory, not to ${spec}`);
    return method.withColorFix(colorFix as 'none' | 'wavelet' | 'adain');
  }
  if (spec === 'hr') {
    return {
      name: spec, tsdsr: false, dispose: () => undefined,
      upscale: async (lr) => {
        const hr = hrOfLr.get(lr);
        if (!hr) throw new Error('hr: no reference for this LR');
        return hr;
      },
    };
  }
  if (spec === 'lanczos') {
    return {
      name: spec, tsdsr: false, dispose: () => undefined,
      upscale: async (lr) => {
        const data = await sharp(lr.data, { raw: { width: lr.width, height: lr.height, channels: 4 } }).resize(lr.width * SCALE, lr.height * SCALE, { kernel: 'lanczos3' }).raw().toBuffer();
        return { width: lr.width * SCALE, height: lr.height * SCALE, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
      },
    };
  }
  if ((UPSCALERJS_MODELS as readonly string[]).includes(spec)) {
    const m = await openUpscalerJs(spec as UpscalerJsModel);
    return { name: spec, tsdsr: false, upscale: (lr) => m.upscale(lr), dispose: () => m.dispose() };
  }
  const zoo = fileURLToPath(new URL(`../models/zoo/${spec}`, import.meta.url));
  const dir = isUpscaylModel(spec) ? await upscaylModelDir(spec) : /^[a-z0-9-]+$/.test(spec) && existsSync(zoo) ? zoo : resolve(spec);
  if (!existsSync(join(dir, 'model.json'))) {
    const zooDirs = readdirSync(fileURLToPath(new URL('../models/zoo', import.meta.url)), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    throw new Error(`--models ${spec}: not a method, a folder of models/zoo (${zooDirs.join(', ')}) or a model directory (no ${join(dir, 'model.json')})`);
  }
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as unknown;
  if (isAutoManifestJson(json)) return openAutoMethod(parseAutoManifest(json, join(dir, 'model.json')), dirname(dir), alpha);
  const up = await openUpscaler(dir, 'cpu');
  const name = dir === zoo || isUpscaylModel(spec) ? spec : up.manifest.id;
  const method = (colorFix?: 'none' | 'wavelet' | 'adain'): Method => ({
    name: colorFix ? `${name}@${colorFix}` : name, tsdsr: up.manifest.kind === 'tsdsr',
    upscale: (lr) => up.upscale(lr, { scale: SCALE, ...(alpha ? { alpha } : {}), ...(colorFix ? { colorFix } : {}) }), dispose: () => up.dispose(),
    withColorFix: colorFix ? undefined : method,
  });
  return method();
}

/** An `auto` model (`openAutoUpscaler`): it says at the end what it chose. */
async function openAutoMethod(manifest: AutoManifest, root: string, alpha?: 'model' | 'bicubic'): Promise<Method> {
  const auto = openAutoUpscaler(manifest, root, 'cpu');
  return {
    name: manifest.id, tsdsr: true,
    upscale: (lr) => auto.upscale(lr, { scale: SCALE, ...(alpha ? { alpha } : {}) }),
    chose: () => auto.last?.model,
    dispose: async () => {
      console.log(`${manifest.id} chose ${[...auto.counts].map(([id, n]) => `${id} ${n}×`).join(', ')}`);
      await auto.dispose();
    },
  };
}

/** Nearest-neighbour ×k, for the LR column of the crop sheet. */
function nearestUp(image: RgbaImage, k: number): RgbaImage {
  const out = createRgbaImage(image.width * k, image.height * k);
  for (let y = 0; y < out.height; y++) for (let x = 0; x < out.width; x++) out.data.set(image.data.subarray((((y / k) | 0) * image.width + ((x / k) | 0)) * 4, (((y / k) | 0) * image.width + ((x / k) | 0)) * 4 + 4), (y * out.width + x) * 4);
  return out;
}

/**
 * A crop sheet: one row per image, one column per panel, over a grey checkerboard, 4 px gaps. Each panel shows
 * the same `panel` px window of its row: the most detailed one of the row's last image (the HR).
 */
async function writeSheet(path: string, rows: RgbaImage[][], panel = 192): Promise<void> {
  const cols = Math.max(...rows.map((r) => r.length));
  const [W, H] = [cols * (panel + 4) + 4, rows.length * (panel + 4) + 4];
  const sheet = Buffer.alloc(W * H * 3, 255);
  rows.forEach((row, r) => {
    const hr = row[row.length - 1]!;
    const p = Math.min(panel, hr.width, hr.height);
    const at = detailWindow(hr, p, p);
    row.forEach((img, c) => {
      const crop = cropAt(img, at.x, at.y, p, p);
      for (let y = 0; y < p; y++) {
        for (let x = 0; x < p; x++) {
          const s = (y * p + x) * 4;
          const bg = ((x >> 3) + (y >> 3)) % 2 ? 200 : 150;
          const a = crop.data[s + 3]! / 255;
          const d = ((r * (panel + 4) + 4 + y) * W + c * (panel + 4) + 4 + x) * 3;
          for (let k = 0; k < 3; k++) sheet[d + k] = Math.round(crop.data[s + k]! * a + bg * (1 - a));
        }
      }
    });
  });
  await sharp(sheet, { raw: { width: W, height: H, channels: 3 } }).png().toFile(path);
}

const mean = (xs: (number | null)[]): number | null => {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
};

async function main(): Promise<void> {
  const { values: opt } = parseArgs({
    options: {
      val: { type: 'string', default: 'data/val' },
      models: { type: 'string', default: ['nearest', 'bicubic', 'lanczos', ...UPSCALERJS_MODELS, ...UPSCAYL_MODELS].join(',') },
      limit: { type: 'string', default: '0' },
      'per-subset': { type: 'string', default: '0' },
      crop: { type: 'string', default: '512' },
      'crop-at': { type: 'string', default: 'detail' },
      fit: { type: 'string', default: '0' },
      seed: { type: 'string', default: '0' },
      sheets: { type: 'string', default: '3' },
      'sheet-rows': { type: 'string' },
      out: { type: 'string', default: fileURLToPath(new URL('./results', import.meta.url)) },
      alpha: { type: 'string' },
    },
  });
  if (opt.alpha !== undefined && opt.alpha !== 'model' && opt.alpha !== 'bicubic') throw new Error(`--alpha ${opt.alpha}: use model or bicubic`);
  const niqeModel = readPristineNiqeModel();
  /** NIQE of an image's Y channel inside the border; null when that is smaller than one NIQE block. */
  const niqeOf = (image: RgbaImage): number | null => {
    const y = cropBorder(yChannel(image), image.height, image.width, BORDER);
    return Math.min(y.width, y.height) >= NIQE_BLOCK ? niqe(roundLikeReference(y.data), y.height, y.width, niqeModel) : null;
  };
  const set = await readValidationSet(opt.val, Number(opt.limit), Number(opt['per-subset']));
  if (opt.val === SYNTHETIC_VAL) console.error('warning: --val synthetic scores generated images: a smoke run of the bench, not a quality figure');
  const crop = Number(opt.crop);
  const fit = Number(opt.fit);
  if (!Number.isInteger(fit) || fit < 0 || (fit > 0 && fit < 4 * NIQE_BLOCK)) throw new Error(`--fit ${opt.fit}: a longer side in px, at least ${4 * NIQE_BLOCK} (0: as the images are)`);

  const images = await Promise.all(set.map(async ({ file, image: original, subset }, i) => {
    const full = fit > 0 ? await fitWithin(original, fit) : original;
    const side = (n: number): number => Math.floor((crop > 0 ? Math.min(crop, n) : n) / SCALE) * SCALE;
    const hr = (opt['crop-at'] === 'center' ? centralCrop : detailCrop)(full, side(full.width), side(full.height));
    const lr = { bicubic: await makeLr(hr, 'bicubic', 0), realesrgan: await makeLr(hr, 'realesrgan', Number(opt.seed) + i) };
    for (const image of Object.values(lr)) hrOfLr.set(image, hr);
    return { file, subset, hr, lr, alpha: hasTransparency(hr) };
  }));

  const fewest = Math.min(...images.map((im) => niqeBlocks(im.hr.width, im.hr.height)));
  if (fewest < NIQE_FEW_BLOCKS) {
    console.error(`warning: NIQE reads only ${fewest} block(s) of ${NIQE_BLOCK} px on some images at --crop ${crop}; with so few, its means move with the window it reads (use --crop 512 or more)`);
  }
  const specs = opt.models.split(',').filter(Boolean);
  const scores: Record<string, Record<Degradation, Record<string, Scores>>> = {};
  const kept = new Map<string, RgbaImage>(); // outputs for the crop sheets: `${degradation}|${image}|${method}`
  const sheetCount = Number(opt.sheets);
  // the sheets' rows: images spread evenly over the list (photos and graphics, every package), not its first few
  // or, with --sheet-rows, the images whose file names contain one of its comma-separated parts, in list order
  const rowParts = opt['sheet-rows']?.split(',').filter(Boolean);
  const sheetImages = rowParts ? images.flatMap((im, i) => (rowParts.some((part) => im.file.includes(part)) ? [i] : [])) : sheetCount <= 0 ? [] : [...new Set(Array.from({ length: Math.min(sheetCount, images.length) }, (_, k) =>
    sheetCount === 1 ? 0 : Math.round((k * (images.length - 1)) / (Math.min(sheetCount, images.length) - 1))))];
  if (rowParts && sheetImages.length === 0) console.error(`warning: --sheet-rows ${opt['sheet-rows']} matches none of the ${images.length} images; no crop sheet`);
  const sheetMethods: string[] = []; // bicubic, then every TSD-SR model and peer in the order run
  let ours = 'bicubic';
  const jsonPath = join(opt.out, 'quality.json');
  const header = { date: new Date().toISOString(), val: opt.val === SYNTHETIC_VAL ? SYNTHETIC_VAL : resolve(opt.val), scale: SCALE, border: BORDER, crop, cropAt: opt['crop-at'], fit, seed: Number(opt.seed) };
  const imageRows = (): object[] => images.map((im) => ({ file: im.file, subset: im.subset, alpha: im.alpha, hr: `${im.hr.width}x${im.hr.height}`, scores: scores[im.file] }));
  const rowNames = new Set<string>();
  for (const spec of specs) {
    const method = await openMethod(spec, opt.alpha as 'model' | 'bicubic' | undefined);
    if (rowNames.has(method.name)) method.name = `${method.name} (${spec})`; // two folders of one model id: a row each
    rowNames.add(method.name);
    if (method.tsdsr && ours === 'bicubic') ours = method.name;
    if (method.name === 'bicubic' || method.tsdsr || /^(realesrgan-|esrgan-)/.test(spec)) sheetMethods.push(method.name);
    for (const [i, img] of images.entries()) {
      for (const d of DEGRADATIONS) {
        const t0 = performance.now();
        const out = await method.upscale(img.lr[d]);
        const ms = performance.now() - t0;
        const [seen, seenHr] = [overWhite(out), overWhite(img.hr)];
        const s: Scores = {
          psnr: psnrY(seenHr, seen, BORDER), ssim: ssimY(seenHr, seen, BORDER), ms,
          niqe: niqeOf(seen),
          alphaEdge: img.alpha ? alphaEdgeError(img.hr, out) : null,
          ...(method.chose ? { chose: method.chose() } : {}),
        };
        ((scores[img.file] ??= { bicubic: {}, realesrgan: {} })[d])[method.name] = s;
        if (sheetImages.includes(i)) kept.set(`${d}|${i}|${method.name}`, out);
      }
    }
    await method.dispose();
    writeResults(jsonPath, { ...header, images: imageRows() }); // the methods measured so far, in case a later one fails
    console.error(`done ${method.name}`);
  }

  const names = [...new Set(Object.values(scores).flatMap((s) => Object.keys(s.bicubic)))];
  // NIQE is a natural-scene statistic: the flat wallpapers among the photos score 20–30 on their own HR. The
  // `natural photos` tables keep the photos whose HR scores under NATURAL_HR_NIQE.
  const hrNiqe = new Map(images.filter((im) => im.subset === 'photos').map((im) => [im.file, niqeOf(overWhite(im.hr))]));
  const isNatural = (im: { file: string; subset: string }): boolean => im.subset === 'photos' && (hrNiqe.get(im.file) ?? Infinity) < NATURAL_HR_NIQE;
  const fmt = (v: number | null, digits: number): string => (v === null ? '–' : v.toFixed(digits));
  const summary: Record<string, Record<string, Record<string, Record<string, number | null>>>> = {};
  for (const d of DEGRADATIONS) {
    for (const subset of ['photos', 'natural photos', 'graphics']) {
      const group = images.filter((im) => (subset === 'natural photos' ? isNatural(im) : im.subset === subset));
      if (group.length === 0) continue;
      const blocks = Math.min(...group.map((im) => niqeBlocks(im.hr.width, im.hr.height)));
      const where = crop > 0 ? `${opt['crop-at'] === 'center' ? 'central' : 'most detailed'} ${crop} px crop` : 'whole images';
      const natural = subset === 'natural photos' ? `, their HR's NIQE under ${NATURAL_HR_NIQE}` : '';
      console.log(`\n### ×${SCALE}, ${d} degradation, ${subset} (${group.length} images${natural}, ${where}; NIQE from ≥ ${blocks} blocks of ${NIQE_BLOCK} px)\n`);
      console.log('| method | PSNR-Y dB | SSIM-Y | NIQE ↓ | alpha-edge err ↓ | ms / image |\n|---|---|---|---|---|---|');
      for (const name of names) {
        const col = (k: Exclude<keyof Scores, 'chose'>): number | null => mean(group.map((im) => scores[im.file]![d][name]?.[k] ?? null));
        const m = { psnr: col('psnr'), ssim: col('ssim'), niqe: col('niqe'), alphaEdge: col('alphaEdge'), ms: col('ms') };
        ((summary[d] ??= {})[subset] ??= {})[name] = m;
        console.log(`| ${name} | ${fmt(m.psnr, 2)} | ${fmt(m.ssim, 4)} | ${fmt(m.niqe, 2)} | ${fmt(m.alphaEdge, 2)} | ${fmt(m.ms, 0)} |`);
      }
    }
  }

  mkdirSync(opt.out, { recursive: true });
  const sheetPaths: string[] = [];
  for (const d of DEGRADATIONS) {
    const rows = sheetImages.map((i) => {
      const img = images[i]!;
      return [nearestUp(img.lr[d], SCALE), ...sheetMethods.map((n) => kept.get(`${d}|${i}|${n}`)), img.hr].filter((x): x is RgbaImage => x !== undefined);
    });
    if (rows.length === 0) continue;
    const path = join(opt.out, `quality-sheet-${d}.png`);
    await writeSheet(path, rows);
    sheetPaths.push(path);
  }
  const sheetColumns = ['LR (nearest ×4)', ...sheetMethods, 'HR'];
  writeResults(jsonPath, { ...header, ours, sheetColumns, sheetRows: sheetImages.map((i) => images[i]!.file), sheets: sheetPaths, images: imageRows(), summary });
  console.log(`\nwrote ${jsonPath} and ${sheetPaths.join(', ')} (rows: ${sheetImages.map((i) => images[i]!.file).join(', ')}; columns: ${sheetColumns.join(' | ')})`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runBench('bench/quality', main);
