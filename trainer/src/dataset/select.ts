/** Choosing images inside an extracted package: candidates, the largest of each size variant, seeded order and the by-file split. */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** Which split an image belongs to. */
export type Split = 'train' | 'val';

/** What an image is: a raster photograph/painting kept as is, or an SVG rendered with sharp. */
export type ImageKind = 'photo' | 'graphic';

/** Raster extensions kept as photographs (lower case). */
export const RASTER_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp'];

/** A file found in an extracted package. */
export interface Candidate {
  /** Path inside the package with forward slashes, e.g. `usr/share/wallpapers/Altai/contents/images/5120x2880.png`. */
  readonly source: string;
  readonly kind: ImageKind;
}

/** A number in [0, 1) from a SHA-256 of the seed and a key: the same key and seed always give the same number. */
export function hashUnit(seed: number, key: string): number {
  const digest = createHash('sha256').update(`${seed}\u0000${key}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/** The split of one file, from the seed and a stable key (package name and path inside the package), never from run order. */
export function splitOf(seed: number, key: string, valFraction: number): Split {
  return hashUnit(seed ^ 0x5a17, key) < valFraction ? 'val' : 'train';
}

/** A seeded shuffle of `keys`: sorted by their hash, so it is deterministic and does not depend on the input order. */
export function seededOrder(keys: readonly string[], seed: number): string[] {
  const ranked = keys.map((k) => ({ k, h: hashUnit(seed, k) }));
  ranked.sort((a, b) => a.h - b.h || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return ranked.map((r) => r.k);
}

const SIZE_DIR = /^(\d+)(?:x(\d+))?(?:@(\d+)x?)?$/;
const SIZE_FILE = /^(\d+)x(\d+)$/;

/** A path's variant group (size folders and `WxH` file names replaced by `*`) and its size rank within the group (`scalable` ranks highest). */
export function sizeVariant(source: string): { group: string; rank: number } {
  const parts = source.split('/');
  let rank = 0;
  const groupParts = parts.map((part, i) => {
    if (i === parts.length - 1) {
      const ext = path.extname(part);
      const m = SIZE_FILE.exec(part.slice(0, part.length - ext.length));
      if (!m) return part;
      rank = Math.max(rank, Number(m[1]) * Number(m[2]));
      return `*${ext.toLowerCase()}`;
    }
    if (part === 'scalable') {
      rank = Number.MAX_SAFE_INTEGER;
      return '*';
    }
    const m = SIZE_DIR.exec(part);
    if (!m) return part;
    const side = Number(m[1]) * Number(m[3] ?? 1);
    rank = Math.max(rank, side * (m[2] ? Number(m[2]) * Number(m[3] ?? 1) : side));
    return '*';
  });
  return { group: groupParts.join('/'), rank };
}

/** Keep only the largest size variant of each group (e.g. the 5120x2880 wallpaper, the 64x64 or scalable icon); sorted by path. */
export function pickLargestVariants(sources: readonly string[]): string[] {
  const best = new Map<string, { source: string; rank: number }>();
  for (const source of [...sources].sort()) {
    const { group, rank } = sizeVariant(source);
    const prev = best.get(group);
    if (!prev || rank > prev.rank) best.set(group, { source, rank });
  }
  return [...best.values()].map((b) => b.source).sort();
}

/** A file's family inside a package: its size-variant group with light/dark variant markers removed (`Papirus-Dark` → `papirus`,
 * `images_dark` → `images`, `adwaita-l.webp` → `adwaita.webp`), so that variants of one picture share a split. */
export function familyKey(pkg: string, source: string): string {
  const group = sizeVariant(source).group.toLowerCase().replace(/^usr\/share\//, '');
  return `${pkg}/${group.replace(/[-_](?:dark|light|d|l)(?=[/.]|$)/g, '')}`;
}

/** Files never used: documentation, previews, screenshots and translated copies (`l10n/`) of an image. */
function ignored(source: string): boolean {
  const base = path.basename(source).toLowerCase();
  if (source.startsWith('usr/share/doc/') || source.includes('/previews/') || source.includes('/l10n/')) return true;
  return /^(screenshot|preview)s?\b/.test(base);
}

/** Regular files (not symlinks) below `root` that are SVGs or rasters, as candidates after dropping smaller size variants. */
export async function listCandidates(root: string): Promise<Candidate[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter((f) => !ignored(f));
  const svgs = files.filter((f) => path.extname(f).toLowerCase() === '.svg');
  const rasters = files.filter((f) => RASTER_EXTENSIONS.includes(path.extname(f).toLowerCase()));
  return [
    ...pickLargestVariants(rasters).map((source) => ({ source, kind: 'photo' as const })),
    ...pickLargestVariants(svgs).map((source) => ({ source, kind: 'graphic' as const })),
  ];
}

/** Where an image goes below OUT: `<split>/<photos|graphics>/<package>/<source without usr/share/>`, SVGs as `.png`. */
export function outputPath(split: Split, kind: ImageKind, pkg: string, source: string): string {
  let rel = source.replace(/^usr\/share\//, '');
  if (kind === 'graphic') rel = rel.slice(0, rel.length - path.extname(rel).length) + '.png';
  return `${split}/${kind === 'photo' ? 'photos' : 'graphics'}/${pkg}/${rel}`;
}
