// Every placement is all-or-nothing: a failure at any canvas step (create, insert, resize, move, fill, group, clone,
// hide) fails the layer and leaves the page's layer tree exactly as it was — no stray "Rectangle" at (0, 0).
import type { ImagePaint } from '@figma/plugin-typings/plugin-api-standalone.js';
import { describe, expect, it } from 'vitest';
import { solid } from '../helpers/figma-host.ts';
import { canvasSteps, failAt } from '../helpers/figma-nodes.ts';
import { canvasTree, expectAllOrNothing, type SceneBuilder } from './canvas.ts';
import { runAll, scaledResult, solidPng, startTestPlugin, type MakeResult } from './scene.ts';

const card: SceneBuilder = async (p) => {
  const board = p.host.add('FRAME', { name: 'Board', x: 100, y: 50, width: 400, height: 300 });
  return [p.host.add('FRAME', { name: 'Card', x: 10, y: 20, width: 60, height: 40, fills: [solid(255, 255, 255)] }, board)];
};

const photo: SceneBuilder = async (p) => {
  const hash = p.host.addImage(await solidPng(40, 30));
  const fill: ImagePaint = { type: 'IMAGE', scaleMode: 'CROP', imageHash: hash, imageTransform: [[0.5, 0, 0.25], [0, 0.5, 0.25]] };
  return [p.host.add('ELLIPSE', { name: 'Avatar', x: 5, y: 5, width: 40, height: 30, fills: [fill], cornerRadius: 4 })];
};

/** A result split in two tiles side by side, as the UI sends one over 4096 px. */
function twoTiles(scale: number): MakeResult {
  return async ({ width, height }) => {
    const [w, h] = [width * scale, height * scale];
    const half = Math.ceil(w / 2);
    return {
      width: w, height: h,
      tiles: [
        { x: 0, y: 0, width: half, height: h, bytes: await solidPng(half, h) },
        { x: half, y: 0, width: w - half, height: h, bytes: await solidPng(w - half, h) },
      ],
    };
  };
}

describe('a placement that fails part-way leaves nothing behind', () => {
  it('in place, exported layer: new image layer above the original, original hidden', async () => {
    const steps = await expectAllOrNothing(card, { scale: 2, placement: 'in-place' });
    expect(steps).toEqual(expect.arrayContaining(['createImage', 'createRectangle', 'insertChild', 'resize', 'relativeTransform', 'fills', 'name', 'visible']));
  });

  it('beside, exported layer: new image layer to its right', async () => {
    const steps = await expectAllOrNothing(card, { scale: 2, placement: 'beside' });
    expect(steps).toEqual(expect.arrayContaining(['createRectangle', 'insertChild', 'resize', 'relativeTransform', 'fills']));
  });

  it('in place, image fill: the fill swap', async () => {
    expect(await expectAllOrNothing(photo, { scale: 2, placement: 'in-place' })).toEqual(['createImage', 'fills']);
  });

  it('beside, image fill: the duplicate of the layer', async () => {
    const steps = await expectAllOrNothing(photo, { scale: 2, placement: 'beside' });
    expect(steps).toEqual(expect.arrayContaining(['clone', 'insertChild', 'relativeTransform', 'fills', 'name']));
    // After a failed duplicate (its own steps undone), the fallback rectangle is all-or-nothing too.
    for (const step of ['createRectangle', 'insertChild', 'fills']) {
      const p = startTestPlugin();
      p.host.select(...(await photo(p)));
      const before = canvasTree(p.host.page);
      failAt('clone');
      const { outcomes } = await runAll(p, { scale: 2, placement: 'beside' }, async (source) => {
        failAt(step);
        return scaledResult(2)(source);
      });
      expect(canvasSteps.armed).toEqual([]);
      expect(outcomes.map((o) => o.type), step).toEqual(['layer-failed']);
      expect(canvasTree(p.host.page), step).toEqual(before);
    }
  });

  it('split in tiles, exported layer: the tile group', async () => {
    const steps = await expectAllOrNothing(card, { scale: 2, placement: 'in-place' }, twoTiles(2));
    expect(steps).toEqual(expect.arrayContaining(['createRectangle', 'group', 'visible']));
  });

  it('split in tiles, image fill: the frame clipped to the layer', async () => {
    const steps = await expectAllOrNothing(photo, { scale: 2, placement: 'in-place' }, twoTiles(2));
    expect(steps).toEqual(expect.arrayContaining(['createFrame', 'clipsContent', 'createRectangle', 'insertChild', 'visible']));
  });

  it('beside, inside auto layout: the copy taken out of the flow', async () => {
    const row: SceneBuilder = async (p) => {
      const frame = p.host.add('FRAME', { name: 'Row', width: 300, height: 50, layoutMode: 'HORIZONTAL', itemSpacing: 10 });
      const fill: ImagePaint = { type: 'IMAGE', scaleMode: 'FILL', imageHash: p.host.addImage(await solidPng(20, 20)) };
      const a = p.host.add('RECTANGLE', { name: 'A', width: 50, height: 50, fills: [fill] }, frame);
      p.host.add('RECTANGLE', { name: 'B', width: 50, height: 50 }, frame);
      return [a];
    };
    expect(await expectAllOrNothing(row, { scale: 2, placement: 'beside' })).toContain('layoutPositioning');
  });

  it('beside, a layer clipped by a mask: the mask and layer copies and their group', async () => {
    const masked: SceneBuilder = async (p) => {
      const group = p.host.add('GROUP', { name: 'Avatar' });
      p.host.add('ELLIPSE', { name: 'Circle', width: 40, height: 40, isMask: true }, group);
      const fill: ImagePaint = { type: 'IMAGE', scaleMode: 'FILL', imageHash: p.host.addImage(await solidPng(20, 20)) };
      return [p.host.add('RECTANGLE', { name: 'Photo', width: 40, height: 40, fills: [fill] }, group)];
    };
    expect(await expectAllOrNothing(masked, { scale: 2, placement: 'beside' })).toEqual(expect.arrayContaining(['clone', 'group']));
  });

  it('inside an instance: the result beside the instance', async () => {
    const inInstance: SceneBuilder = async (p) => {
      const card = p.host.add('INSTANCE', { name: 'Card', width: 200, height: 100 });
      return [p.host.add('FRAME', { name: 'Badge', width: 40, height: 20, fills: [solid(255, 0, 0)] }, card)];
    };
    expect(await expectAllOrNothing(inInstance, { scale: 2, placement: 'in-place' })).toContain('insertChild');
  });

  it('a layer deleted during the run: a failure while placing it where it was leaves nothing', async () => {
    for (const step of ['createRectangle', 'insertChild', 'resize', 'relativeTransform', 'fills', 'name']) {
      const p = startTestPlugin();
      const [layer] = await card(p);
      p.host.select(layer!);
      const { outcomes } = await runAll(p, { scale: 2, placement: 'in-place' }, async ({ width, height }) => {
        layer!.remove();
        failAt(step);
        const [w, h] = [width * 2, height * 2];
        return { width: w, height: h, tiles: [{ x: 0, y: 0, width: w, height: h, bytes: await solidPng(w, h) }] };
      });
      expect(outcomes.map((o) => o.type), step).toEqual(['layer-failed']);
      expect(p.host.page.children.map((n) => [n.name, n.children.length]), step).toEqual([['Board', 0]]);
    }
  });

  it('left a stray rectangle on the page before (the failure at insertChild)', async () => {
    const p = startTestPlugin();
    p.host.select(...(await card(p)));
    const before = canvasTree(p.host.page);
    failAt('insertChild');
    const { outcomes } = await runAll(p, { scale: 2, placement: 'beside' });
    expect(outcomes[0]).toMatchObject({ type: 'layer-failed', reason: expect.stringMatching(/^Figma couldn’t place the result/) });
    expect(canvasTree(p.host.page)).toEqual(before);
    expect(p.host.page.children.map((n) => n.name)).toEqual(['Board']);
  });
});
