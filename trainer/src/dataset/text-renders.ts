/**
 * `npx tsx trainer/src/dataset/text-renders.ts [--out data] [--count 240] [--seed 0] [--cache DIR]`: rendered UI text
 * as training images, the content of the screenshots designers paste and where a degraded upscale shows worst
 * (docs/quality.md). Each image is a flat or gently graded background with 3 to 7 lines of interface words and numbers
 * in Noto Sans or Noto Serif (regular, bold, italic) from the Debian package `fonts-noto-core`, at HR sizes of 36–112 px,
 * so their ×4 LR holds 9–28 px text. Writes OUT/train/text/text-NNNN.png (found by `--data OUT/train`, and weighted by
 * `--repeat-folder text=N`), a held-out tenth to OUT/val-text/ (chosen by index, kept out of `data/val` so the quality
 * bench's subsets stay as they were), and OUT/text-manifest.json with the package, its version and each image's scene.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import sharp, { type OverlayOptions } from 'sharp';
import { Rng } from '../data/index.ts';
import { aptDownload, debVersion, extractDeb } from './packages.ts';

/** The package the fonts come from, and the folder of its TrueType files. */
export const FONT_PACKAGE = 'fonts-noto-core';
export const FONT_DIR = 'usr/share/fonts/truetype/noto';
/** Font files used, each with the Pango family name it holds. */
export const TEXT_FONTS: readonly { file: string; family: string }[] = [
  { file: 'NotoSans-Regular.ttf', family: 'Noto Sans' },
  { file: 'NotoSans-Bold.ttf', family: 'Noto Sans Bold' },
  { file: 'NotoSans-Italic.ttf', family: 'Noto Sans Italic' },
  { file: 'NotoSerif-Regular.ttf', family: 'Noto Serif' },
  { file: 'NotoSerif-Bold.ttf', family: 'Noto Serif Bold' },
];

const WORDS = [
  'Settings', 'Cancel', 'Upload', 'Download', 'Share', 'Export', 'Layers', 'Frame', 'Untitled', 'Preview', 'Save changes',
  'Sign in', 'Password', 'Email address', 'Continue', 'Back', 'Next step', 'Dashboard', 'Revenue', 'Active users', 'Search',
  'Filter by date', 'Notifications', 'Profile', 'Delete', 'Duplicate', 'Rename', 'Opacity', 'Auto layout', 'Components',
  'Total', 'Checkout', 'Free shipping', 'Add to cart', 'Learn more', 'Terms of service', 'Privacy', 'Help center',
];

/** One line of text in a scene, at HR size. */
export interface TextLine { text: string; font: number; sizePx: number; colour: [number, number, number]; x: number; y: number }
/** A whole scene: its size, background (top and bottom colour of a vertical gradient; equal for a flat one) and lines. */
export interface TextScene { width: number; height: number; top: [number, number, number]; bottom: [number, number, number]; lines: TextLine[] }

/** Least luma difference (8-bit levels) between a line's colour and its background. */
export const MIN_CONTRAST = 90;
export const luma = ([r, g, b]: readonly number[]): number => 0.299 * r! + 0.587 * g! + 0.114 * b!;
const hex = ([r, g, b]: readonly number[]): string => `#${[r, g, b].map((v) => v!.toString(16).padStart(2, '0')).join('')}`;
const clamp8 = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));

/** A phrase of interface words and, now and then, a number or a price. */
function phrase(rng: Rng): string {
  const words = Array.from({ length: 1 + Math.floor(rng.next() * 3) }, () => WORDS[Math.floor(rng.next() * WORDS.length)]!);
  const r = rng.next();
  if (r < 0.2) words.push(`${Math.floor(rng.next() * 1000)}`);
  else if (r < 0.3) words.push(`$${(rng.next() * 200).toFixed(2)}`);
  else if (r < 0.4) words.push(`${Math.floor(rng.next() * 100)}%`);
  return words.join(' ');
}

/**
 * The scene of image `index` for `seed`: light or dark, flat or graded background; text in a colour of at least
 * MIN_CONTRAST levels of luma contrast with it (a tinted colour that falls short is made grey). Deterministic, so a
 * rebuild gives the same images.
 */
export function textScene(index: number, seed: number): TextScene {
  const rng = new Rng(seed, index);
  const dark = rng.next() < 0.35;
  const base = dark ? 20 + rng.next() * 50 : 200 + rng.next() * 55;
  const tint = (): [number, number, number] => [0, 1, 2].map(() => clamp8(base + (rng.next() - 0.5) * 40)) as [number, number, number];
  const top = tint();
  const bottom = rng.next() < 0.3 ? tint() : top;
  const width = 512 + 64 * Math.floor(rng.next() * 5);
  const lines: TextLine[] = [];
  let y = 24 + Math.floor(rng.next() * 24);
  const count = 3 + Math.floor(rng.next() * 5);
  for (let i = 0; i < count; i++) {
    const sizePx = 36 + Math.floor(rng.next() * 77);
    const ink = dark ? 200 + rng.next() * 55 : rng.next() * 90;
    const shift = rng.next() < 0.25 ? [0, 1, 2].map(() => (rng.next() - 0.5) * 160) : [0, 0, 0];
    let colour = shift.map((d) => clamp8(ink + d)) as [number, number, number];
    if (Math.min(Math.abs(luma(colour) - luma(top)), Math.abs(luma(colour) - luma(bottom))) < MIN_CONTRAST) colour = [0, 1, 2].map(() => clamp8(ink)) as [number, number, number];
    lines.push({ text: phrase(rng), font: Math.floor(rng.next() * TEXT_FONTS.length), sizePx, colour, x: 16 + Math.floor(rng.next() * 48), y });
    y += Math.round(sizePx * (1.3 + rng.next() * 0.5));
  }
  return { width, height: y + 24, top, bottom, lines };
}

/** The scene rendered as an opaque RGB PNG, with the fonts found in `fontDir` (`fonts`: which file and family each `font` index names). */
export async function renderTextScene(scene: TextScene, fontDir: string, fonts: readonly { file: string; family: string }[] = TEXT_FONTS): Promise<Buffer> {
  const { width, height, top, bottom } = scene;
  const background = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const t = height > 1 ? y / (height - 1) : 0;
    const row = [0, 1, 2].map((c) => clamp8(top[c]! + t * (bottom[c]! - top[c]!)));
    for (let x = 0; x < width; x++) background.set(row, (y * width + x) * 3);
  }
  const layers: OverlayOptions[] = [];
  for (const line of scene.lines) {
    const font = fonts[line.font % fonts.length]!;
    const escaped = line.text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    const text = await sharp({
      text: { text: `<span foreground="${hex(line.colour)}">${escaped}</span>`, font: `${font.family} ${line.sizePx}px`, fontfile: path.join(fontDir, font.file), rgba: true, dpi: 72 },
    }).png().toBuffer({ resolveWithObject: true });
    const maxWidth = width - line.x;
    const input = text.info.width > maxWidth ? await sharp(text.data).extract({ left: 0, top: 0, width: maxWidth, height: text.info.height }).png().toBuffer() : text.data;
    if (line.y + text.info.height <= height) layers.push({ input, left: line.x, top: line.y });
  }
  return sharp(background, { raw: { width, height, channels: 3 } }).composite(layers).removeAlpha().png().toBuffer();
}

/** Whether image `index` is held out: every tenth. */
export const isHeldOut = (index: number): boolean => index % 10 === 9;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: 'data' }, count: { type: 'string', default: '240' }, seed: { type: 'string', default: '0' }, cache: { type: 'string' } },
  });
  const out = path.resolve(values.out);
  const count = Number(values.count);
  const seed = Number(values.seed);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a whole number of 1 or more, got ${values.count}`);
  const cache = path.resolve(values.cache ?? path.join(out, '.cache'));
  const deb = await aptDownload(FONT_PACKAGE, path.join(cache, 'debs'));
  const version = await debVersion(deb);
  const root = path.join(cache, 'extract', path.basename(deb, '.deb'));
  await extractDeb(deb, root);
  const fontDir = path.join(root, FONT_DIR);
  const [train, val] = [path.join(out, 'train', 'text'), path.join(out, 'val-text')];
  for (const dir of [train, val]) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
  }
  const images: { path: string; split: 'train' | 'val'; scene: TextScene }[] = [];
  for (let i = 0; i < count; i++) {
    const scene = textScene(i, seed);
    const split = isHeldOut(i) ? 'val' : 'train';
    const file = path.join(split === 'val' ? val : train, `text-${String(i).padStart(4, '0')}.png`);
    await writeFile(file, await renderTextScene(scene, fontDir));
    images.push({ path: path.relative(out, file), split, scene });
  }
  await writeFile(path.join(out, 'text-manifest.json'), `${JSON.stringify({ package: FONT_PACKAGE, version, seed, fonts: TEXT_FONTS, images }, null, 1)}\n`);
  const held = images.filter((im) => im.split === 'val').length;
  console.log(`${count} text images from ${FONT_PACKAGE} ${version}: ${count - held} in ${path.relative(process.cwd(), train)}, ${held} held out in ${path.relative(process.cwd(), val)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
