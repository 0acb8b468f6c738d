/** Debian packages the data set is built from: the list, `apt-get download`, version parsing and `dpkg -x` extraction. */
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Packages whose raster images are high-resolution photographs, paintings and wallpapers (see docs/data.md). */
export const PHOTO_PACKAGES: readonly string[] = ['plasma-workspace-wallpapers', 'gnome-backgrounds', 'desktop-base', 'wesnoth-1.16-data', 'mate-backgrounds', 'ukui-wallpapers'];

/** Packages of SVG icons and clip art, rendered with sharp (librsvg). */
export const GRAPHIC_PACKAGES: readonly string[] = [
  'openclipart-svg',
  'papirus-icon-theme',
  'breeze-icon-theme',
  'adwaita-icon-theme',
  'numix-icon-theme-circle',
];

/** Every package built by default: photographs first, then graphics. */
export const DEFAULT_PACKAGES: readonly string[] = [...PHOTO_PACKAGES, ...GRAPHIC_PACKAGES];

/** Name, version (epoch included) and architecture read from a `.deb` file name. */
export interface DebName {
  readonly name: string;
  readonly version: string;
  readonly arch: string;
}

/** Parse `name_version_arch.deb` as apt-get download writes it (`%3a` stands for the epoch's colon); null when it does not match. */
export function parseDebFilename(fileName: string): DebName | null {
  const m = /^([a-z0-9][a-z0-9+.-]*)_([^_]+)_([a-z0-9-]+)\.deb$/.exec(path.basename(fileName));
  if (!m) return null;
  return { name: m[1]!, version: decodeURIComponent(m[2]!), arch: m[3]! };
}

/** The `.deb` of `pkg` already in `cacheDir`, or null (the newest by file name when several are there). */
export async function findCachedDeb(pkg: string, cacheDir: string): Promise<string | null> {
  const files = await readdir(cacheDir).catch(() => [] as string[]);
  const hits = files.filter((f) => parseDebFilename(f)?.name === pkg).sort();
  return hits.length > 0 ? path.join(cacheDir, hits[hits.length - 1]!) : null;
}

/** Text of a failed child process: its stderr, else its message. */
function failureText(error: unknown): string {
  const e = error as { stderr?: string; message?: string };
  return (e.stderr?.trim() || e.message || String(error)).split('\n').slice(-4).join(' | ');
}

/** Wait `ms` milliseconds. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `apt-get download pkg` into `cacheDir` unless a `.deb` is already there; returns its path, or throws an error naming the package. */
export async function aptDownload(pkg: string, cacheDir: string): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  const cached = await findCachedDeb(pkg, cacheDir);
  if (cached) return cached;
  let last = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await run('apt-get', ['download', pkg], { cwd: cacheDir, maxBuffer: 16 << 20 });
      const deb = await findCachedDeb(pkg, cacheDir);
      if (deb) return deb;
      last = 'apt-get download finished but no .deb file appeared';
      break;
    } catch (error) {
      last = failureText(error);
      if (!/lock/i.test(last)) break;
      await sleep(2000 * (attempt + 1));
    }
  }
  const hint = /unable to locate|no packages found|has no installation candidate/i.test(last)
    ? ' (package missing from the apt lists: run `apt-get update` and check the name)'
    : ' (network down or mirror unreachable?)';
  throw new Error(`apt-get download ${pkg} failed${hint}: ${last}`);
}

/** The package's version from `dpkg-deb -f FILE Version`, falling back to the file name. */
export async function debVersion(debPath: string): Promise<string> {
  try {
    const { stdout } = await run('dpkg-deb', ['-f', debPath, 'Version']);
    if (stdout.trim()) return stdout.trim();
  } catch {
    // fall back to the file name below
  }
  const parsed = parseDebFilename(debPath);
  if (!parsed) throw new Error(`cannot read the version of ${debPath}`);
  return parsed.version;
}

/** Extract `debPath` into `destDir` with `dpkg -x` unless a completed extraction (marker file) is already there. */
export async function extractDeb(debPath: string, destDir: string): Promise<void> {
  const marker = path.join(destDir, '.extracted');
  if (await stat(marker).then(() => true, () => false)) return;
  await rm(destDir, { recursive: true, force: true });
  await mkdir(destDir, { recursive: true });
  try {
    await run('dpkg', ['-x', debPath, destDir], { maxBuffer: 16 << 20 });
  } catch (error) {
    throw new Error(`dpkg -x ${path.basename(debPath)} failed: ${failureText(error)}`);
  }
  await writeFile(marker, `${path.basename(debPath)}\n`);
}
