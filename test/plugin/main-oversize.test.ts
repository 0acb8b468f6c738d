// Main thread and Figma's 4096 px image limit: tiles cover the layer's box (grouped, or clipped for an image fill); too-large images fail in words.
import type { ImagePaint } from '@figma/plugin-typings/plugin-api-standalone.js';
import { describe, expect, it } from 'vitest';
import { solid } from '../helpers/figma-host.ts';
import { runAll, solidPng, solidTiles, startTestPlugin, type MakeResult } from './scene.ts';

/** A result of `width` × `height` split into tiles of at most `side` pixels, like the UI sends. */
function tiledResult(width: number, height: number, side: number): MakeResult {
  return () => solidTiles(width, height, side);
}

describe('results over 4096 px', () => {
  it('places a split result as a group of tiles covering the layer, beside it', async () => {
    const p = startTestPlugin();
    const banner = p.host.add('FRAME', { name: 'Banner', x: 0, y: 0, width: 1100, height: 300, fills: [solid(0, 0, 0)] });
    p.host.select(banner);
    const { outcomes } = await runAll(p, { scale: 4, placement: 'beside' }, tiledResult(4400, 1200, 4096));
    expect(outcomes[0]).toMatchObject({ type: 'layer-placed', name: 'Banner @4x' });
    const group = p.host.page.children[1]!;
    expect(group.type).toBe('GROUP');
    expect(group.absoluteBoundingBox).toEqual({ x: 1120, y: 0, width: 1100, height: 300 });
    const tiles = group.children.map((t) => {
      const image = p.host.images.get((t.fills[0] as ImagePaint).imageHash!)!;
      return [t.name, t.x, t.y, t.width, t.height, image.width, image.height];
    });
    expect(tiles).toEqual([
      ['Tile 1 of 2', 1120, 0, 1024, 300, 4096, 1200],
      ['Tile 2 of 2', 2144, 0, 76, 300, 304, 1200],
    ]);
  });

  it('replaces an exported layer in place with the tile group and hides the original', async () => {
    const p = startTestPlugin();
    const banner = p.host.add('FRAME', { name: 'Banner', x: 50, y: 60, width: 100, height: 100, fills: [solid(0, 0, 0)] });
    p.host.select(banner);
    await runAll(p, { scale: 41, placement: 'in-place' }, tiledResult(4100, 4100, 4096));
    const group = p.host.page.children[1]!;
    expect(banner.visible).toBe(false);
    expect(group.children.map((t) => [t.x, t.y])).toEqual([[50, 60], [50 + 4096 / 41, 60], [50, 60 + 4096 / 41], [50 + 4096 / 41, 60 + 4096 / 41]]);
    expect(group.absoluteBoundingBox).toEqual({ x: 50, y: 60, width: 100, height: 100 });
  });

  it('clips tiles of an image fill to the layer\'s box (see main-placement-tiles.test.ts)', async () => {
    const p = startTestPlugin();
    const hash = p.host.addImage(await solidPng(1200, 600));
    const photo = p.host.add('RECTANGLE', { name: 'Hero', width: 300, height: 300, fills: [{ type: 'IMAGE', scaleMode: 'FILL', imageHash: hash }] });
    p.host.select(photo);
    await runAll(p, { scale: 4, placement: 'beside' }, tiledResult(4800, 2400, 4096));
    const frame = p.host.page.children[1]!;
    expect(frame).toMatchObject({ type: 'FRAME', clipsContent: true });
    expect(frame.absoluteBoundingBox).toEqual({ x: 320, y: 0, width: 300, height: 300 });
  });

  it('fails one layer in plain words when Figma refuses an image larger than 4096 px, and goes on', async () => {
    const p = startTestPlugin();
    const wide = p.host.add('RECTANGLE', { name: 'Wide', width: 1100, height: 10, fills: [solid(0, 0, 0)] });
    const small = p.host.add('RECTANGLE', { name: 'Small', y: 50, width: 10, height: 10, fills: [solid(0, 0, 0)] });
    p.host.select(wide, small);
    const { outcomes, finished } = await runAll(p, { scale: 4, placement: 'beside' });
    expect(outcomes.map((o) => o.type)).toEqual(['layer-failed', 'layer-placed']);
    expect(outcomes[0]).toMatchObject({ reason: expect.stringMatching(/^Figma refused the result: it is over 4096 px a side\. Pick “Shrink to fit”/) });
    expect(outcomes[0]).not.toMatchObject({ reason: expect.stringContaining('Image is too large') });
    expect(finished.placed).toBe(1);
    expect(p.host.notifications.at(-1)?.message).toBe('Upscaled 1 layer to 4× · 1 failed');
  });
});
