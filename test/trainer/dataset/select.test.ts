// Selection and split: deterministic by-file split near the requested fraction, variant grouping, seeded order, output paths.
import { describe, expect, it } from 'vitest';
import { familyKey, outputPath, pickLargestVariants, seededOrder, sizeVariant, splitOf } from '../../../trainer/src/dataset/select.ts';

const keys = Array.from({ length: 5000 }, (_, i) => `pkg/usr/share/icons/x/64x64/apps/icon-${i}.svg`);

describe('splitOf', () => {
  it('is a pure function of seed and file: same file, same split, in any order and on every run', () => {
    const a = keys.map((k) => splitOf(1, k, 0.1));
    const b = [...keys].reverse().map((k) => splitOf(1, k, 0.1)).reverse();
    expect(b).toEqual(a);
    expect(splitOf(1, keys[0]!, 0.1)).toBe(a[0]);
  });

  it('puts about val-fraction of the files in val', () => {
    for (const fraction of [0.1, 0.25]) {
      const val = keys.filter((k) => splitOf(1, k, fraction) === 'val').length / keys.length;
      expect(Math.abs(val - fraction)).toBeLessThan(0.02);
    }
    expect(keys.every((k) => splitOf(1, k, 0) === 'train')).toBe(true);
    expect(keys.every((k) => splitOf(1, k, 1) === 'val')).toBe(true);
  });

  it('changes with the seed, and a larger fraction only moves files from train to val', () => {
    const s1 = keys.map((k) => splitOf(1, k, 0.1));
    const s2 = keys.map((k) => splitOf(2, k, 0.1));
    expect(s1).not.toEqual(s2);
    const wider = keys.map((k) => splitOf(1, k, 0.2));
    expect(s1.every((s, i) => s === 'train' || wider[i] === 'val')).toBe(true);
  });
});

describe('variants', () => {
  it('keeps the largest resolution of a wallpaper and of an icon', () => {
    const picked = pickLargestVariants([
      'usr/share/wallpapers/Altai/contents/images/1080x1920.png',
      'usr/share/wallpapers/Altai/contents/images/5120x2880.png',
      'usr/share/wallpapers/Kay/contents/images_dark/5120x2880.png',
      'usr/share/icons/Papirus/16x16/apps/gimp.svg',
      'usr/share/icons/Papirus/64x64/apps/gimp.svg',
      'usr/share/icons/Papirus/48x48@2x/apps/gimp.svg',
      'usr/share/icons/breeze/actions/16/edit.svg',
      'usr/share/icons/breeze/actions/32/edit.svg',
      'usr/share/icons/Adwaita/16x16/legacy/a.png',
      'usr/share/icons/Adwaita/scalable/legacy/a.png',
    ]);
    expect(picked).toEqual([
      'usr/share/icons/Adwaita/scalable/legacy/a.png',
      'usr/share/icons/Papirus/48x48@2x/apps/gimp.svg',
      'usr/share/icons/breeze/actions/32/edit.svg',
      'usr/share/wallpapers/Altai/contents/images/5120x2880.png',
      'usr/share/wallpapers/Kay/contents/images_dark/5120x2880.png',
    ]);
    expect(sizeVariant('usr/share/games/wesnoth/1.16/data/a.png')).toEqual({ group: 'usr/share/games/wesnoth/1.16/data/a.png', rank: 0 });
  });

  it('gives light and dark variants of one picture one family, hence one split', () => {
    expect(familyKey('p', 'usr/share/icons/Papirus-Dark/24x24/actions/a.svg')).toBe(familyKey('p', 'usr/share/icons/Papirus/64x64/actions/a.svg'));
    expect(familyKey('p', 'usr/share/wallpapers/Kay/contents/images_dark/5120x2880.png')).toBe(familyKey('p', 'usr/share/wallpapers/Kay/contents/images/1080x1920.png'));
    expect(familyKey('g', 'usr/share/backgrounds/gnome/wood-d.webp')).toBe(familyKey('g', 'usr/share/backgrounds/gnome/wood-l.webp'));
    expect(familyKey('p', 'usr/share/icons/a/b.svg')).not.toBe(familyKey('p', 'usr/share/icons/a/c.svg'));
  });
});

describe('seededOrder and outputPath', () => {
  it('shuffles deterministically regardless of input order', () => {
    const sorted = [...keys].sort();
    const a = seededOrder(sorted, 1);
    expect(seededOrder([...sorted].reverse(), 1)).toEqual(a);
    expect(a).not.toEqual(sorted);
    expect(seededOrder(sorted, 2)).not.toEqual(a);
    expect([...a].sort()).toEqual(sorted);
  });

  it('lays files out by split, kind and package, SVGs as PNG', () => {
    expect(outputPath('val', 'graphic', 'papirus-icon-theme', 'usr/share/icons/Papirus/64x64/apps/gimp.svg')).toBe('val/graphics/papirus-icon-theme/icons/Papirus/64x64/apps/gimp.png');
    expect(outputPath('train', 'photo', 'gnome-backgrounds', 'usr/share/backgrounds/gnome/wood-d.webp')).toBe('train/photos/gnome-backgrounds/backgrounds/gnome/wood-d.webp');
  });
});
