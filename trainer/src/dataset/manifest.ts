/** The data set's manifest: one record per image (package, version, source path, split, size, alpha) and totals. */
import { readFile, writeFile } from 'node:fs/promises';
import type { ImageKind, Split } from './select.ts';

/** One image of the data set. */
export interface ManifestImage {
  /** Path relative to the output folder, e.g. `train/graphics/papirus-icon-theme/icons/Papirus/64x64/apps/gimp.png`. */
  readonly path: string;
  readonly split: Split;
  readonly kind: ImageKind;
  /** Debian package it came from, and that package's version. */
  readonly package: string;
  readonly version: string;
  /** Path of the original file inside the package. */
  readonly source: string;
  readonly width: number;
  readonly height: number;
  /** True when some pixel is not fully opaque. */
  readonly hasAlpha: boolean;
}

/** What happened in one package. */
export interface PackageReport {
  readonly name: string;
  readonly version: string;
  /** Candidate files after dropping smaller size variants, per kind. */
  readonly candidates: { readonly photo: number; readonly graphic: number };
  /** Rasters skipped because their shorter side was below the minimum. */
  readonly tooSmall: number;
  /** SVGs that failed to render (or rendered empty), skipped. */
  readonly svgFailed: number;
  /** Images taken, per kind. */
  readonly images: { readonly photo: number; readonly graphic: number };
}

/** Counts for one kind. */
export interface KindTotals {
  readonly train: number;
  readonly val: number;
  readonly withAlpha: number;
}

/** Counts over the whole data set. */
export interface ManifestTotals {
  readonly images: number;
  readonly train: number;
  readonly val: number;
  readonly photos: KindTotals;
  readonly graphics: KindTotals;
}

/** The options that decided the data set's contents. */
export interface BuildSettings {
  readonly seed: number;
  readonly valFraction: number;
  readonly svgSize: number;
  readonly maxPerPackage: number;
  readonly minPhotoSide: number;
}

/** The whole manifest written to OUT/manifest.json. */
export interface Manifest {
  readonly format: 'tsdsr-dataset/1';
  readonly createdAt: string;
  readonly settings: BuildSettings;
  readonly packages: readonly PackageReport[];
  readonly totals: ManifestTotals;
  readonly images: readonly ManifestImage[];
}

/** Count images per split, per kind and with alpha. */
export function computeTotals(images: readonly ManifestImage[]): ManifestTotals {
  const kind = (k: ImageKind): KindTotals => {
    const of = images.filter((i) => i.kind === k);
    return { train: of.filter((i) => i.split === 'train').length, val: of.filter((i) => i.split === 'val').length, withAlpha: of.filter((i) => i.hasAlpha).length };
  };
  return {
    images: images.length,
    train: images.filter((i) => i.split === 'train').length,
    val: images.filter((i) => i.split === 'val').length,
    photos: kind('photo'),
    graphics: kind('graphic'),
  };
}

/** Assemble a manifest with images sorted by path and totals computed. */
export function makeManifest(settings: BuildSettings, packages: readonly PackageReport[], images: readonly ManifestImage[]): Manifest {
  const sorted = [...images].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { format: 'tsdsr-dataset/1', createdAt: new Date().toISOString(), settings, packages, totals: computeTotals(sorted), images: sorted };
}

/** Read a manifest, or null when there is none or it cannot be parsed. */
export async function readManifest(file: string): Promise<Manifest | null> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Manifest;
    if (parsed.format !== 'tsdsr-dataset/1') return null;
    const images = parsed.images.map((i): ManifestImage => ({
      path: i.path, split: i.split, kind: i.kind, package: i.package, version: i.version, source: i.source, width: i.width, height: i.height, hasAlpha: i.hasAlpha,
    }));
    return { ...parsed, images };
  } catch {
    return null;
  }
}

/** Write a manifest as indented JSON. */
export async function writeManifest(file: string, manifest: Manifest): Promise<void> {
  await writeFile(file, JSON.stringify(manifest, null, 1) + '\n');
}
