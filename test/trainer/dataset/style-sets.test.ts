// The style sets' file filters and even spreading (no download: the packages' paths are checked as strings).
import { describe, expect, it } from 'vitest';
import { STYLE_SETS, spreadEvenly } from '../../../trainer/src/dataset/style-sets.ts';

const spec = (style: string) => STYLE_SETS.find((s) => s.style === style)!;

describe('style sets', () => {
  it('uses none of the main data set\'s packages, nor pingus-data', () => {
    const reserved = ['plasma-workspace-wallpapers', 'gnome-backgrounds', 'desktop-base', 'wesnoth-1.16-data', 'openclipart-svg', 'papirus-icon-theme', 'breeze-icon-theme', 'adwaita-icon-theme', 'numix-icon-theme-circle', 'pingus-data', 'fonts-noto-core'];
    expect(STYLE_SETS.map((s) => s.pkg).filter((p) => reserved.includes(p))).toEqual([]);
  });

  it('takes the theme textures of hedgewars, not its sprites', () => {
    const include = spec('hedgewars-textures').include;
    expect(include('Nature/LandTex.png')).toBe(true);
    expect(include('Nature/Sky.png')).toBe(true);
    expect(include('Nature/butterfly.png')).toBe(false);
    expect(include('Nature/icon@2x.png')).toBe(false);
  });

  it('takes flare portraits and paintings, not avatar layers', () => {
    const include = spec('flare-portraits').include;
    expect(include('fantasycore/images/portraits/male01.png')).toBe(true);
    expect(include('fantasycore/images/menus/backgrounds/ice_palace.png')).toBe(true);
    expect(include('fantasycore/images/avatar/male/zweihander.png')).toBe(false);
  });

  it('takes oxygen icons of the listed contexts only', () => {
    const include = spec('oxygen-icons').include;
    expect(include('apps/kate.png')).toBe(true);
    expect(include('actions/edit-copy.png')).toBe(false);
  });

  it('takes the lxqt wallpapers at the folder\'s top level, raster only, downscaled to desktop size', () => {
    const wallpapers = spec('lxqt-wallpapers');
    expect(wallpapers.include('fog.jpg')).toBe(true);
    expect(wallpapers.include('origami-dark.png')).toBe(true);
    expect(wallpapers.include('sub/fog.jpg')).toBe(false);
    expect(wallpapers.include('README.txt')).toBe(false);
    expect(wallpapers.maxSidePx).toBe(1920);
    const landscapes = spec('endless-sky-landscapes');
    expect(landscapes.include('beach10-sfiera.jpg')).toBe(true);
    expect(landscapes.include('sub/beach0.jpg')).toBe(false);
    expect(landscapes.include('beach0.png')).toBe(false);
    const ships = spec('endless-sky-ships');
    expect(ships.include('deep river 3.png')).toBe(true);
    expect(ships.include('archon-0.png')).toBe(true);
    expect(ships.include('void sprite adult-00.png')).toBe(true);
    expect(ships.include('archon-1.png')).toBe(false);
    expect(ships.include('void sprite adult-12.png')).toBe(false);
  });

  it('has six sets with distinct styles and sources', () => {
    expect(STYLE_SETS).toHaveLength(6);
    expect(new Set(STYLE_SETS.map((s) => s.style)).size).toBe(6);
    expect(new Set(STYLE_SETS.map((s) => `${s.pkg}/${s.under}`)).size).toBe(6);
  });

  it('spreads a pick evenly and keeps short lists whole', () => {
    expect(spreadEvenly([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 5)).toEqual([0, 2, 4, 6, 8]);
    expect(spreadEvenly([1, 2], 5)).toEqual([1, 2]);
  });
});
