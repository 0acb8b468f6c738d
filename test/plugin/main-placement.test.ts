// Main thread, placing results: in place vs beside, names, positions, rotation, constraints, undo and notifications.
import type { ImagePaint } from '@figma/plugin-typings/plugin-api-standalone.js';
import { describe, expect, it } from 'vitest';
import { solid, type FakeNode } from '../helpers/figma-host.ts';
import { runAll, solidPng, startRun, startTestPlugin, type PluginUnderTest } from './scene.ts';

async function photoScene(p: PluginUnderTest, spec: { rotation?: number; locked?: boolean } = {}) {
  const hash = p.host.addImage(await solidPng(160, 120));
  const transform: ImagePaint['imageTransform'] = [[0.5, 0, 0.25], [0, 0.5, 0.25]];
  const fills = [solid(255, 255, 255), { type: 'IMAGE', scaleMode: 'CROP', imageHash: hash, imageTransform: transform, filters: { exposure: 0.2 } } as ImagePaint];
  const photo = p.host.add('RECTANGLE', { name: 'Photo', x: 40, y: 30, width: 80, height: 60, fills, ...spec });
  return { photo, hash, transform };
}

function imageOf(p: PluginUnderTest, node: FakeNode) {
  const paint = node.fills.find((f): f is ImagePaint => f.type === 'IMAGE')!;
  return { paint, stored: p.host.images.get(paint.imageHash!)! };
}

describe('in place', () => {
  it('swaps an image fill for the result: same layer, same size, more pixels, crop and filters kept', async () => {
    const p = startTestPlugin();
    const { photo, hash, transform } = await photoScene(p);
    p.host.select(photo);
    const { outcomes } = await runAll(p, { scale: 4, placement: 'in-place' });
    expect(outcomes).toEqual([expect.objectContaining({ type: 'layer-placed', nodeId: photo.id, name: 'Photo' })]);
    expect(p.host.page.children).toEqual([photo]);
    expect([photo.x, photo.y, photo.width, photo.height]).toEqual([40, 30, 80, 60]);
    const { paint, stored } = imageOf(p, photo);
    expect(paint.imageHash).not.toBe(hash);
    expect([stored.width, stored.height]).toEqual([640, 480]);
    expect(paint).toMatchObject({ scaleMode: 'CROP', imageTransform: transform, filters: { exposure: 0.2 } });
    expect(photo.fills[0]).toEqual(solid(255, 255, 255));
  });

  it('puts an exported layer\'s result right above it, covering the same box, and hides the original', async () => {
    const p = startTestPlugin();
    const frame = p.host.add('FRAME', { name: 'Card', x: 10, y: 20, width: 100, height: 80, fills: [solid(255, 255, 255)], constraints: { horizontal: 'STRETCH', vertical: 'MAX' } });
    const after = p.host.add('RECTANGLE', { name: 'After', fills: [solid(0, 0, 0)] });
    p.host.select(frame);
    await runAll(p, { scale: 2, placement: 'in-place' });
    expect(p.host.page.children.map((n) => n.name)).toEqual(['Card', 'Card @2x', 'After']);
    const result = p.host.page.children[1]!;
    expect(frame.visible).toBe(false);
    expect(after.visible).toBe(true);
    expect([result.x, result.y, result.width, result.height]).toEqual([10, 20, 100, 80]);
    expect(result.constraints).toEqual({ horizontal: 'STRETCH', vertical: 'MAX' });
    expect(imageOf(p, result).stored).toMatchObject({ width: 200, height: 160 });
  });

  it('places the result of a layer inside a group and a moved frame at the layer\'s place on the canvas', async () => {
    const p = startTestPlugin();
    const board = p.host.add('FRAME', { name: 'Board', x: 1000, y: 500, width: 400, height: 400 });
    const group = p.host.add('GROUP', { name: 'Stack' }, board);
    const text = p.host.add('TEXT', { name: 'Title', x: 30, y: 40, width: 50, height: 16, fills: [solid(0, 0, 0)] }, group);
    p.host.select(text);
    await runAll(p, { scale: 3, placement: 'in-place' });
    const result = group.children.find((n) => n.name === 'Title @3x')!;
    expect(result.absoluteBoundingBox).toEqual({ x: 1030, y: 540, width: 50, height: 16 });
    expect(group.children.indexOf(result)).toBe(group.children.indexOf(text) + 1);
  });
});

describe('beside', () => {
  it('adds `<name> @<scale>x` to the right of the original, same size, original untouched', async () => {
    const p = startTestPlugin();
    const { photo, hash } = await photoScene(p);
    p.host.select(photo);
    const { outcomes } = await runAll(p, { scale: 4, placement: 'beside' });
    const copy = p.host.page.children[1]!;
    expect(outcomes[0]).toMatchObject({ nodeId: copy.id, name: 'Photo @4x' });
    expect(copy.name).toBe('Photo @4x');
    expect([copy.x, copy.y, copy.width, copy.height]).toEqual([40 + 80 + 20, 30, 80, 60]);
    expect(imageOf(p, photo).paint.imageHash).toBe(hash);
    expect(imageOf(p, copy).paint).toMatchObject({ scaleMode: 'CROP' });
    expect(imageOf(p, copy).stored).toMatchObject({ width: 640, height: 480 });
  });

  it('keeps the rotation of an image layer and goes right of its rotated bounds', async () => {
    const p = startTestPlugin();
    const { photo } = await photoScene(p, { rotation: 30 });
    p.host.select(photo);
    await runAll(p, { scale: 2, placement: 'beside' });
    const copy = p.host.page.children[1]!;
    expect(copy.rotation).toBeCloseTo(30);
    const [a, b] = [photo.absoluteBoundingBox, copy.absoluteBoundingBox];
    expect(b.x).toBeCloseTo(a.x + a.width + 20);
    expect(b.y).toBeCloseTo(a.y);
  });

  it('puts results of locked layers beside them even when in place was chosen', async () => {
    const p = startTestPlugin();
    const { photo, hash } = await photoScene(p, { locked: true });
    p.host.select(photo);
    await runAll(p, { scale: 4, placement: 'in-place' });
    expect(imageOf(p, photo).paint.imageHash).toBe(hash);
    expect(p.host.page.children.map((n) => [n.name, n.x])).toEqual([['Photo', 40], ['Photo @4x', 140]]);
  });
});

describe('a run', () => {
  it('is one undo step and ends with one notification that counts what happened', async () => {
    const p = startTestPlugin();
    const a = p.host.add('RECTANGLE', { name: 'A', fills: [solid(1, 2, 3)] });
    const b = p.host.add('ELLIPSE', { name: 'B', x: 200, fills: [solid(1, 2, 3)] });
    p.host.select(a, b);
    const { finished } = await runAll(p, { scale: 2, placement: 'beside' });
    expect(finished.placed).toBe(2);
    expect(p.host.undoCommits()).toBe(1);
    expect(p.host.notifications).toEqual([{ message: 'Upscaled 2 layers to 2×', options: { error: false } }]);
  });

  it('reports cancelled and failed layers in the notification', async () => {
    const p = startTestPlugin();
    p.host.select(p.host.add('RECTANGLE', { name: 'A', fills: [solid(1, 2, 3)] }));
    await startRun(p, 'r1', { scale: 3, placement: 'beside' });
    await p.next('layer-source');
    p.host.sendToMain({ type: 'finish-run', runId: 'r1', cancelled: 1, failed: 0 });
    await p.next('run-finished');
    expect(p.host.notifications.at(-1)?.message).toBe('No layers were upscaled · 1 cancelled');
    expect(p.host.undoCommits()).toBe(1);
  });

  it('places the result where a layer was when the layer was deleted during the run', async () => {
    const p = startTestPlugin();
    const frame = p.host.add('FRAME', { name: 'Gone', x: 5, y: 6, width: 30, height: 20, fills: [solid(1, 2, 3)] });
    p.host.select(frame);
    const { outcomes } = await runAll(p, { scale: 2, placement: 'in-place' }, async (source) => {
      frame.remove();
      const bytes = await solidPng(source.width * 2, source.height * 2);
      return { width: 60, height: 40, tiles: [{ x: 0, y: 0, width: 60, height: 40, bytes }] };
    });
    expect(outcomes[0]).toMatchObject({ type: 'layer-placed', name: 'Gone @2x' });
    expect(p.host.page.children.map((n) => [n.name, n.x, n.y, n.width, n.height])).toEqual([['Gone @2x', 5, 6, 30, 20]]);
  });
});
