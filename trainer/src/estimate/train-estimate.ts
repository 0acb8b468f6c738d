/**
 * Trains the learned degradation estimate and writes its weights into the runtime (docs/models.md, "The learned
 * estimate"):
 *
 *   npm run train:estimate -- [--data data/train] [--steps 3000] [--batch 32] [--lr 2e-3] [--seed 0]
 *     [--photo-crops 3] [--graphics 400] [--text 150] [--out models/runtime/degradation-net-weights.ts] [--report runs/estimate]
 *     [--task degradation|graphic]
 *
 * From each HR crop of `--data`'s photos, graphics and text folders (the training split `npm run data:build` writes;
 * never the validation images the benches score) it makes two clean LR variants (bicubic ×4 and ×2) and two degraded
 * ones (Real-ESRGAN's degradation, JPEG or noise: trainer/src/estimate/estimate-net.ts), cuts opaque 48² patches, and
 * trains the net on every image but each fifth, which it holds out: the hold-out's patch accuracy is printed as it goes,
 * and its per-image accuracy at the end (mean logit over an LR variant's patches, as the runtime scores an image).
 *
 * `--task graphic` trains the same net on the same patches (and cache) to tell graphics and text (1) from photographs
 * (0), whatever their degradation, leaving the generated smooth images out; its weights go to
 * models/runtime/graphic-net-weights.ts, which `tsdsr-auto` reads to find the opaque graphics among degraded images
 * (models/runtime/auto-model.ts).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { PatchDiscriminatorConfig } from '../../../models/nets/index.ts';
import { bleedTransparentColors } from '../../../models/runtime/alpha-bleed.ts';
import type { RgbaImage } from '../../../models/runtime/image.ts';
import { degradationNetLogits, encodeDegradationNet, NET_PATCH, type DegradationNet } from '../../../models/runtime/degradation-net.ts';
import { bicubicDownscale, bicubicLr, Rng, type PlanarImage } from '../data/index.ts';
import { smoothImage } from './smooth.ts';
import { lrVariants, randomPatches, stackPatches, trainEstimateNet, type PatchSet } from './estimate-net.ts';

/** The shipped net's widths: 8 → 16 → 32 channels, logits on a 1/4 grid, each seeing a 22 px window. */
export const ESTIMATE_NET_CONFIG: Readonly<PatchDiscriminatorConfig> = Object.freeze({ widths: Object.freeze([8, 16, 32]), negativeSlope: 0.2 });

const HOLD_OUT_EVERY = 5;
const PATCHES_PER_VARIANT = 4;
const MAX_CROP = 512;
/** The smallest HR crop: its ×4 LR must hold one patch. */
const MIN_CROP = 4 * NET_PATCH;

/** Rings of colour bled into transparent pixels: enough for the widest degradation kernel (21 px) to read no black. */
const BLEED_RINGS = 12;

const IMAGE = /\.(png|jpe?g|webp)$/i;

function listImages(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listImages(path));
    else if (IMAGE.test(name)) out.push(path);
  }
  return out;
}

/** `count` files spread evenly over the sorted list (all when it has no more). */
function spread(files: string[], count: number): string[] {
  if (files.length <= count) return files;
  return Array.from({ length: count }, (_, i) => files[Math.floor(((i + 0.5) * files.length) / count)] as string);
}

/** An HR crop as planar colour (transparent colours bled from their neighbours) and planar alpha, both in [0, 1]. */
interface Crop { rgb: PlanarImage; alpha: PlanarImage | null }

async function randomCrops(file: string, count: number, rng: Rng): Promise<Crop[]> {
  const { width = 0, height = 0 } = await sharp(file).metadata();
  const side = Math.floor(Math.min(MAX_CROP, width, height) / 4) * 4;
  if (side < MIN_CROP) return [];
  // decoded once; each crop is a copy of its window
  const { data: full } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const crops: Crop[] = [];
  for (let k = 0; k < count; k++) {
    const left = rng.int(0, width - side);
    const top = rng.int(0, height - side);
    let rgba: RgbaImage = { width: side, height: side, data: new Uint8Array(4 * side * side) };
    for (let y = 0; y < side; y++) rgba.data.set(full.subarray(((top + y) * width + left) * 4, ((top + y) * width + left + side) * 4), y * side * 4);
    let transparent = false;
    for (let i = 3; i < rgba.data.length; i += 4) if (rgba.data[i] !== 255) { transparent = true; break; }
    if (transparent) rgba = bleedTransparentColors(rgba, BLEED_RINGS);
    const rgb = { width: side, height: side, channels: 3, data: new Float32Array(3 * side * side) };
    const alpha = transparent ? { width: side, height: side, channels: 1, data: new Float32Array(side * side) } : null;
    for (let d = 0; d < side * side; d++) {
      for (let c = 0; c < 3; c++) rgb.data[c * side * side + d] = (rgba.data[d * 4 + c] as number) / 255;
      if (alpha) alpha.data[d] = (rgba.data[d * 4 + 3] as number) / 255;
    }
    crops.push({ rgb, alpha });
  }
  return crops;
}

/** One labelled patch with where it came from. */
interface Patch { x: Float32Array; label: number; image: number; variant: string }

/** The labelled patches: training ones, held-out ones (every fifth HR crop), and where each held-out image's patches are. */
interface Examples { train: Patch[]; held: Patch[]; heldImages: HeldImage[]; image: number }
interface HeldImage { name: string; variant: string; label: number; first: number; count: number }

/**
 * Subsets whose HR crops are also clean examples as they are, at native resolution (an image pasted unscaled): the
 * generated ones and the rendered text. Not the photos, whose sources are often JPEGs with their own noise.
 */
const NATIVE_SUBSETS = new Set(['smooth', 'text']);

/** One subset's HR crops, named. */
type CropSource = () => AsyncGenerator<{ name: string; crop: Crop }>;

/** Crops of `files`, `perFile` from each. */
function fileCrops(root: string, files: string[], perFile: number, rng: Rng): CropSource {
  return async function* () {
    for (const file of files) for (const crop of await randomCrops(file, perFile, rng)) yield { name: relative(root, file), crop };
  };
}

/** `count` generated smooth clean images (smooth.ts), 512². */
function smoothCrops(count: number, rng: Rng): CropSource {
  return async function* () {
    for (let i = 0; i < count; i++) yield { name: `smooth-${i}`, crop: { rgb: smoothImage(512, rng), alpha: null } };
  };
}

/**
 * A subset's labelled patches: every crop's LR variants (lrVariants: clean ×4 and two degraded; plus clean ×2, and the
 * crop itself for NATIVE_SUBSETS), up to
 * PATCHES_PER_VARIANT opaque patches of each; crops numbered from `first`, every HOLD_OUT_EVERY-th held out.
 */
async function subsetExamples(subset: string, source: CropSource, first: number, seed: number, rng: Rng): Promise<Examples> {
  const e: Examples = { train: [], held: [], heldImages: [], image: first };
  for await (const { name, crop } of source()) {
    const image = e.image++;
    const hold = image % HOLD_OUT_EVERY === 0;
    const alphaLr = (scale: number): Float32Array | null => (crop.alpha ? bicubicDownscale(crop.alpha, scale).data : null);
    const variants = await lrVariants(crop.rgb, rng, seed * 1_000_000 + image, 2);
    variants.push({ name: 'clean2', label: 0, lr: bicubicLr(crop.rgb, 2) });
    if (NATIVE_SUBSETS.has(subset)) variants.push({ name: 'native', label: 0, lr: crop.rgb });
    for (const v of variants) {
      const alpha = v.name === 'native' ? (crop.alpha?.data ?? null) : alphaLr(v.name === 'clean2' ? 2 : 4);
      const patches = randomPatches(v.lr, alpha, NET_PATCH, PATCHES_PER_VARIANT, rng);
      if (patches.length === 0) continue;
      if (hold) e.heldImages.push({ name: `${subset}/${name}#${image}`, variant: v.name, label: v.label, first: e.held.length, count: patches.length });
      for (const x of patches) (hold ? e.held : e.train).push({ x, label: v.label, image, variant: `${subset}/${v.name}` });
    }
  }
  return e;
}

/** Every subset's examples, each read from `cache/<subset>` when there, else made (and saved there when `cache` is given). */
async function makeExamples(opt: { data: string; seed: string; 'photo-crops': string; graphics: string; text: string; smooth: string; cache?: string }): Promise<Examples> {
  const data = resolve(opt.data);
  const seed = Number(opt.seed);
  const subsets: [string, (rng: Rng) => CropSource][] = [
    ['photos', (rng) => fileCrops(data, listImages(join(data, 'photos')), Number(opt['photo-crops']), rng)],
    ['graphics', (rng) => fileCrops(data, spread(listImages(join(data, 'graphics')), Number(opt.graphics)), 1, rng)],
    ['text', (rng) => fileCrops(data, spread(listImages(join(data, 'text')), Number(opt.text)), 1, rng)],
    ['smooth', (rng) => smoothCrops(Number(opt.smooth), rng)],
  ];
  const all: Examples = { train: [], held: [], heldImages: [], image: 0 };
  const started = Date.now();
  for (const [k, [subset, source]] of subsets.entries()) {
    const dir = opt.cache ? join(opt.cache, subset) : null;
    let e: Examples;
    if (dir && existsSync(join(dir, 'meta.json'))) e = readExamples(dir);
    else {
      e = await subsetExamples(subset, source(new Rng(seed, 0x5e57, k)), k * 100_000, seed, new Rng(seed, 0xda7a, k));
      if (dir) writeExamples(dir, e);
    }
    const offset = all.held.length;
    all.heldImages.push(...e.heldImages.map((h) => ({ ...h, first: h.first + offset })));
    all.train.push(...e.train);
    all.held.push(...e.held);
    all.image += e.image - k * 100_000;
    console.log(`${subset}: ${e.image - k * 100_000} crops, ${e.train.length + e.held.length} patches (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  return all;
}

/** Saves examples to `dir` (8-bit patches: every LR variant is 8-bit-quantised) so a retrain skips making them. */
function writeExamples(dir: string, e: Examples): void {
  mkdirSync(dir, { recursive: true });
  const all = [...e.train, ...e.held];
  const bytes = new Uint8Array(all.reduce((n, p) => n + p.x.length, 0));
  let o = 0;
  for (const p of all) for (const v of p.x) bytes[o++] = Math.round(v * 255);
  writeFileSync(join(dir, 'patches.u8'), bytes);
  const info = (ps: Patch[]): { label: number; image: number; variant: string }[] => ps.map(({ label, image, variant }) => ({ label, image, variant }));
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ size: NET_PATCH, train: info(e.train), held: info(e.held), heldImages: e.heldImages, image: e.image }));
}

function readExamples(dir: string): Examples {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { size: number; train: Omit<Patch, 'x'>[]; held: Omit<Patch, 'x'>[]; heldImages: HeldImage[]; image: number };
  if (meta.size !== NET_PATCH) throw new Error(`${dir} holds ${meta.size}² patches; this net reads ${NET_PATCH}²`);
  const bytes = readFileSync(join(dir, 'patches.u8'));
  const per = 3 * NET_PATCH * NET_PATCH;
  let k = 0;
  const load = (ps: Omit<Patch, 'x'>[]): Patch[] => ps.map((p) => ({ ...p, x: Float32Array.from(bytes.subarray(per * k, per * ++k), (v) => v / 255) }));
  const train = load(meta.train);
  console.log(`read ${meta.train.length + meta.held.length} patches from ${dir}`);
  return { train, held: load(meta.held), heldImages: meta.heldImages, image: meta.image };
}

/** What `npm run train:estimate -- --help` prints. */
export const ESTIMATE_USAGE = `Usage: npm run train:estimate -- [options]

Trains the learned degradation estimate (or, with --task graphic, the graphic classifier) that tsdsr-auto uses to
choose a model per image, and writes its weights into the runtime (docs/training.md).

Options:
  --task <t>          degradation (default): clean (0) or degraded (1); graphic: photograph (0) or graphic/text (1)
  --data <dir>        the training split with photos, graphics and text folders (default data/train)
  --steps <n>         training steps (default 3000)
  --batch <n>         patches per step (default 32)
  --lr <x>            learning rate (default 2e-3)
  --seed <n>          seed of crops, degradations and order (default 0)
  --photo-crops <n>   crops per photograph (default 3)
  --graphics <n>      graphics to read, spread over the folder (default 400)
  --text <n>          text images to read (default 150)
  --smooth <n>        generated smooth clean images (default 100; not used by --task graphic)
  --cache <dir>       keep each subset's patches there and read them back on the next run
  --out <file>        where to write the weights (default models/runtime/<task>-net-weights.ts)
  --report <dir>      where to write the held-out images' scores (default runs/estimate)
  -h, --help          show this help
`;

async function main(): Promise<void> {
  const { values: opt } = parseArgs({
    options: {
      help: { type: 'boolean', short: 'h' },
      data: { type: 'string', default: 'data/train' },
      steps: { type: 'string', default: '3000' },
      batch: { type: 'string', default: '32' },
      lr: { type: 'string', default: '2e-3' },
      seed: { type: 'string', default: '0' },
      'photo-crops': { type: 'string', default: '3' },
      graphics: { type: 'string', default: '400' },
      text: { type: 'string', default: '150' },
      smooth: { type: 'string', default: '100' },
      out: { type: 'string' },
      task: { type: 'string', default: 'degradation' },
      report: { type: 'string', default: 'runs/estimate' },
      cache: { type: 'string' },
    },
  });
  if (opt.help) {
    process.stdout.write(ESTIMATE_USAGE);
    return;
  }
  const task = opt.task;
  if (task !== 'degradation' && task !== 'graphic') throw new Error(`--task ${task}: use degradation or graphic`);
  const out = opt.out ?? fileURLToPath(new URL(`../../../models/runtime/${task === 'graphic' ? 'graphic' : 'degradation'}-net-weights.ts`, import.meta.url));
  const examples = await makeExamples(opt);
  const { train, held, heldImages, image } = task === 'graphic' ? asGraphicExamples(examples) : examples;
  const rng = new Rng(Number(opt.seed), 0x7a1);
  const count = (ps: Patch[], label: number): number => ps.filter((p) => p.label === label).length;
  const [zero, one] = task === 'graphic' ? ['photo', 'graphic'] : ['clean', 'degraded'];
  console.log(`patches: train ${train.length} (${count(train, 0)} ${zero}, ${count(train, 1)} ${one}), hold-out ${held.length}`);
  const trainSet = stackPatches(NET_PATCH, train);
  const heldSet = stackPatches(NET_PATCH, held);
  const batch = Number(opt.batch);
  const net = await trainEstimateNet(trainSet, heldSet, {
    config: ESTIMATE_NET_CONFIG, steps: Number(opt.steps), batch, lr: Number(opt.lr), rng,
    onProgress: (p) => console.log(`step ${p.step}: train loss ${p.trainLoss.toFixed(4)}, hold-out loss ${p.holdOutLoss.toFixed(4)}, accuracy ${(100 * p.holdOutAccuracy).toFixed(1)} %`),
  });
  const perImage = holdOutByImage(net, heldSet, heldImages);
  console.log(`hold-out images (σ of the mean logit over each LR variant's patches), share called ${one} from a score of ${THRESHOLDS.join(', ')}:`);
  for (const [variant, r] of Object.entries(perImage).sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`  ${variant.padEnd(22)} ${String(r.scores.length).padStart(4)} images  ${THRESHOLDS.map((t) => `${(100 * r.scores.filter((x) => x >= t).length / r.scores.length).toFixed(0).padStart(4)} %`).join(' ')}`);
  }
  writeWeights(out, net, { steps: Number(opt.steps), patches: train.length, images: image }, task);
  mkdirSync(opt.report, { recursive: true });
  writeFileSync(join(opt.report, task === 'graphic' ? 'graphic-holdout.json' : 'estimate-holdout.json'), `${JSON.stringify({ perImage, images: heldImages.length }, null, 1)}\n`);
  console.log(`wrote ${out}`);
}

/** The graphic task's label of a subset's patches: graphics and text 1, photographs 0; the generated smooth images none. */
const GRAPHIC_LABEL: Record<string, number | undefined> = { photos: 0, graphics: 1, text: 1 };

/** The same patches labelled for `--task graphic` (whatever their degradation), without the generated smooth images. */
function asGraphicExamples(e: Examples): Examples {
  const label = (variant: string): number | undefined => GRAPHIC_LABEL[variant.slice(0, variant.indexOf('/'))];
  const relabel = (ps: Patch[]): Patch[] => ps.flatMap((p) => (label(p.variant) === undefined ? [] : [{ ...p, label: label(p.variant)! }]));
  const held: Patch[] = [];
  const heldImages: HeldImage[] = [];
  for (const im of e.heldImages) {
    const patches = relabel(e.held.slice(im.first, im.first + im.count));
    if (patches.length === 0) continue;
    heldImages.push({ ...im, label: patches[0]!.label, first: held.length });
    held.push(...patches);
  }
  const train = relabel(e.train);
  return { train, held, heldImages, image: new Set([...train, ...held].map((p) => p.image)).size };
}

/** Scores the hold-out table is printed at. */
const THRESHOLDS = [0.5, 0.6, 0.7, 0.8, 0.9];

/** Per LR variant (subset/kind), every hold-out image's score: σ(mean logit over its patches). */
function holdOutByImage(net: DegradationNet, set: PatchSet, images: { variant: string; first: number; count: number; name: string }[]): Record<string, { scores: number[] }> {
  // Scored with the runtime's own forward pass, so the table is what `tsdsr-auto` would decide on these crops.
  const per = 3 * set.size * set.size;
  const out: Record<string, { scores: number[] }> = {};
  for (const im of images) {
    let sum = 0;
    let cells = 0;
    for (let k = im.first; k < im.first + im.count; k++) {
      const logits = degradationNetLogits(net, set.x.subarray(k * per, (k + 1) * per), set.size);
      for (const v of logits) sum += v;
      cells += logits.length;
    }
    const key = `${set.variant[im.first]}`;
    (out[key] ??= { scores: [] }).scores.push(1 / (1 + Math.exp(-sum / cells)));
  }
  return out;
}

/** Writes the weights module the runtime imports. */
function writeWeights(path: string, net: DegradationNet, provenance: { steps: number; patches: number; images: number }, task: 'degradation' | 'graphic'): void {
  const what = task === 'graphic'
    ? `The graphic classifier's weights (the net of models/runtime/degradation-net.ts, read by models/runtime/auto-model.ts), written by
 * \`npm run train:estimate -- --task graphic\``
    : 'The learned degradation estimate\'s weights (models/runtime/degradation-net.ts), written by `npm run train:estimate`';
  const text = `/**
 * ${what}
 * (trainer/src/estimate/train-estimate.ts): ${provenance.steps} steps on ${provenance.patches} patches of ${provenance.images}
 * HR crops of the training split (Debian-packaged images, docs/data.md). Float32 little-endian in base64; do not edit.
 */
export const ${task === 'graphic' ? 'GRAPHIC' : 'DEGRADATION'}_NET_WEIGHTS = Object.freeze({
  widths: Object.freeze([${net.widths.join(', ')}]),
  negativeSlope: ${net.negativeSlope},
  base64:
    '${encodeDegradationNet(net)}',
});
`;
  writeFileSync(path, text);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) { // run as a script, not when another module imports it
  main().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(/^Unknown option/.test(message) ? `${message}; see --help` : message);
    process.exitCode = 1;
  });
}
