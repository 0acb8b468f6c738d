// Debian package helpers and CLI parsing: versions from .deb file names, the cached .deb lookup, build flags.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBuildArgs } from '../../../trainer/src/dataset/build.ts';
import { DEFAULT_PACKAGES, findCachedDeb, parseDebFilename } from '../../../trainer/src/dataset/packages.ts';

describe('parseDebFilename', () => {
  it('reads name, version (epoch decoded) and architecture', () => {
    expect(parseDebFilename('plasma-workspace-wallpapers_4%3a5.27.5-2_all.deb')).toEqual({ name: 'plasma-workspace-wallpapers', version: '4:5.27.5-2', arch: 'all' });
    expect(parseDebFilename('/x/wesnoth-1.16-data_1%3a1.16.9-1_all.deb')?.version).toBe('1:1.16.9-1');
    expect(parseDebFilename('desktop-base_12.0.6+nmu1~deb12u1_all.deb')).toEqual({ name: 'desktop-base', version: '12.0.6+nmu1~deb12u1', arch: 'all' });
    expect(parseDebFilename('papirus-icon-theme_20230104-2_all.deb')?.version).toBe('20230104-2');
    expect(parseDebFilename('libfoo1_2.0-1_amd64.deb')).toEqual({ name: 'libfoo1', version: '2.0-1', arch: 'amd64' });
  });

  it('rejects other file names', () => {
    expect(parseDebFilename('notes.txt')).toBeNull();
    expect(parseDebFilename('foo.deb')).toBeNull();
    expect(parseDebFilename('foo_1.0.deb')).toBeNull();
  });
});

describe('findCachedDeb', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('finds the package by exact name, not by prefix', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tsdsr-debs-'));
    dirs.push(dir);
    await writeFile(path.join(dir, 'adwaita-icon-theme-full_43-1_all.deb'), '');
    expect(await findCachedDeb('adwaita-icon-theme', dir)).toBeNull();
    await writeFile(path.join(dir, 'adwaita-icon-theme_43-1_all.deb'), '');
    expect(await findCachedDeb('adwaita-icon-theme', dir)).toBe(path.join(dir, 'adwaita-icon-theme_43-1_all.deb'));
    expect(await findCachedDeb('anything', path.join(dir, 'missing'))).toBeNull();
  });
});

describe('parseBuildArgs', () => {
  it('has the documented defaults', () => {
    const o = parseBuildArgs([]);
    expect(o.out).toBe(path.resolve('data'));
    expect(o.cache).toBe(path.resolve('data/.cache'));
    expect(o.packages).toEqual(DEFAULT_PACKAGES);
    expect([o.maxPerPackage, o.svgSize, o.valFraction, o.seed, o.minPhotoSide]).toEqual([400, 1024, 0.1, 1, 512]);
  });

  it('parses flags and rejects bad numbers', () => {
    const o = parseBuildArgs(['--out', '/tmp/d', '--packages', 'a, b', '--max-per-package', '20', '--svg-size', '512', '--val-fraction', '0.2', '--seed', '7']);
    expect(o).toMatchObject({ out: '/tmp/d', cache: '/tmp/d/.cache', packages: ['a', 'b'], maxPerPackage: 20, svgSize: 512, valFraction: 0.2, seed: 7 });
    expect(() => parseBuildArgs(['--val-fraction', '2'])).toThrow(/val-fraction/);
    expect(() => parseBuildArgs(['--bogus'])).toThrow();
  });
});
