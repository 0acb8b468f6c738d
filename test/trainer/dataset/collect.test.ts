// Building a package's images and manifest records from a fake extracted tree (PNG/SVG files written with sharp in a temp dir).
import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPackage, type CollectOptions } from '../../../trainer/src/dataset/collect.ts';
import { makeManifest, readManifest, writeManifest } from '../../../trainer/src/dataset/manifest.ts';

let dir = '';
const svg = (fill: string): string => `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><rect x="2" y="2" width="12" height="12" fill="${fill}"/></svg>`;

/** Write a file below the fake package root, making folders. */
async function put(rel: string, data: Buffer | string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, 'pkg', rel)), { recursive: true });
  await writeFile(path.join(dir, 'pkg', rel), data);
}

/** A solid-colour PNG of the given size. */
function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#3366cc' } }).png().toBuffer();
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tsdsr-dataset-'));
  await put('usr/share/wallpapers/A/contents/images/1024x768.png', await png(1024, 768));
  await put('usr/share/wallpapers/A/contents/images/640x480.png', await png(640, 480));
  await put('usr/share/wallpapers/A/contents/screenshot.png', await png(600, 600));
  await put('usr/share/wallpapers/B/b.jpg', await sharp(await png(600, 800)).jpeg().toBuffer());
  await put('usr/share/game/tiny.png', await png(100, 100));
  await put('usr/share/doc/pkg/logo.png', await png(900, 900));
  for (const icon of ['a', 'b', 'c', 'd', 'e']) {
    await put(`usr/share/icons/T/16x16/apps/${icon}.svg`, svg('#000'));
    await put(`usr/share/icons/T/64x64/apps/${icon}.svg`, svg('#0f0'));
    await put(`usr/share/icons/T-Dark/64x64/apps/${icon}.svg`, svg('#fff'));
  }
  await put('usr/share/icons/T/64x64/apps/broken.svg', '<svg xmlns="http://www.w3.org/2000/svg"><g>');
  await symlink(path.join(dir, 'pkg/usr/share/icons/T/64x64/apps/a.svg'), path.join(dir, 'pkg/usr/share/icons/T/64x64/apps/link.svg'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const options = (): CollectOptions => ({
  root: path.join(dir, 'pkg'), name: 'fake-pkg', version: '1:2.0-1', outDir: path.join(dir, 'out'),
  seed: 1, valFraction: 0.3, svgSize: 128, maxPerPackage: 100, minPhotoSide: 512,
});

describe('collectPackage', () => {
  it('takes the largest variants, skips tiny rasters, broken SVGs, docs, screenshots and symlinks, and records each image', async () => {
    const { images, report } = await collectPackage(options());
    expect(report).toEqual({
      name: 'fake-pkg', version: '1:2.0-1', candidates: { photo: 3, graphic: 11 }, tooSmall: 1, svgFailed: 1, images: { photo: 2, graphic: 5 },
    });
    const photos = images.filter((i) => i.kind === 'photo').map((i) => [i.source, i.width, i.height, i.hasAlpha]).sort();
    expect(photos).toEqual([
      ['usr/share/wallpapers/A/contents/images/1024x768.png', 1024, 768, false],
      ['usr/share/wallpapers/B/b.jpg', 600, 800, false],
    ]);
    const graphics = images.filter((i) => i.kind === 'graphic');
    expect(new Set(graphics.map((g) => path.basename(g.source))).size).toBe(5); // one per light/dark family
    for (const image of images) {
      expect(image).toMatchObject({ package: 'fake-pkg', version: '1:2.0-1' });
      expect(image.path.startsWith(`${image.split}/${image.kind === 'photo' ? 'photos' : 'graphics'}/fake-pkg/`)).toBe(true);
      const meta = await sharp(path.join(dir, 'out', image.path)).metadata();
      expect([meta.width, meta.height]).toEqual([image.width, image.height]);
    }
    for (const g of graphics) expect([g.width, g.height, g.hasAlpha]).toEqual([128, 128, true]);
  });

  it('is idempotent: a rerun reuses existing outputs and gives the same records', async () => {
    const first = await collectPackage(options());
    const manifest = makeManifest({ seed: 1, valFraction: 0.3, svgSize: 128, maxPerPackage: 100, minPhotoSide: 512 }, [first.report], first.images);
    await writeManifest(path.join(dir, 'out', 'manifest.json'), manifest);
    const back = await readManifest(path.join(dir, 'out', 'manifest.json'));
    expect(back?.images).toEqual(manifest.images);
    expect(back?.totals.images).toBe(7);
    expect(back!.totals.train + back!.totals.val).toBe(7);
    expect(back!.totals.graphics.withAlpha).toBe(5);
    const anyGraphic = first.images.find((i) => i.kind === 'graphic')!;
    const before = (await stat(path.join(dir, 'out', anyGraphic.path))).mtimeMs;
    const again = await collectPackage({ ...options(), previous: new Map(back!.images.map((i) => [i.path, i])) });
    expect(again.images).toEqual(first.images);
    expect((await stat(path.join(dir, 'out', anyGraphic.path))).mtimeMs).toBe(before);
  });

  it('respects the per-package cap', async () => {
    const { images } = await collectPackage({ ...options(), outDir: path.join(dir, 'capped'), maxPerPackage: 2 });
    expect(images.filter((i) => i.kind === 'graphic')).toHaveLength(2);
    expect(images.filter((i) => i.kind === 'photo')).toHaveLength(2);
  });
});

describe('collectPackage for icon themes', () => {
  it('takes no rasters when told so', async () => {
    const { images, report } = await collectPackage({ ...options(), outDir: path.join(dir, 'icons'), takeRasters: false });
    expect(images.every((i) => i.kind === 'graphic')).toBe(true);
    expect(report.candidates.photo).toBe(0);
  });
});
