// Every image fill of a layer is upscaled (up to MAX_IMAGE_FILLS), each in place as its own entry of the run, keeping
// its scale mode, crop, filters and opacity; a repeating (TILE) fill keeps its pattern size on the canvas.
import type { ImagePaint } from '@figma/plugin-typings/plugin-api-standalone.js';
import { describe, expect, it } from 'vitest';
import { MAX_IMAGE_FILLS } from '../../plugin/src/main/selection.ts';
import { solid } from '../helpers/figma-host.ts';
import { imageOf } from './canvas.ts';
import { runAll, solidPng, startTestPlugin, type PluginUnderTest } from './scene.ts';

async function twoImages(p: PluginUnderTest) {
  const main: ImagePaint = { type: 'IMAGE', scaleMode: 'FILL', imageHash: p.host.addImage(await solidPng(100, 80)) };
  const overlay: ImagePaint = {
    type: 'IMAGE', scaleMode: 'CROP', imageHash: p.host.addImage(await solidPng(40, 30, [0, 0, 255, 128])), opacity: 0.5,
    imageTransform: [[0.5, 0, 0.1], [0, 0.5, 0.2]], filters: { contrast: 0.3 },
  };
  const photo = p.host.add('RECTANGLE', { name: 'Photo', x: 10, y: 10, width: 100, height: 80, fills: [solid(255, 255, 255), main, overlay] });
  return { photo, main, overlay };
}

describe('a layer with several image fills', () => {
  it('lists one entry per image fill, topmost first', async () => {
    const p = startTestPlugin();
    const { photo } = await twoImages(p);
    p.host.select(photo);
    const { selection } = await p.next('selection');
    expect(selection.layers.map((l) => [l.id, l.name, l.source, l.widthPx, l.heightPx])).toEqual([
      [photo.id, 'Photo · image 1 of 2', 'image', 40, 30],
      [`${photo.id}#2`, 'Photo · image 2 of 2', 'image', 100, 80],
    ]);
  });

  it('upscales every one in place, keeping each fill\'s settings (only the topmost was upscaled before)', async () => {
    const p = startTestPlugin();
    const { photo, main, overlay } = await twoImages(p);
    p.host.select(photo);
    const { outcomes, sources } = await runAll(p, { scale: 4, placement: 'in-place' });
    expect(sources.map((s) => [s.width, s.height])).toEqual([[40, 30], [100, 80]]);
    expect(outcomes).toEqual([expect.objectContaining({ type: 'layer-placed', nodeId: photo.id }), expect.objectContaining({ type: 'layer-placed', nodeId: photo.id })]);
    expect(p.host.page.children).toEqual([photo]);
    expect(photo.fills[0]).toEqual(solid(255, 255, 255));
    const [under, over] = [imageOf(p, photo, 0), imageOf(p, photo, 1)];
    expect(under.paint).toEqual({ ...main, imageHash: under.paint.imageHash });
    expect(over.paint).toEqual({ ...overlay, imageHash: over.paint.imageHash });
    expect([under.stored.width, over.stored.width]).toEqual([400, 160]);
  });

  it('puts one copy beside it, showing every fill upscaled', async () => {
    const p = startTestPlugin();
    const { photo, main, overlay } = await twoImages(p);
    p.host.select(photo);
    await runAll(p, { scale: 2, placement: 'beside' });
    expect(p.host.page.children.map((n) => n.name)).toEqual(['Photo', 'Photo @2x']);
    const copy = p.host.page.children[1]!;
    expect([imageOf(p, copy, 0).stored.width, imageOf(p, copy, 1).stored.width]).toEqual([200, 80]);
    expect(imageOf(p, copy, 1).paint).toMatchObject({ opacity: 0.5, filters: { contrast: 0.3 } });
    expect(photo.fills).toEqual([solid(255, 255, 255), main, overlay]);
  });

  it(`upscales the top ${MAX_IMAGE_FILLS} and says the others are left as they are`, async () => {
    const p = startTestPlugin();
    const fills: ImagePaint[] = [];
    for (let i = 0; i < 6; i++) fills.push({ type: 'IMAGE', scaleMode: 'FILL', imageHash: p.host.addImage(await solidPng(10 + i, 10)) });
    const layer = p.host.add('RECTANGLE', { name: 'Stack', fills });
    p.host.select(layer);
    const { selection } = await p.next('selection');
    expect(selection.layers.map((l) => l.widthPx)).toEqual([15, 14, 13, 12]);
    expect(selection.layers[0]!.warning).toBe('Only the top 4 of its 6 image fills are upscaled');
    expect(selection.layers.slice(1).map((l) => l.warning)).toEqual([undefined, undefined, undefined]);
  });

  it('sends an image used by two fills once, and swaps both', async () => {
    const p = startTestPlugin();
    const hash = p.host.addImage(await solidPng(20, 20));
    const layer = p.host.add('RECTANGLE', { name: 'Twice', fills: [{ type: 'IMAGE', scaleMode: 'FILL', imageHash: hash }, { type: 'IMAGE', scaleMode: 'FIT', imageHash: hash, opacity: 0.3 }] });
    p.host.select(layer);
    const { started } = await runAll(p, { scale: 2, placement: 'in-place' });
    expect(started.layers.map((l) => l.name)).toEqual(['Twice']);
    expect(layer.fills.map((f) => (f as ImagePaint).imageHash === hash)).toEqual([false, false]);
    expect(imageOf(p, layer, 1).paint).toMatchObject({ scaleMode: 'FIT', opacity: 0.3 });
  });
});

describe('a repeating (TILE) image fill', () => {
  async function pattern(p: PluginUnderTest) {
    const hash = p.host.addImage(await solidPng(20, 20));
    return p.host.add('RECTANGLE', { name: 'Pattern', width: 200, height: 100, fills: [{ type: 'IMAGE', scaleMode: 'TILE', imageHash: hash, scalingFactor: 0.5 }] });
  }

  it('keeps its pattern size on the canvas in place: 4× the pixels, a quarter of the scaling factor', async () => {
    const p = startTestPlugin();
    const layer = await pattern(p);
    p.host.select(layer);
    await runAll(p, { scale: 4, placement: 'in-place' });
    const { paint, stored } = imageOf(p, layer);
    expect(stored.width * paint.scalingFactor!).toBe(20 * 0.5);
    expect(paint).toMatchObject({ scaleMode: 'TILE', scalingFactor: 0.125 });
  });

  it('and on the copy beside it', async () => {
    const p = startTestPlugin();
    p.host.select(await pattern(p));
    await runAll(p, { scale: 2, placement: 'beside' });
    expect(imageOf(p, p.host.page.children[1]!).paint).toMatchObject({ scaleMode: 'TILE', scalingFactor: 0.25 });
  });
});
