/**
 * The images the quality benches score: a folder (by default `data/val`, the validation split `npm run data:build`
 * writes; absent on a fresh clone) or `synthetic`, a few generated images for a smoke run on any machine.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { hasTransparency, type RgbaImage } from '../models/runtime/index.ts';
import { decodeImage } from '../models/runtime/node.ts';
import { texture } from '../test/helpers/textures.ts';
import { SetupError } from './setup-error.ts';
import { syntheticImage } from './synthetic-image.ts';

/** The `--val` value that selects the generated images. */
export const SYNTHETIC_VAL = 'synthetic';

/** One validation image: its name (path under the folder), pixels and subset. */
export interface ValidationImage { file: string; image: RgbaImage; subset: 'photos' | 'graphics' }

/** How to get validation images, for the message when there are none. */
const HOW_TO_GET =
  'build the validation split with `npm run data:build` (docs/data.md; a small one in seconds: ' +
  '`npm run data:build -- --packages desktop-base,papirus-icon-theme --max-per-package 6`), ' +
  `pass --val <folder of images>, or --val ${SYNTHETIC_VAL} for generated images (a smoke run, not a quality figure)`;

/** Image files under a folder, recursively, sorted. */
export function listImages(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listImages(path));
    else if (/\.(png|jpe?g|webp)$/i.test(name)) out.push(path);
  }
  return out;
}

/** Generated stand-ins, 384 px (9 NIQE blocks once a 4 px border is cropped): two textures, two graphics with alpha. */
function syntheticSet(): ValidationImage[] {
  return [
    { file: 'synthetic/photos/texture-1', image: texture(384, 384, 1, 0.25), subset: 'photos' },
    { file: 'synthetic/photos/texture-2', image: texture(384, 384, 2, 0.5), subset: 'photos' },
    { file: 'synthetic/graphics/discs', image: syntheticImage(384, 'edges'), subset: 'graphics' },
    { file: 'synthetic/graphics/ramp', image: syntheticImage(384, 'ramp'), subset: 'graphics' },
  ];
}

/**
 * The first `limit` images (0: all) of `val`, decoded; graphics are those under a `graphics` folder or with
 * transparency. `perSubset` > 0 keeps at most that many photos and that many graphics, evenly spread over each. Throws a SetupError naming the fix when the folder is missing or holds no images.
 */
export async function readValidationSet(val: string, limit = 0, perSubset = 0): Promise<ValidationImage[]> {
  const take = <T>(xs: T[]): T[] => (limit > 0 ? xs.slice(0, limit) : xs);
  if (val === SYNTHETIC_VAL) return take(syntheticSet());
  if (!existsSync(val)) throw new SetupError(`no validation images: ${val} does not exist; ${HOW_TO_GET}`);
  const files = take(listImages(val));
  if (files.length === 0) throw new SetupError(`no images (PNG, JPEG, WebP) under ${val}; ${HOW_TO_GET}`);
  const images = await Promise.all(files.map(async (path): Promise<ValidationImage> => {
    const image = await decodeImage(readFileSync(path));
    const graphics = relative(val, path).split(sep).includes('graphics') || hasTransparency(image);
    return { file: relative(val, path), image, subset: graphics ? 'graphics' : 'photos' };
  }));
  if (perSubset <= 0) return images;
  return (['photos', 'graphics'] as const).flatMap((subset) => spread(images.filter((v) => v.subset === subset), perSubset));
}

/** At most `n` of the items, evenly spaced through them (so every package of a sorted folder list is visited). */
export function spread<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, k) => items[Math.floor((k * items.length) / n)] as T);
}
