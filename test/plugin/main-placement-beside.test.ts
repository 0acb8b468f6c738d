// Add beside makes a copy that keeps the layer's geometry and look, like Figma's Duplicate, with the upscaled image,
// and stays out of auto-layout flow so the siblings do not move.
import type { Effect, ImagePaint, Paint } from '@figma/plugin-typings/plugin-api-standalone.js';
import { describe, expect, it } from 'vitest';
import { solid } from '../helpers/figma-host.ts';
import { failAt } from '../helpers/figma-nodes.ts';
import { imageOf } from './canvas.ts';
import { runAll, solidPng, startTestPlugin, type PluginUnderTest } from './scene.ts';

const SHADOW: Effect = { type: 'DROP_SHADOW', color: { r: 0, g: 0, b: 0, a: 0.25 }, offset: { x: 0, y: 4 }, radius: 8, spread: 0, visible: true, blendMode: 'NORMAL' };
const STROKE: Paint = solid(255, 255, 255);

async function imageFill(p: PluginUnderTest, width = 64, height = 64): Promise<ImagePaint> {
  return { type: 'IMAGE', scaleMode: 'FILL', imageHash: p.host.addImage(await solidPng(width, height)) };
}

describe('add beside keeps the look', () => {
  it('a circular avatar with a stroke, a shadow, opacity and a blend mode comes back circular, with all of them', async () => {
    const p = startTestPlugin();
    const fill = await imageFill(p);
    const avatar = p.host.add('ELLIPSE', {
      name: 'Avatar', x: 10, y: 20, width: 48, height: 48, rotation: 15, fills: [fill], strokes: [STROKE], strokeWeight: 2,
      effects: [SHADOW], opacity: 0.8, blendMode: 'MULTIPLY', constraints: { horizontal: 'CENTER', vertical: 'MAX' },
    });
    p.host.select(avatar);
    await runAll(p, { scale: 2, placement: 'beside' });
    const copy = p.host.page.children[1]!;
    expect(copy).toMatchObject({
      type: 'ELLIPSE', name: 'Avatar @2x', width: 48, height: 48, strokes: [STROKE], strokeWeight: 2, effects: [SHADOW],
      opacity: 0.8, blendMode: 'MULTIPLY', constraints: { horizontal: 'CENTER', vertical: 'MAX' },
    });
    expect(copy.rotation).toBeCloseTo(15);
    expect(copy.absoluteBoundingBox.x).toBeCloseTo(avatar.absoluteBoundingBox.x + avatar.absoluteBoundingBox.width + 20);
    expect(imageOf(p, copy).stored).toMatchObject({ width: 128, height: 128 });
    expect(imageOf(p, copy).paint).toMatchObject({ scaleMode: 'FILL' });
    expect(avatar.fills).toEqual([fill]);
  });

  it('where Figma will not duplicate the layer, a rectangle with its look stands in', async () => {
    const p = startTestPlugin();
    const avatar = p.host.add('ELLIPSE', {
      name: 'Avatar', x: 10, y: 20, width: 48, height: 48, fills: [await imageFill(p)], strokes: [STROKE], strokeWeight: 2,
      effects: [SHADOW], opacity: 0.8, blendMode: 'MULTIPLY', cornerRadius: 3,
    });
    p.host.select(avatar);
    failAt('clone');
    await runAll(p, { scale: 2, placement: 'beside' });
    expect(p.host.page.children.map((n) => n.name)).toEqual(['Avatar', 'Avatar @2x']);
    expect(p.host.page.children[1]).toMatchObject({
      type: 'RECTANGLE', x: 78, y: 20, width: 48, height: 48, strokes: [STROKE], strokeWeight: 2, effects: [SHADOW], opacity: 0.8,
      blendMode: 'MULTIPLY', cornerRadius: 3,
    });
  });

  it('a layer clipped by a mask comes back clipped the same way: mask and layer copied, grouped beside the group', async () => {
    const p = startTestPlugin();
    const group = p.host.add('GROUP', { name: 'Avatar' });
    const mask = p.host.add('ELLIPSE', { name: 'Circle', x: 10, y: 10, width: 40, height: 40, fills: [solid(0, 0, 0)], isMask: true }, group);
    const photo = p.host.add('RECTANGLE', { name: 'Photo', x: 0, y: 0, width: 60, height: 50, fills: [await imageFill(p, 60, 50)] }, group);
    p.host.select(photo);
    const { outcomes } = await runAll(p, { scale: 2, placement: 'beside' });
    expect(group.children).toEqual([mask, photo]);
    const result = p.host.page.children[1]!;
    expect(outcomes[0]).toMatchObject({ type: 'layer-placed', nodeId: result.id, name: 'Photo @2x' });
    expect(result).toMatchObject({ type: 'GROUP', name: 'Photo @2x' });
    // The group is 60 wide: both copies move 60 + 20 to the right, keeping their places relative to each other.
    expect(result.children.map((n) => [n.type, n.isMask, n.x, n.y, n.width, n.height])).toEqual([
      ['ELLIPSE', true, 90, 10, 40, 40], ['RECTANGLE', false, 80, 0, 60, 50],
    ]);
    expect(imageOf(p, result.children[1]!).stored).toMatchObject({ width: 120, height: 100 });
  });

  it('keeps the corner radius, per corner too', async () => {
    const p = startTestPlugin();
    const card = p.host.add('RECTANGLE', { name: 'Card', width: 64, height: 64, fills: [await imageFill(p)], cornerRadius: 6, topLeftRadius: 16 });
    p.host.select(card);
    await runAll(p, { scale: 2, placement: 'beside' });
    const copy = p.host.page.children[1]!;
    expect([copy.topLeftRadius, copy.topRightRadius, copy.bottomLeftRadius, copy.bottomRightRadius]).toEqual([16, 6, 6, 6]);
  });

  it('the copy of a mask is a plain layer below it, so what the original masks does not change', async () => {
    const p = startTestPlugin();
    const group = p.host.add('GROUP', { name: 'Masked' });
    const mask = p.host.add('ELLIPSE', { name: 'Mask', width: 64, height: 64, fills: [await imageFill(p)], isMask: true }, group);
    const masked = p.host.add('RECTANGLE', { name: 'Photo', width: 64, height: 64, fills: [solid(1, 2, 3)] }, group);
    p.host.select(mask);
    await runAll(p, { scale: 2, placement: 'beside' });
    expect(group.children.map((n) => [n.name, n.isMask])).toEqual([['Mask @2x', false], ['Mask', true], ['Photo', false]]);
    expect(masked.parent).toBe(group);
  });
});

describe('add beside inside auto layout', () => {
  async function row(p: PluginUnderTest) {
    const frame = p.host.add('FRAME', { name: 'Row', x: 0, y: 0, width: 200, height: 50, layoutMode: 'HORIZONTAL', itemSpacing: 10, clipsContent: false });
    const items = [];
    for (const name of ['A', 'B', 'C']) items.push(p.host.add('RECTANGLE', { name, width: 50, height: 50, fills: [await imageFill(p, 50, 50)] }, frame));
    return { frame, items };
  }

  it('the copy is positioned absolutely, so a fixed-width row keeps its items where they were', async () => {
    const p = startTestPlugin();
    const { frame, items } = await row(p);
    expect(items.map((n) => n.x)).toEqual([0, 60, 120]);
    p.host.select(items[1]!);
    await runAll(p, { scale: 2, placement: 'beside' });
    expect(items.map((n) => n.x)).toEqual([0, 60, 120]);
    const copy = frame.children.find((n) => n.name === 'B @2x')!;
    expect(copy).toMatchObject({ layoutPositioning: 'ABSOLUTE', x: 130, y: 0, width: 50, height: 50 });
    expect(frame.width).toBe(200);
  });

  it('replace in place takes the layer\'s slot in the row (the hidden original leaves the flow)', async () => {
    const p = startTestPlugin();
    const { frame, items } = await row(p);
    const badge = p.host.add('FRAME', { name: 'Badge', width: 50, height: 50, fills: [solid(255, 0, 0)] }, frame);
    p.host.select(badge);
    await runAll(p, { scale: 2, placement: 'in-place' });
    expect(items.map((n) => n.x)).toEqual([0, 60, 120]);
    expect(frame.children.map((n) => [n.name, n.visible, n.x, n.layoutPositioning])).toEqual([
      ['A', true, 0, 'AUTO'], ['B', true, 60, 'AUTO'], ['C', true, 120, 'AUTO'], ['Badge', false, expect.any(Number), 'AUTO'], ['Badge @2x', true, 180, 'AUTO'],
    ]);
  });

  it('an exported layer\'s result too', async () => {
    const p = startTestPlugin();
    const { frame } = await row(p);
    const text = p.host.add('TEXT', { name: 'Label', width: 40, height: 16, fills: [solid(0, 0, 0)] }, frame);
    p.host.select(text);
    await runAll(p, { scale: 2, placement: 'beside' });
    expect(frame.children.map((n) => [n.name, n.x, n.layoutPositioning])).toEqual([
      ['A', 0, 'AUTO'], ['B', 60, 'AUTO'], ['C', 120, 'AUTO'], ['Label', 180, 'AUTO'], ['Label @2x', 240, 'ABSOLUTE'],
    ]);
  });
});
