/** `npm run data:build`: fetch the Debian packages of docs/data.md, extract, select, split, render, and write OUT/manifest.json. */
import { readdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { collectPackage } from './collect.ts';
import { makeManifest, readManifest, writeManifest, type Manifest, type ManifestImage, type PackageReport } from './manifest.ts';
import { DEFAULT_PACKAGES, GRAPHIC_PACKAGES, aptDownload, debVersion, extractDeb } from './packages.ts';

/** Options of buildDataset (the CLI flags). */
export interface BuildOptions {
  readonly out: string;
  /** Where `.deb` files and extracted trees are kept (default OUT/.cache). */
  readonly cache: string;
  readonly packages: readonly string[];
  readonly maxPerPackage: number;
  readonly svgSize: number;
  readonly valFraction: number;
  readonly seed: number;
  readonly minPhotoSide: number;
}

/** Parse the command line of `npm run data:build -- ...` into BuildOptions. */
export function parseBuildArgs(argv: readonly string[]): BuildOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      out: { type: 'string', default: 'data' },
      cache: { type: 'string' },
      packages: { type: 'string' },
      'max-per-package': { type: 'string', default: '400' },
      'svg-size': { type: 'string', default: '1024' },
      'val-fraction': { type: 'string', default: '0.1' },
      seed: { type: 'string', default: '1' },
      'min-photo-side': { type: 'string', default: '512' },
    },
    strict: true,
  });
  const num = (name: string, text: string, min: number, max: number): number => {
    const v = Number(text);
    if (!Number.isFinite(v) || v < min || v > max) throw new Error(`--${name} must be a number in [${min}, ${max}], got ${text}`);
    return v;
  };
  const out = path.resolve(values.out!);
  return {
    out,
    cache: path.resolve(values.cache ?? path.join(out, '.cache')),
    packages: values.packages ? values.packages.split(',').map((p) => p.trim()).filter(Boolean) : DEFAULT_PACKAGES,
    maxPerPackage: Math.floor(num('max-per-package', values['max-per-package']!, 1, 1e9)),
    svgSize: Math.floor(num('svg-size', values['svg-size']!, 16, 8192)),
    valFraction: num('val-fraction', values['val-fraction']!, 0, 1),
    seed: Math.floor(num('seed', values.seed!, 0, 2 ** 31 - 1)),
    minPhotoSide: Math.floor(num('min-photo-side', values['min-photo-side']!, 1, 1e6)),
  };
}

/** Remove files under OUT/train and OUT/val that the manifest does not list (left by a run with other settings); returns how many. */
async function pruneStale(out: string, keep: ReadonlySet<string>): Promise<number> {
  let removed = 0;
  for (const top of ['train', 'val']) {
    const root = path.join(out, top);
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries.filter((x) => x.isFile())) {
      const rel = path.relative(out, path.join(e.parentPath, e.name)).split(path.sep).join('/');
      if (!keep.has(rel)) {
        await rm(path.join(out, rel));
        removed++;
      }
    }
    const dirs = entries.filter((x) => x.isDirectory()).map((x) => path.join(x.parentPath, x.name));
    for (const dir of dirs.sort((a, b) => b.length - a.length)) await rmdir(dir).catch(() => undefined);
  }
  return removed;
}

/** A progress printer: rewrites one line on a terminal, else prints at most every two seconds. */
function progressPrinter(): { line: (text: string) => void; done: () => void } {
  const tty = process.stderr.isTTY;
  let last = 0;
  return {
    line: (text) => {
      const now = Date.now();
      if (tty) process.stderr.write(`\r${text.slice(0, 110).padEnd(110)}`);
      else if (now - last > 2000) process.stderr.write(`${text}\n`);
      last = now;
    },
    done: () => {
      if (tty) process.stderr.write('\n');
    },
  };
}

/** Build (or update) the data set; packages not named this time keep their earlier records. */
export async function buildDataset(options: BuildOptions, log: (line: string) => void = console.log): Promise<Manifest> {
  const manifestPath = path.join(options.out, 'manifest.json');
  const previous = await readManifest(manifestPath);
  const sameSettings = previous && previous.settings.seed === options.seed && previous.settings.valFraction === options.valFraction;
  const previousImages = new Map<string, ManifestImage>((sameSettings ? previous.images : []).map((i) => [i.path, i]));
  const images: ManifestImage[] = [];
  const reports: PackageReport[] = [];
  if (sameSettings) {
    for (const r of previous.packages.filter((p) => !options.packages.includes(p.name))) {
      reports.push(r);
      images.push(...previous.images.filter((i) => i.package === r.name));
    }
  }
  const progress = progressPrinter();
  for (const name of options.packages) {
    const started = Date.now();
    const deb = await aptDownload(name, path.join(options.cache, 'debs'));
    const version = await debVersion(deb);
    const root = path.join(options.cache, 'extract', path.basename(deb, '.deb'));
    await extractDeb(deb, root);
    const result = await collectPackage({
      root, name, version, outDir: options.out, seed: options.seed, valFraction: options.valFraction, svgSize: options.svgSize,
      maxPerPackage: options.maxPerPackage, minPhotoSide: options.minPhotoSide, takeRasters: !GRAPHIC_PACKAGES.includes(name),
      previous: previousImages, onProgress: progress.line,
    });
    progress.done();
    reports.push(result.report);
    images.push(...result.images);
    const r = result.report;
    const val = result.images.filter((i) => i.split === 'val').length;
    log(
      `${name} ${version}: ${r.images.photo} photos, ${r.images.graphic} graphics (${val} val) from ` +
        `${r.candidates.photo} raster + ${r.candidates.graphic} SVG candidates; ${r.tooSmall} too small, ${r.svgFailed} SVGs failed; ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  const manifest = makeManifest(
    { seed: options.seed, valFraction: options.valFraction, svgSize: options.svgSize, maxPerPackage: options.maxPerPackage, minPhotoSide: options.minPhotoSide },
    reports,
    images,
  );
  const removed = await pruneStale(options.out, new Set(manifest.images.map((i) => i.path)));
  await writeManifest(manifestPath, manifest);
  const t = manifest.totals;
  log(
    `total ${t.images} images: train ${t.train}, val ${t.val}; photos ${t.photos.train}+${t.photos.val}, ` +
      `graphics ${t.graphics.train}+${t.graphics.val} (${t.graphics.withAlpha} with alpha)` +
      (removed > 0 ? `; removed ${removed} stale files` : '') + `\nmanifest: ${manifestPath}`,
  );
  return manifest;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  buildDataset(parseBuildArgs(process.argv.slice(2))).catch((error: unknown) => {
    console.error(`data:build failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
