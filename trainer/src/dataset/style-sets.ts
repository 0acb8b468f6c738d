/**
 * `npx tsx trainer/src/dataset/style-sets.ts [--out data/styles] [--style NAME]...`: six small, coherent style folders for
 * `tsdsr train style`, each from one Debian package that the main data set does not use (game textures, painted portraits,
 * an icon theme, desktop wallpapers, landscape photographs, rendered game sprites). Copies up to 120 images of at least 128 px per style into OUT/<style>/ (a style with a
 * `maxSidePx` has its larger images downscaled to it) and records package and version in OUT/manifest.json. `--style`
 * builds only the named styles and keeps the other styles' folders and manifest entries as they are.
 */
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { aptDownload, debVersion, extractDeb } from './packages.ts';

/** One style set: the package it comes from and which of its files belong to the style. */
export interface StyleSetSpec {
  readonly style: string;
  readonly pkg: string;
  readonly description: string;
  /** Folder inside the extracted package searched for images. */
  readonly under: string;
  /** Whether a file (path relative to `under`) belongs to the style. */
  readonly include: (relativePath: string) => boolean;
  readonly maxImages: number;
  /** Images whose longer side is over this are downscaled (Lanczos) to it and stored as PNG; others are copied as they are. */
  readonly maxSidePx?: number;
}

/** The six style sets (none of these packages is in the training set's list, docs/data.md, and pingus-data is kept for an independent check). */
export const STYLE_SETS: readonly StyleSetSpec[] = [
  {
    style: 'hedgewars-textures',
    pkg: 'hedgewars-data',
    description: 'painted cartoon terrain, sky and horizon textures of the Hedgewars themes',
    under: 'usr/share/games/hedgewars/Data/Themes',
    include: (p) => /^[^/]+\/(LandTex|LandBackTex|Sky|SkyL|horizont|horizontL)\.png$/.test(p),
    maxImages: 120,
  },
  {
    style: 'flare-portraits',
    pkg: 'flare-game',
    description: 'painted character portraits and scene paintings of the Flare RPG',
    under: 'usr/share/games/flare/mods',
    include: (p) => /\/images\/(portraits|cutscenes|menus\/backgrounds)\/[^/]+\.png$/.test(p),
    maxImages: 120,
  },
  {
    style: 'oxygen-icons',
    pkg: 'oxygen-icon-theme',
    description: 'Oxygen icon theme, 256 px PNG icons (apps, places, devices, mimetypes, categories)',
    under: 'usr/share/icons/oxygen/base/256x256',
    include: (p) => /^(apps|places|devices|mimetypes|categories)\/[^/]+\.png$/.test(p),
    maxImages: 120,
  },
  {
    style: 'lxqt-wallpapers',
    pkg: 'lxqt-themes',
    description: 'LXQt desktop wallpapers: soft-focus nature photographs and smooth gradient, origami and low-poly abstracts',
    under: 'usr/share/lxqt/wallpapers',
    include: (p) => /^[^/]+\.(png|jpe?g)$/i.test(p),
    maxImages: 120,
    // 2000–3400 px originals: at desktop size a 128 px training crop holds edges rather than flat blur, and a crop
    // decodes in a fraction of the time.
    maxSidePx: 1920,
  },
  {
    style: 'endless-sky-landscapes',
    pkg: 'endless-sky-data',
    description: 'the planet-landing photographs of Endless Sky: colour-graded 720×360 landscapes, coasts, cities and skies',
    under: 'usr/share/games/endless-sky/images/land',
    include: (p) => /^[^/]+\.jpe?g$/i.test(p),
    maxImages: 120,
  },
  {
    style: 'endless-sky-ships',
    pkg: 'endless-sky-data',
    description: 'the rendered top-down spaceship sprites of Endless Sky, on transparency (first frame of animated ones)',
    under: 'usr/share/games/endless-sky/images/ship',
    // `name-1.png`, `name-2.png`… are further animation frames of `name-0.png`: only the first is kept, so no frame
    // of a held-out ship is trained on.
    include: (p) => /^[^/]+\.png$/.test(p) && (!/-\d+\.png$/.test(p) || /-0+\.png$/.test(p)),
    maxImages: 120,
  },
];

/** Smallest short side (px) of a copied image; smaller sprites are skipped. */
export const MIN_SIDE_PX = 128;

/** What OUT/manifest.json records for one style. */
export interface StyleSetReport {
  style: string;
  package: string;
  version: string;
  description: string;
  images: { file: string; source: string; width: number; height: number; sourceWidth?: number; sourceHeight?: number }[];
}

/** Every file under `dir`, as paths relative to it, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

/** `count` items spread evenly over `items` (all of them when there are fewer). */
export function spreadEvenly<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)]!);
}

/** Downloads and extracts the style's package and copies its images of at least MIN_SIDE_PX into OUT/<style>/. */
export async function buildStyleSet(spec: StyleSetSpec, out: string, cache: string): Promise<StyleSetReport> {
  const deb = await aptDownload(spec.pkg, path.join(cache, 'debs'));
  const version = await debVersion(deb);
  const root = path.join(cache, 'extract', path.basename(deb, '.deb'));
  await extractDeb(deb, root);
  const base = path.join(root, spec.under);
  const usable: { rel: string; width: number; height: number }[] = [];
  for (const rel of (await listFiles(base)).filter(spec.include)) {
    const meta = await sharp(path.join(base, rel)).metadata().catch(() => null);
    if (meta?.width && meta.height && Math.min(meta.width, meta.height) >= MIN_SIDE_PX) usable.push({ rel, width: meta.width, height: meta.height });
  }
  const chosen = spreadEvenly(usable, spec.maxImages);
  const dest = path.join(out, spec.style);
  await rm(dest, { recursive: true, force: true });
  await mkdir(dest, { recursive: true });
  const images: StyleSetReport['images'] = [];
  for (const c of chosen) {
    const flat = c.rel.replace(/\//g, '__');
    const source = path.join(spec.under, c.rel);
    const factor = spec.maxSidePx ? spec.maxSidePx / Math.max(c.width, c.height) : 1;
    if (factor < 1) {
      const [width, height] = [Math.round(c.width * factor), Math.round(c.height * factor)];
      const file = flat.replace(/\.[^.]+$/, '.png');
      await sharp(path.join(base, c.rel)).resize(width, height, { kernel: 'lanczos3' }).png().toFile(path.join(dest, file));
      images.push({ file, source, width, height, sourceWidth: c.width, sourceHeight: c.height });
    } else {
      await copyFile(path.join(base, c.rel), path.join(dest, flat));
      images.push({ file: flat, source, width: c.width, height: c.height });
    }
  }
  if (images.length < 40) console.warn(`warning: ${spec.style} has only ${images.length} images (40 or more wanted)`);
  console.log(`${spec.style}: ${images.length} images from ${spec.pkg} ${version} (${usable.length} usable of ${spec.pkg}'s matching files)`);
  return { style: spec.style, package: spec.pkg, version, description: spec.description, images };
}

/**
 * Builds the style sets named in `only` (every set when it is empty) and writes OUT/manifest.json; the entries of styles
 * not rebuilt are kept from the manifest already there, in STYLE_SETS order.
 */
export async function buildStyleSets(out: string, cache: string, only: readonly string[] = []): Promise<StyleSetReport[]> {
  const unknown = only.filter((name) => !STYLE_SETS.some((s) => s.style === name));
  if (unknown.length > 0) throw new Error(`unknown style ${unknown.join(', ')} (known: ${STYLE_SETS.map((s) => s.style).join(', ')})`);
  const manifestPath = path.join(out, 'manifest.json');
  const previous: StyleSetReport[] = only.length === 0 ? [] : await readFile(manifestPath, 'utf8').then((text) => (JSON.parse(text) as { styles: StyleSetReport[] }).styles, () => []);
  const built: StyleSetReport[] = [];
  for (const spec of STYLE_SETS) if (only.length === 0 || only.includes(spec.style)) built.push(await buildStyleSet(spec, out, cache));
  const order = (r: StyleSetReport): number => { const i = STYLE_SETS.findIndex((s) => s.style === r.style); return i < 0 ? STYLE_SETS.length : i; };
  const reports = [...previous.filter((r) => !built.some((b) => b.style === r.style)), ...built].sort((a, b) => order(a) - order(b));
  await writeFile(manifestPath, `${JSON.stringify({ created: new Date().toISOString(), minSidePx: MIN_SIDE_PX, styles: reports }, null, 2)}\n`);
  return built;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { out: { type: 'string', default: 'data/styles' }, cache: { type: 'string' }, style: { type: 'string', multiple: true } }, strict: true });
  const out = path.resolve(values.out!);
  buildStyleSets(out, path.resolve(values.cache ?? path.join(out, '.cache')), values.style ?? []).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
