/** Building one package's share of the data set from its extracted tree: select, split, render or copy, and record. */
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { ManifestImage, PackageReport } from './manifest.ts';
import { renderSvg, measureRaster } from './render.ts';
import { familyKey, listCandidates, outputPath, seededOrder, splitOf, type ImageKind } from './select.ts';

/** Inputs of collectPackage. */
export interface CollectOptions {
  /** Root of the extracted package (what `dpkg -x` wrote). */
  readonly root: string;
  readonly name: string;
  readonly version: string;
  /** Output folder (train/ and val/ are made below it). */
  readonly outDir: string;
  readonly seed: number;
  readonly valFraction: number;
  readonly svgSize: number;
  /** Most images taken per kind from this package. */
  readonly maxPerPackage: number;
  /** Rasters whose shorter side is below this are skipped. */
  readonly minPhotoSide: number;
  /** Whether rasters are taken as photos (default true; false for icon themes, whose PNGs are icons, not photographs). */
  readonly takeRasters?: boolean;
  /** Records of an earlier run, by output path, reused when their file is still there. */
  readonly previous?: ReadonlyMap<string, ManifestImage>;
  /** Called now and then with a one-line progress message. */
  readonly onProgress?: (line: string) => void;
}

/** Whether a file exists. */
async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}

/** Shorter side of a raster from its header, or 0 when unreadable. */
async function shortSide(file: string): Promise<number> {
  const meta = await sharp(file).metadata().catch(() => null);
  return meta?.width && meta.height ? Math.min(meta.width, meta.height) : 0;
}

/** The earlier record for `rel` when it still fits the current settings and its file exists. */
async function reusable(opts: CollectOptions, rel: string, kind: ImageKind): Promise<ManifestImage | null> {
  const prev = opts.previous?.get(rel);
  if (!prev || prev.version !== opts.version || prev.kind !== kind) return null;
  if (kind === 'graphic' && Math.max(prev.width, prev.height) !== opts.svgSize) return null;
  return (await exists(path.join(opts.outDir, rel))) ? prev : null;
}

/** Select, split, render (SVG) or copy (raster) the images of one extracted package; returns their records and a report. */
export async function collectPackage(opts: CollectOptions): Promise<{ images: ManifestImage[]; report: PackageReport }> {
  const candidates = await listCandidates(opts.root);
  const photos = opts.takeRasters === false ? [] : candidates.filter((c) => c.kind === 'photo').map((c) => c.source);
  const graphics = candidates.filter((c) => c.kind === 'graphic').map((c) => c.source);
  const images: ManifestImage[] = [];
  const progress = opts.onProgress ?? (() => undefined);
  let tooSmall = 0;
  let svgFailed = 0;
  const record = (kind: ImageKind, source: string, size: { width: number; height: number; hasAlpha: boolean }, rel: string, split: ManifestImage['split']): ManifestImage => ({
    path: rel, split, kind, package: opts.name, version: opts.version, source, width: size.width, height: size.height, hasAlpha: size.hasAlpha,
  });

  let tookPhotos = 0;
  for (const source of seededOrder(photos, opts.seed)) {
    if (tookPhotos >= opts.maxPerPackage) break;
    const split = splitOf(opts.seed, familyKey(opts.name, source), opts.valFraction);
    const rel = outputPath(split, 'photo', opts.name, source);
    const prev = await reusable(opts, rel, 'photo');
    if (prev) {
      images.push(prev);
      tookPhotos++;
      continue;
    }
    const file = path.join(opts.root, source);
    if ((await shortSide(file)) < opts.minPhotoSide) {
      tooSmall++;
      continue;
    }
    const size = await measureRaster(file);
    if (!size) continue;
    await mkdir(path.dirname(path.join(opts.outDir, rel)), { recursive: true });
    await copyFile(file, path.join(opts.outDir, rel));
    images.push(record('photo', source, size, rel, split));
    tookPhotos++;
    progress(`[${opts.name}] photos ${tookPhotos} taken, ${tooSmall} too small`);
  }

  let tookGraphics = 0;
  const families = new Set<string>();
  for (const source of seededOrder(graphics, opts.seed)) {
    if (tookGraphics >= opts.maxPerPackage) break;
    // One icon per family: the light/dark recolourings of an icon add little and would crowd the cap.
    const family = familyKey(opts.name, source);
    if (families.has(family)) continue;
    families.add(family);
    const split = splitOf(opts.seed, familyKey(opts.name, source), opts.valFraction);
    const rel = outputPath(split, 'graphic', opts.name, source);
    const prev = await reusable(opts, rel, 'graphic');
    if (prev) {
      images.push(prev);
      tookGraphics++;
      continue;
    }
    try {
      const rendered = await renderSvg(await readFile(path.join(opts.root, source)), opts.svgSize);
      await mkdir(path.dirname(path.join(opts.outDir, rel)), { recursive: true });
      await writeFile(path.join(opts.outDir, rel), rendered.data);
      images.push(record('graphic', source, rendered, rel, split));
      tookGraphics++;
    } catch {
      svgFailed++;
    }
    if ((tookGraphics + svgFailed) % 25 === 0) {
      progress(`[${opts.name}] graphics ${tookGraphics}/${Math.min(opts.maxPerPackage, graphics.length)} rendered, ${svgFailed} failed`);
    }
  }

  const count = (k: ImageKind): number => images.filter((i) => i.kind === k).length;
  return {
    images,
    report: {
      name: opts.name,
      version: opts.version,
      candidates: { photo: photos.length, graphic: graphics.length },
      tooSmall,
      svgFailed,
      images: { photo: count('photo'), graphic: count('graphic') },
    },
  };
}
