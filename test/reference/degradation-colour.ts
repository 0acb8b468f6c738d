/**
 * Opt-in measurement (`npx tsx test/reference/degradation-colour.ts [seeds] [icon dir] [--edge-only]`): the mean colour shift of the
 * Real-ESRGAN degradation, stage by stage, on flat colours, icons over white, a gradient and a photo-like texture,
 * and, given a folder of PNG icons (e.g. /usr/share/icons/Adwaita/512x512), on those icons averaged together.
 * Each stage runs alone (every other stage off) and the full pipeline runs as published; the reference is the HR
 * resized to the LR size with every stage off, so only a stage's own shift counts. Shifts are in 8-bit sRGB levels
 * and in linear-light levels (×255), per channel, averaged over the measured pixels and the seeds.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  allStagesOff, bicubicLr, degradationConfig, degradeRealEsrgan, PASS_OFF, type DegradationOverrides, type PlanarImage,
} from '../../trainer/src/data/index.ts';
import { texture } from '../helpers/textures.ts';

const SIZE = 256;
const SCALE = 4;
const LR = SIZE / SCALE;
const seeds = Number(process.argv[2] ?? 48);
const iconDir = process.argv[3];

/** An HR image and the LR pixels its means are taken over. */
interface TestImage { name: string; hr: PlanarImage; mask: Uint8Array }

const srgbToLinear = (v: number): number => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);

function planar(width: number, height: number, pixel: (x: number, y: number) => readonly [number, number, number]): PlanarImage {
  const n = width * height;
  const data = new Float32Array(3 * n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const rgb = pixel(x, y);
      for (let c = 0; c < 3; c++) data[c * n + y * width + x] = rgb[c]! / 255;
    }
  }
  return { width, height, channels: 3, data };
}

const everywhere = (): Uint8Array => new Uint8Array(LR * LR).fill(1);

/** LR pixels whose centre lies at least `marginPx` (HR pixels) inside a disc of radius `radiusPx` at the centre. */
function discMask(radiusPx: number, marginPx: number): Uint8Array {
  const mask = new Uint8Array(LR * LR);
  for (let y = 0; y < LR; y++) {
    for (let x = 0; x < LR; x++) {
      const d = Math.hypot((x + 0.5) * SCALE - SIZE / 2, (y + 0.5) * SCALE - SIZE / 2);
      mask[y * LR + x] = d <= radiusPx - marginPx ? 1 : 0;
    }
  }
  return mask;
}

/** A flat disc icon of `rgb` with a soft (antialiased) edge, composited over white as the trainer reads it. */
function iconOverWhite(rgb: readonly [number, number, number]): PlanarImage {
  const radius = 80;
  return planar(SIZE, SIZE, (x, y) => {
    const alpha = Math.min(1, Math.max(0, radius + 0.5 - Math.hypot(x + 0.5 - SIZE / 2, y + 0.5 - SIZE / 2)));
    return [0, 1, 2].map((c) => Math.round(rgb[c]! * alpha + 255 * (1 - alpha))) as unknown as [number, number, number];
  });
}

/** An icon as stored: straight (unpremultiplied) RGBA, SIZE², hidden colours of transparent pixels kept. */
interface Icon { file: string; rgba: Uint8Array }

/** PNG icons from a folder (one level of subfolders), nearest-sampled to SIZE² so transparent pixels keep their stored colour. */
async function readIcons(dir: string): Promise<Icon[]> {
  const files = readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? readdirSync(join(dir, d.name)).map((f) => join(dir, d.name, f)) : [join(dir, d.name)]))
    .filter((f) => f.endsWith('.png')).sort();
  const icons: Icon[] = [];
  for (const file of files) {
    const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const rgba = new Uint8Array(SIZE * SIZE * 4);
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const source = 4 * (Math.floor((y * info.height) / SIZE) * info.width + Math.floor((x * info.width) / SIZE));
        rgba.set(data.subarray(source, source + 4), 4 * (y * SIZE + x));
      }
    }
    icons.push({ file, rgba });
  }
  return icons;
}

/** An icon composited over white, as the trainer reads it (sharp flatten). */
function overWhite(icon: Icon): PlanarImage {
  return planar(SIZE, SIZE, (x, y) => {
    const p = 4 * (y * SIZE + x);
    const alpha = icon.rgba[p + 3]! / 255;
    return [0, 1, 2].map((c) => Math.round(icon.rgba[p + c]! * alpha + 255 * (1 - alpha))) as unknown as [number, number, number];
  });
}

/** Icons over white, measured well inside their opaque part (12 HR px from any transparency). */
function iconImages(icons: readonly Icon[]): TestImage[] {
  return icons.map((icon) => ({ name: icon.file, hr: overWhite(icon), mask: opaqueMask((x, y) => icon.rgba[4 * (y * SIZE + x) + 3]!, 12) }))
    .filter((image) => image.mask.reduce((a, b) => a + b, 0) >= 50);
}

/** LR pixels whose HR footprint, widened by `marginPx`, is fully opaque. */
function opaqueMask(alpha: (x: number, y: number) => number, marginPx: number): Uint8Array {
  const mask = new Uint8Array(LR * LR);
  for (let y = 0; y < LR; y++) {
    for (let x = 0; x < LR; x++) {
      let opaque = true;
      for (let v = y * SCALE - marginPx; v < (y + 1) * SCALE + marginPx && opaque; v++) {
        for (let u = x * SCALE - marginPx; u < (x + 1) * SCALE + marginPx && opaque; u++) {
          opaque = u >= 0 && v >= 0 && u < SIZE && v < SIZE && alpha(u, v) === 255;
        }
      }
      mask[y * LR + x] = opaque ? 1 : 0;
    }
  }
  return mask;
}

function testImages(): TestImage[] {
  const flat = (name: string, rgb: readonly [number, number, number]): TestImage => ({ name: `flat ${name}`, hr: planar(SIZE, SIZE, () => rgb), mask: everywhere() });
  const icon = (name: string, rgb: readonly [number, number, number]): TestImage => ({ name: `icon ${name} on white`, hr: iconOverWhite(rgb), mask: discMask(80, 24) });
  const photo = texture(SIZE, SIZE, 7, 0.6);
  return [
    flat('red (220,30,40)', [220, 30, 40]),
    flat('blue (30,60,220)', [30, 60, 220]),
    flat('grey 128', [128, 128, 128]),
    icon('red (220,30,40)', [220, 30, 40]),
    icon('blue (30,60,220)', [30, 60, 220]),
    icon('green (40,200,90)', [40, 200, 90]),
    { name: 'gradient', hr: planar(SIZE, SIZE, (x, y) => [x, 255 - x, (x + y) / 2]), mask: everywhere() },
    { name: 'photo texture', hr: planar(SIZE, SIZE, (x, y) => { const p = (y * SIZE + x) * 4; return [photo.data[p]!, photo.data[p + 1]!, photo.data[p + 2]!]; }), mask: everywhere() },
  ];
}

const OFF = allStagesOff('bicubic');
/** Each stage alone on top of plain resizing, then the full published pipeline, with BasicSR's Poisson counts and the 8-bit floor. */
const STAGES: Record<string, DegradationOverrides> = {
  usm: { ...OFF, usmSharpen: true },
  blur: { ...OFF, first: { ...PASS_OFF, blur: { prob: 1 } } },
  resize: { ...OFF, first: { ...PASS_OFF, resizeProbs: [0.2, 0.7, 0.1] } },
  'gaussian noise': { ...OFF, first: { ...PASS_OFF, noiseProb: 1, gaussianNoiseProb: 1 } },
  'poisson noise': { ...OFF, first: { ...PASS_OFF, noiseProb: 1, gaussianNoiseProb: 0 }, poissonMinCounts: 1 },
  'poisson noise, min 256': { ...OFF, first: { ...PASS_OFF, noiseProb: 1, gaussianNoiseProb: 0 }, poissonMinCounts: 256 },
  'jpeg 4:2:0': { ...OFF, first: { ...PASS_OFF, jpegProb: 1 } },
  'final sinc': { ...OFF, finalSincProb: 1 },
  'full, BasicSR counts': { poissonMinCounts: 1 },
  'full, min 256': { poissonMinCounts: 256 },
};

/** Per-channel mean over the mask, in sRGB and linear 8-bit levels. */
function maskedMeans(image: PlanarImage, mask: Uint8Array): { srgb: number[]; linear: number[] } {
  const n = image.width * image.height;
  const srgb = [0, 0, 0];
  const linear = [0, 0, 0];
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (!mask[i]) continue;
    count++;
    for (let c = 0; c < 3; c++) {
      const v = image.data[c * n + i]!;
      srgb[c]! += v;
      linear[c]! += srgbToLinear(v);
    }
  }
  return { srgb: srgb.map((s) => (255 * s) / count), linear: linear.map((s) => (255 * s) / count) };
}

const fmt = (values: number[]): string => values.map((v) => (v >= 0 ? '+' : '') + v.toFixed(2)).join(' / ');

/** Mean shifts of one stage over a set of images and the seeds: signed per channel (sRGB, linear) and mean |luma shift|. */
async function stageShift(images: readonly TestImage[], overrides: DegradationOverrides): Promise<{ srgb: number[]; linear: number[]; absLuma: number }> {
  const config = degradationConfig(overrides);
  const sum = { srgb: [0, 0, 0], linear: [0, 0, 0], absLuma: 0 };
  for (const image of images) {
    const reference = maskedMeans(await degradeRealEsrgan(image.hr, 0, SCALE, degradationConfig(OFF)), image.mask);
    for (let seed = 0; seed < seeds; seed++) {
      const m = maskedMeans(await degradeRealEsrgan(image.hr, seed, SCALE, config), image.mask);
      const d = m.srgb.map((v, c) => v - reference.srgb[c]!);
      for (let c = 0; c < 3; c++) {
        sum.srgb[c]! += d[c]!;
        sum.linear[c]! += m.linear[c]! - reference.linear[c]!;
      }
      sum.absLuma += Math.abs(0.299 * d[0]! + 0.587 * d[1]! + 0.114 * d[2]!);
    }
  }
  const n = images.length * seeds;
  return { srgb: sum.srgb.map((s) => s / n), linear: sum.linear.map((s) => s / n), absLuma: sum.absLuma / n };
}

async function main(): Promise<void> {
  const sets: [string, TestImage[]][] = testImages().map((image) => [image.name, [image]]);
  const icons = iconDir ? await readIcons(iconDir) : [];
  if (iconDir) {
    const images = iconImages(icons);
    sets.push([`${images.length} icons from ${iconDir}, over white`, images]);
  }
  console.log(`${seeds} seeds, ${SIZE}² HR → ${LR}² LR; shift = mean(degraded) − mean(plain bicubic resize), R / G / B in 8-bit levels`);
  console.log('| image | stage | sRGB shift | linear shift | mean abs luma shift |');
  console.log('|---|---|---|---|---|');
  for (const [name, images] of process.argv[4] === '--edge-only' ? [] : sets) {
    for (const [stage, overrides] of Object.entries(STAGES)) {
      const shift = await stageShift(images, overrides);
      console.log(`| ${name} | ${stage} | ${fmt(shift.srgb)} | ${fmt(shift.linear)} | ${shift.absLuma.toFixed(2)} |`);
    }
  }
  if (icons.length > 0) await edgeTable(icons);
}

/** Straight RGB degraded alone, alpha by the antialiased bicubic downscale (as bench/quality.ts makes its LR), viewed over white. */
async function straightLrOverWhite(icon: Icon, seed: number, overrides: DegradationOverrides): Promise<PlanarImage> {
  const rgb = planar(SIZE, SIZE, (x, y) => { const p = 4 * (y * SIZE + x); return [icon.rgba[p]!, icon.rgba[p + 1]!, icon.rgba[p + 2]!]; });
  const alphaHr = planar(SIZE, SIZE, (x, y) => { const a = icon.rgba[4 * (y * SIZE + x) + 3]!; return [a, a, a]; });
  const lr = await degradeRealEsrgan(rgb, seed, SCALE, degradationConfig(overrides));
  const alpha = bicubicLr(alphaHr, SCALE);
  const n = LR * LR;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < n; i++) lr.data[c * n + i] = lr.data[c * n + i]! * alpha.data[i]! + (1 - alpha.data[i]!);
  }
  return lr;
}

/**
 * The visible edge band (LR pixels partly covered by the icon): the trainer's over-white degradation against the
 * bench's straight-RGB one, where transparent pixels' stored colours (white or black in Adwaita) bleed into the edge.
 */
async function edgeTable(icons: readonly Icon[]): Promise<void> {
  console.log('\n| icon edge band (LR alpha in 0.05..0.95, over white) | stages | sRGB shift | mean abs luma shift |');
  console.log('|---|---|---|---|');
  const edgeStages: [string, DegradationOverrides][] = [
    ['none (resize only)', OFF], ['usm', STAGES.usm!], ['blur', STAGES.blur!], ['gaussian noise', STAGES['gaussian noise']!],
    ['poisson noise', STAGES['poisson noise, min 256']!], ['jpeg 4:2:0', STAGES['jpeg 4:2:0']!], ['final sinc', STAGES['final sinc']!],
    ['full default', {}],
  ];
  for (const [stages, overrides] of edgeStages) {
    for (const pipeline of ['trainer: degrade over white', 'bench: degrade straight RGB'] as const) {
      const sum = { srgb: [0, 0, 0], absLuma: 0, n: 0 };
      for (const icon of icons) {
        const alphaHr = planar(SIZE, SIZE, (x, y) => { const a = icon.rgba[4 * (y * SIZE + x) + 3]!; return [a, a, a]; });
        const alpha = bicubicLr(alphaHr, SCALE);
        const mask = Uint8Array.from(alpha.data.subarray(0, LR * LR), (a) => (a > 0.05 && a < 0.95 ? 1 : 0));
        if (mask.reduce((a, b) => a + b, 0) < 20) continue;
        const reference = maskedMeans(await degradeRealEsrgan(overWhite(icon), 0, SCALE, degradationConfig(OFF)), mask);
        for (let seed = 0; seed < seeds; seed++) {
          const lr = pipeline.startsWith('trainer') ? await degradeRealEsrgan(overWhite(icon), seed, SCALE, degradationConfig(overrides)) : await straightLrOverWhite(icon, seed, overrides);
          const d = maskedMeans(lr, mask).srgb.map((v, c) => v - reference.srgb[c]!);
          for (let c = 0; c < 3; c++) sum.srgb[c]! += d[c]!;
          sum.absLuma += Math.abs(0.299 * d[0]! + 0.587 * d[1]! + 0.114 * d[2]!);
          sum.n++;
        }
      }
      console.log(`| ${pipeline} | ${stages} | ${fmt(sum.srgb.map((s) => s / sum.n))} | ${(sum.absLuma / sum.n).toFixed(2)} |`);
    }
  }
}

await main();
