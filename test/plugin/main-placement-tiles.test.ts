// "Split in tiles" keeps what the layer shows: tiles of an image fill sit in a frame clipped to the layer's box, where
// the fill showed its picture (cropped, covered or fitted); tiles of an exported layer cover its box.
import type { ImagePaint } from '@figma/plugin-typings/plugin-api-standalone.js';
import { describe, expect, it } from 'vitest';
import { solid } from '../helpers/figma-host.ts';
import { canvasTree } from './canvas.ts';
import { runAll, solidPng, solidTiles, startTestPlugin, type MakeResult } from './scene.ts';

/** The source `scale` times larger, split into tiles of at most `side` pixels, as the UI sends a result over 4096 px. */
function tiled(scale: number, side: number): MakeResult {
  return ({ width, height }) => solidTiles(width * scale, height * scale, side);
}

describe('split in tiles, image fill', () => {
  it('a cropped layer comes back as a frame clipped to its box, showing the crop (not the whole image)', async () => {
    const p = startTestPlugin();
    const hash = p.host.addImage(await solidPng(160, 120));
    const crop: ImagePaint = { type: 'IMAGE', scaleMode: 'CROP', imageHash: hash, imageTransform: [[0.5, 0, 0.25], [0, 0.5, 0.25]] };
    const photo = p.host.add('RECTANGLE', { name: 'Photo', x: 40, y: 30, width: 80, height: 60, fills: [solid(255, 255, 255), crop], cornerRadius: 8 });
    p.host.select(photo);
    await runAll(p, { scale: 4, placement: 'in-place' }, tiled(4, 320));
    const frame = p.host.page.children[1]!;
    expect(photo.visible).toBe(false);
    expect(frame).toMatchObject({ type: 'FRAME', name: 'Photo @4x', clipsContent: true, cornerRadius: 8, fills: [solid(255, 255, 255)] });
    expect(frame.absoluteBoundingBox).toEqual({ x: 40, y: 30, width: 80, height: 60 });
    // The crop shows the image's middle half: the whole picture is 160×120 canvas units, starting at (-40, -30).
    expect(frame.children.map((t) => [t.name, t.x, t.y, t.width, t.height])).toEqual([
      ['Tile 1 of 4', -40, -30, 80, 80], ['Tile 2 of 4', 40, -30, 80, 80],
      ['Tile 3 of 4', -40, 50, 80, 40], ['Tile 4 of 4', 40, 50, 80, 40],
    ]);
    expect((await frame.exportAsync({ format: 'PNG' })).length).toBeGreaterThan(0);
  });

  it('a 400×100 banner filled with a square image stays 400×100 (it hung 300 px below its box before)', async () => {
    const p = startTestPlugin();
    const hash = p.host.addImage(await solidPng(400, 400));
    const banner = p.host.add('RECTANGLE', { name: 'Banner', x: 0, y: 500, width: 400, height: 100, fills: [{ type: 'IMAGE', scaleMode: 'FILL', imageHash: hash }] });
    p.host.select(banner);
    await runAll(p, { scale: 4, placement: 'beside' }, tiled(4, 1024));
    const frame = p.host.page.children[1]!;
    expect(frame.absoluteBoundingBox).toEqual({ x: 420, y: 500, width: 400, height: 100 });
    expect(frame.clipsContent).toBe(true);
    // FILL covers the box: the 400×400 picture is centred, 150 units above and below the box, cut off by the frame.
    expect(frame.children.map((t) => [t.x, t.y, t.width, t.height])).toEqual([
      [0, -150, 256, 256], [256, -150, 144, 256], [0, 106, 256, 144], [256, 106, 144, 144],
    ]);
  });

  it('a fitted (FIT) image keeps its margins', async () => {
    const p = startTestPlugin();
    const hash = p.host.addImage(await solidPng(200, 100));
    const card = p.host.add('RECTANGLE', { name: 'Logo', width: 100, height: 100, fills: [{ type: 'IMAGE', scaleMode: 'FIT', imageHash: hash }] });
    p.host.select(card);
    await runAll(p, { scale: 4, placement: 'in-place' }, tiled(4, 400));
    const frame = p.host.page.children[1]!;
    expect(frame.children.map((t) => [t.x, t.y, t.width, t.height])).toEqual([[0, 25, 50, 50], [50, 25, 50, 50]]);
  });

  it('a repeating (TILE) image over 4096 px fails in words and leaves the canvas as it was', async () => {
    const p = startTestPlugin();
    const hash = p.host.addImage(await solidPng(20, 20));
    const pattern = p.host.add('RECTANGLE', { name: 'Pattern', width: 100, height: 100, fills: [{ type: 'IMAGE', scaleMode: 'TILE', imageHash: hash, scalingFactor: 0.5 }] });
    p.host.select(pattern);
    const before = canvasTree(p.host.page);
    const { outcomes } = await runAll(p, { scale: 4, placement: 'in-place' }, tiled(4, 40));
    expect(outcomes[0]).toMatchObject({ type: 'layer-failed', reason: expect.stringMatching(/^A repeating image fill over 4096 px can’t be split into tiles\. Pick “Shrink to fit”/) });
    expect(canvasTree(p.host.page)).toEqual(before);
  });
});
