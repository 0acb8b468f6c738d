// Layers inside a component instance: Figma adds no layers in there, so only an image fill is swapped in place (an
// override); every other result goes beside the instance, in its parent, and the layer's row says so before the run.
import type { ImagePaint } from '@figma/plugin-typings/plugin-api-standalone.js';
import { describe, expect, it } from 'vitest';
import { solid, type FakeNode } from '../helpers/figma-host.ts';
import { INSIDE_INSTANCE_ERROR } from '../helpers/figma-nodes.ts';
import { canvasTree, imageOf } from './canvas.ts';
import { runAll, solidPng, startTestPlugin, type PluginUnderTest } from './scene.ts';

async function instanceScene(p: PluginUnderTest) {
  const board = p.host.add('FRAME', { name: 'Board', x: 100, y: 100, width: 600, height: 400 });
  const card = p.host.add('INSTANCE', { name: 'Card', x: 20, y: 30, width: 200, height: 120 }, board);
  const body = p.host.add('FRAME', { name: 'Body', x: 0, y: 40, width: 200, height: 80 }, card);
  const hash = p.host.addImage(await solidPng(60, 40));
  const photo = p.host.add('RECTANGLE', { name: 'Photo', x: 10, y: 10, width: 60, height: 40, fills: [{ type: 'IMAGE', scaleMode: 'FILL', imageHash: hash }] }, body);
  const title = p.host.add('TEXT', { name: 'Title', x: 10, y: 5, width: 80, height: 20, fills: [solid(0, 0, 0)] }, card);
  return { board, card, body, photo, title, hash };
}

function insideOf(node: FakeNode): unknown {
  return canvasTree(node);
}

describe('the fake host', () => {
  it('refuses new children inside an instance with Figma\'s words', async () => {
    const p = startTestPlugin();
    const { card, body } = await instanceScene(p);
    const rect = p.host.figma.createRectangle() as unknown as FakeNode;
    expect(() => card.appendChild(rect)).toThrow(INSIDE_INSTANCE_ERROR);
    expect(() => body.insertChild(0, rect)).toThrow(INSIDE_INSTANCE_ERROR);
  });
});

describe('layers inside an instance', () => {
  it('say where the result goes before the run', async () => {
    const p = startTestPlugin();
    const { photo, title, board } = await instanceScene(p);
    const free = p.host.add('RECTANGLE', { name: 'Free', fills: [solid(1, 2, 3)] }, board);
    p.host.select(photo, title, free);
    const { selection } = await p.next('selection');
    expect(selection.layers.map((l) => [l.name, l.warning])).toEqual([
      ['Photo', 'Inside a component: Add beside puts the result beside the instance'],
      ['Title', 'Inside a component: the result goes beside the instance'],
      ['Free', undefined],
    ]);
  });

  it('replace on an image fill swaps the fill inside the instance (an override) and adds nothing', async () => {
    const p = startTestPlugin();
    const { photo, card, hash } = await instanceScene(p);
    p.host.select(photo);
    const { outcomes } = await runAll(p, { scale: 2, placement: 'in-place' });
    expect(outcomes[0]).toMatchObject({ type: 'layer-placed', nodeId: photo.id });
    expect(imageOf(p, photo).paint.imageHash).not.toBe(hash);
    expect(imageOf(p, photo).stored).toMatchObject({ width: 120, height: 80 });
    expect(card.children.map((n) => n.name)).toEqual(['Body', 'Title']);
  });

  it('replace on text puts the result beside the instance, in its parent, and leaves the instance as it was', async () => {
    const p = startTestPlugin();
    const { board, card, title } = await instanceScene(p);
    p.host.select(title);
    const inside = insideOf(card);
    const { outcomes } = await runAll(p, { scale: 2, placement: 'in-place' });
    expect(outcomes[0]).toMatchObject({ type: 'layer-placed', name: 'Title @2x' });
    expect(insideOf(card)).toEqual(inside);
    expect(board.children.map((n) => n.name)).toEqual(['Card', 'Title @2x']);
    const result = board.children[1]!;
    // Right of the instance (board x 100 + card x 20 + width 200 + gap 20), at the title's height.
    expect(result.absoluteBoundingBox).toEqual({ x: 340, y: 135, width: 80, height: 20 });
  });

  it('add beside on an image fill puts the copy beside the instance', async () => {
    const p = startTestPlugin();
    const { board, card, photo } = await instanceScene(p);
    p.host.select(photo);
    const inside = insideOf(card);
    await runAll(p, { scale: 2, placement: 'beside' });
    expect(insideOf(card)).toEqual(inside);
    const copy = board.children[1]!;
    expect(copy).toMatchObject({ type: 'RECTANGLE', name: 'Photo @2x', width: 60, height: 40 });
    expect(copy.absoluteBoundingBox).toEqual({ x: 340, y: 180, width: 60, height: 40 });
    expect((copy.fills[0] as ImagePaint).imageHash).not.toBe((photo.fills[0] as ImagePaint).imageHash);
  });

  it('a layer in an instance nested in another goes beside the outermost one', async () => {
    const p = startTestPlugin();
    const { board, body } = await instanceScene(p);
    const inner = p.host.add('INSTANCE', { name: 'Badge', x: 150, y: 10, width: 40, height: 20 }, body);
    const icon = p.host.add('VECTOR', { name: 'Star', width: 10, height: 10, fills: [solid(255, 200, 0)] }, inner);
    p.host.select(icon);
    const { outcomes } = await runAll(p, { scale: 2, placement: 'beside' });
    expect(outcomes[0]).toMatchObject({ type: 'layer-placed' });
    expect(board.children.map((n) => n.name)).toEqual(['Card', 'Star @2x']);
  });
});
