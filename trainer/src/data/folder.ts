/** Scanning a folder of HR training images (PNG/JPEG/WebP, nested) with optional captions. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

/** Image file extensions the scanner accepts (lower case). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp'];

/** One training image: where it is, its size, and its text (caption file, else the style name). */
export interface ImageEntry {
  /** Absolute path. */
  readonly path: string;
  /** Path relative to the scanned root, with forward slashes (the stable sort key). */
  readonly relativePath: string;
  readonly width: number;
  readonly height: number;
  /** Contents of `<name>.txt` beside the image, trimmed; null when there is none. */
  readonly caption: string | null;
  /** The style name of the whole folder. */
  readonly style: string;
}

/** Options of scanImageFolder. */
export interface ScanOptions {
  /** Style name for the folder; defaults to the root folder's own name. */
  readonly style?: string;
  /** Skip images whose shorter side is below this many pixels (default 1). */
  readonly minSidePx?: number;
}

/** Every file below `root`, relative paths with forward slashes. */
async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

/** The trimmed caption beside an image, or null. */
async function readCaption(imagePath: string): Promise<string | null> {
  const captionPath = imagePath.slice(0, imagePath.length - path.extname(imagePath).length) + '.txt';
  try {
    const text = (await readFile(captionPath, 'utf8')).trim();
    return text.length > 0 ? text : null;
  } catch {
    return null;
  }
}

/** Compare strings by UTF-16 code units (locale-independent, so every machine sorts alike). */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Find the images below `root` (sorted by relative path), read their sizes from headers, attach captions and the style. */
export async function scanImageFolder(root: string, options: ScanOptions = {}): Promise<ImageEntry[]> {
  const absoluteRoot = path.resolve(root);
  const style = options.style ?? path.basename(absoluteRoot);
  const files = (await listFiles(absoluteRoot))
    .filter((f) => IMAGE_EXTENSIONS.includes(path.extname(f).toLowerCase()))
    .sort(byCodeUnits);
  const entries: ImageEntry[] = [];
  for (const relativePath of files) {
    const full = path.join(absoluteRoot, relativePath);
    const meta = await sharp(full).metadata().catch(() => null);
    if (!meta?.width || !meta.height) continue;
    if (Math.min(meta.width, meta.height) < (options.minSidePx ?? 1)) continue;
    entries.push({ path: full, relativePath, width: meta.width, height: meta.height, caption: await readCaption(full), style });
  }
  return entries;
}
