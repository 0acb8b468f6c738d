// A training folder assembled from links (`data/mine/photos -> data/train/photos`) is scanned through them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { scanImageFolderReport } from '../../../trainer/src/data/index.ts';
import { texturePixels } from '../../helpers/trainer-images.ts';

let base = '';

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'tsdsr-links-'));
  const png = (variant: number): Promise<Buffer> => sharp(texturePixels(64, 64, variant), { raw: { width: 64, height: 64, channels: 3 } }).png().toBuffer();
  await mkdir(path.join(base, 'photos', 'deep'), { recursive: true });
  await writeFile(path.join(base, 'photos', 'a.png'), await png(1));
  await writeFile(path.join(base, 'photos', 'deep', 'b.png'), await png(2));
  await writeFile(path.join(base, 'icon.png'), await png(3));
  const root = path.join(base, 'set');
  await mkdir(root);
  await symlink(path.join(base, 'photos'), path.join(root, 'photos')); // a folder
  await symlink(path.join(base, 'icon.png'), path.join(root, 'icon.png')); // a file
  await symlink(root, path.join(base, 'photos', 'deep', 'loop')); // back up the tree: read once
  await symlink(path.join(base, 'gone.png'), path.join(root, 'gone.png')); // dangling
});
afterAll(() => rm(base, { recursive: true, force: true }));

describe('a training folder of symbolic links', () => {
  it('takes the images behind linked folders and files, reads each folder once, and reports a dangling link', async () => {
    const scan = await scanImageFolderReport(path.join(base, 'set'));
    expect(scan.entries.map((e) => e.relativePath)).toEqual(['icon.png', 'photos/a.png', 'photos/deep/b.png']);
    expect(scan.entries.every((e) => e.width === 64 && e.height === 64)).toBe(true);
    expect(scan.unreadable.map((s) => s.relativePath)).toEqual(['gone.png']);
  });
});
