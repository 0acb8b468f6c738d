/** Scanning a folder of HR training images (PNG/JPEG/WebP, nested) with optional captions. */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
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

/** An image file the scan left out, and why (unreadable/corrupt, or smaller than minSidePx). */
export interface SkippedImage {
  readonly relativePath: string;
  readonly reason: string;
}

/** What a scan found: the usable images, the unreadable ones and those too small. */
export interface FolderScan {
  readonly entries: ImageEntry[];
  readonly unreadable: SkippedImage[];
  readonly tooSmall: SkippedImage[];
}

/**
 * Every file below `root`, relative paths with forward slashes. Symbolic links are followed, to folders (each real
 * folder is read once, so a link back up the tree ends there) and to files; a dangling link is listed, so the scan
 * reports it as unreadable instead of dropping it silently.
 */
async function listFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const seen = new Set<string>();
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const real = await realpath(dir);
    if (seen.has(real)) return;
    seen.add(real);
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const relative = prefix + entry.name;
      const target = entry.isSymbolicLink() ? await stat(full).catch(() => null) : entry;
      if (target === null || target.isFile()) files.push(relative);
      else if (target.isDirectory()) await walk(full, `${relative}/`);
    }
  };
  await walk(root, '');
  return files;
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

/** The first line of an error's message (sharp's decoder errors carry libvips detail after it). */
function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0] ?? 'unknown error';
}

/** Read the header and decode every pixel once, so truncated or corrupt files are found here, not in a worker. */
async function probeImage(file: string): Promise<{ width: number; height: number } | { error: string }> {
  try {
    const meta = await sharp(file, { limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height) return { error: 'no image size in its header' };
    await sharp(file, { limitInputPixels: false }).raw().toBuffer();
    return { width: meta.width, height: meta.height };
  } catch (error) {
    return { error: firstLine(error) };
  }
}

/** Scan `root` like scanImageFolder, also saying which files were unreadable or too small. */
export async function scanImageFolderReport(root: string, options: ScanOptions = {}): Promise<FolderScan> {
  const absoluteRoot = path.resolve(root);
  const style = options.style ?? path.basename(absoluteRoot);
  const minSidePx = options.minSidePx ?? 1;
  const files = (await listFiles(absoluteRoot))
    .filter((f) => IMAGE_EXTENSIONS.includes(path.extname(f).toLowerCase()))
    .sort(byCodeUnits);
  const scan: FolderScan = { entries: [], unreadable: [], tooSmall: [] };
  for (const relativePath of files) {
    const full = path.join(absoluteRoot, relativePath);
    const probe = await probeImage(full);
    if ('error' in probe) {
      scan.unreadable.push({ relativePath, reason: probe.error });
      continue;
    }
    if (Math.min(probe.width, probe.height) < minSidePx) {
      scan.tooSmall.push({ relativePath, reason: `${probe.width}x${probe.height} is under ${minSidePx} px` });
      continue;
    }
    scan.entries.push({ path: full, relativePath, width: probe.width, height: probe.height, caption: await readCaption(full), style });
  }
  return scan;
}

/** Find the usable images below `root` (sorted by relative path) with their sizes, captions and the style. */
export async function scanImageFolder(root: string, options: ScanOptions = {}): Promise<ImageEntry[]> {
  return (await scanImageFolderReport(root, options)).entries;
}

/** Options of scanTrainingFolder. */
export interface TrainingScanOptions extends ScanOptions {
  /** Where the warnings go (one per skipped file, then a count). */
  readonly log?: (message: string) => void;
  /** Refuse when more than this share of the image files is unreadable (default 0.5). */
  readonly maxUnreadableShare?: number;
}

/** Scan a training folder: warn naming each skipped file, refuse when none are usable or too many are unreadable. */
export async function scanTrainingFolder(root: string, options: TrainingScanOptions = {}): Promise<ImageEntry[]> {
  const scan = await scanImageFolderReport(root, options);
  const log = options.log ?? ((message: string) => console.warn(message));
  for (const s of scan.unreadable) log(`warning: skipping ${s.relativePath}: unreadable (${s.reason})`);
  for (const s of scan.tooSmall) log(`warning: skipping ${s.relativePath}: too small (${s.reason})`);
  const skipped = scan.unreadable.length + scan.tooSmall.length;
  const total = skipped + scan.entries.length;
  if (skipped > 0) log(`skipped ${skipped} of ${total} image files (${scan.unreadable.length} unreadable, ${scan.tooSmall.length} too small); training on ${scan.entries.length}`);
  const minSidePx = options.minSidePx ?? 1;
  if (scan.entries.length === 0) throw new Error(`${root}: no usable PNG/JPEG/WebP images of at least ${minSidePx} px (found ${total} image files, ${skipped} skipped)`);
  const maxShare = options.maxUnreadableShare ?? 0.5;
  if (scan.unreadable.length > maxShare * total) {
    throw new Error(`${root}: ${scan.unreadable.length} of ${total} image files are unreadable (more than ${Math.round(maxShare * 100)}%), first: ${scan.unreadable[0]?.relativePath}`);
  }
  return scan.entries;
}
