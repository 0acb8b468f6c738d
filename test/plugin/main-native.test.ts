// Replace on text and vectors needs no model: the main thread places Figma's own export at the run's scale (sharp at
// any scale), without a trip to the bridge. Image fills, frames, groups and Add beside still go to the model.
import { describe, expect, it } from 'vitest';
import { solid } from '../helpers/figma-host.ts';
import { expectAllOrNothing, imageOf } from './canvas.ts';
import { runAll, solidPng, startTestPlugin } from './scene.ts';

describe('replace on text and vectors', () => {
  it('places Figma\'s export at the run\'s scale over the layer and hides it; nothing goes to the bridge', async () => {
    const p = startTestPlugin();
    const title = p.host.add('TEXT', { name: 'Title', x: 10, y: 10, width: 60, height: 16, fills: [solid(0, 0, 0)] });
    const icon = p.host.add('VECTOR', { name: 'Icon', x: 100, y: 10, width: 24, height: 24, fills: [solid(20, 20, 20)] });
    const dot = p.host.add('ELLIPSE', { name: 'Dot', x: 140, y: 10, width: 10, height: 10, fills: [solid(255, 0, 0)] });
    p.host.select(title, icon, dot);
    const { sources, outcomes } = await runAll(p, { scale: 3, placement: 'in-place' });
    expect(sources).toEqual([]);
    expect(outcomes.map((o) => [o.type, o.type === 'layer-placed' ? o.name : ''])).toEqual([
      ['layer-placed', 'Title @3x'], ['layer-placed', 'Icon @3x'], ['layer-placed', 'Dot @3x'],
    ]);
    expect(p.host.page.children.map((n) => [n.name, n.visible, n.x, n.y, n.width, n.height])).toEqual([
      ['Title', false, 10, 10, 60, 16], ['Title @3x', true, 10, 10, 60, 16],
      ['Icon', false, 100, 10, 24, 24], ['Icon @3x', true, 100, 10, 24, 24],
      ['Dot', false, 140, 10, 10, 10], ['Dot @3x', true, 140, 10, 10, 10],
    ]);
    const stored = p.host.page.children.filter((n) => n.visible).map((n) => imageOf(p, n).stored);
    expect(stored.map((s) => [s.width, s.height])).toEqual([[180, 48], [72, 72], [30, 30]]);
  });

  it('leaves image fills, frames, Add beside and results over 4096 px to the model', async () => {
    const p = startTestPlugin();
    const photo = p.host.add('ELLIPSE', { name: 'Avatar', width: 20, height: 20, fills: [{ type: 'IMAGE', scaleMode: 'FILL', imageHash: p.host.addImage(await solidPng(40, 40)) }] });
    const card = p.host.add('FRAME', { name: 'Card', x: 50, width: 30, height: 20, fills: [solid(255, 255, 255)] });
    const huge = p.host.add('VECTOR', { name: 'Map', x: 100, width: 1100, height: 20, fills: [solid(0, 0, 0)] });
    p.host.select(photo, card, huge);
    const { sources } = await runAll(p, { scale: 4, placement: 'in-place' }, async ({ width, height }) => {
      const [w, h] = [Math.min(width * 4, 4096), height * 4];
      return { width: w, height: h, tiles: [{ x: 0, y: 0, width: w, height: h, bytes: await solidPng(w, h) }] };
    });
    expect(sources.map((s) => [s.width, s.height])).toEqual([[40, 40], [30, 20], [1100, 20]]);

    const q = startTestPlugin();
    q.host.select(q.host.add('TEXT', { name: 'Label', width: 30, height: 10, fills: [solid(0, 0, 0)] }));
    expect((await runAll(q, { scale: 2, placement: 'beside' })).sources).toHaveLength(1);
  });

  it('is all-or-nothing too', async () => {
    const steps = await expectAllOrNothing(async (p) => [p.host.add('TEXT', { name: 'Title', width: 40, height: 12, fills: [solid(0, 0, 0)] })], { scale: 2, placement: 'in-place' });
    expect(steps).toEqual(expect.arrayContaining(['createImage', 'createRectangle', 'insertChild', 'visible']));
  });
});
