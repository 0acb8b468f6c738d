// Main thread, reading the selection: nested selections, hidden and locked layers, and what pixels go to the bridge.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { solid } from '../helpers/figma-host.ts';
import { runAll, solidPng, startRun, startTestPlugin } from './scene.ts';

const OPTIONS = { scale: 4, placement: 'in-place' } as const;

describe('selection rules', () => {
  it('upscales only the ancestor when a layer and its descendant are both selected', async () => {
    const p = startTestPlugin();
    const frame = p.host.add('FRAME', { name: 'Card', width: 100, height: 80, fills: [solid(255, 255, 255)] });
    const child = p.host.add('RECTANGLE', { name: 'Badge', width: 20, height: 20, fills: [solid(255, 0, 0)] }, frame);
    const other = p.host.add('ELLIPSE', { name: 'Dot', x: 200, width: 10, height: 10, fills: [solid(0, 0, 255)] });
    p.host.select(child, frame, other);
    const { started } = await runAll(p, OPTIONS);
    expect(started.layers.map((l) => l.name)).toEqual(['Card', 'Dot']);
    expect(started.skipped).toEqual([]);
  });

  it('skips hidden layers and layers inside hidden ones, with a note for each', async () => {
    const p = startTestPlugin();
    const hidden = p.host.add('RECTANGLE', { name: 'Ghost', visible: false, fills: [solid(1, 2, 3)] });
    const hiddenFrame = p.host.add('FRAME', { name: 'Drawer', visible: false });
    const inside = p.host.add('TEXT', { name: 'Label', fills: [solid(0, 0, 0)] }, hiddenFrame);
    const shown = p.host.add('RECTANGLE', { name: 'Shown', fills: [solid(9, 9, 9)] });
    p.host.select(hidden, inside, shown);
    const { started, outcomes } = await runAll(p, OPTIONS);
    expect(started.layers.map((l) => l.name)).toEqual(['Shown']);
    expect(started.skipped).toEqual([
      { id: hidden.id, name: 'Ghost', reason: expect.stringMatching(/hidden/i) },
      { id: inside.id, name: 'Label', reason: expect.stringMatching(/inside a hidden layer/i) },
    ]);
    expect(outcomes.map((o) => o.type)).toEqual(['layer-placed']);
  });

  it('marks locked layers (and layers inside locked ones) and never changes them', async () => {
    const p = startTestPlugin();
    const locked = p.host.add('FRAME', { name: 'Locked', locked: true, width: 40, height: 30, fills: [solid(0, 200, 0)] });
    p.host.select(locked);
    const { started } = await runAll(p, OPTIONS);
    expect(started.layers[0]).toMatchObject({ name: 'Locked', locked: true });
    expect(locked.visible).toBe(true);
    expect(p.host.page.children.map((n) => n.name)).toEqual(['Locked', 'Locked @4x']);
  });

  it('sends an empty selection back as nothing to do, with a notification and no undo step', async () => {
    const p = startTestPlugin();
    await startRun(p, 'r', OPTIONS);
    expect(await p.next('run-started')).toMatchObject({ layers: [], skipped: [] });
    expect(await p.next('run-finished')).toMatchObject({ placed: 0 });
    expect(p.host.notifications.at(-1)?.message).toMatch(/select/i);
    expect(p.host.undoCommits()).toBe(0);
  });

  it('tells the UI about selection changes', async () => {
    const p = startTestPlugin();
    const icon = p.host.add('VECTOR', { name: 'Icon', width: 24, height: 24, fills: [solid(0, 0, 0)] });
    p.host.select(icon);
    const { selection } = await p.next('selection');
    expect(selection.layers).toEqual([{ id: icon.id, name: 'Icon', source: 'export', nodeType: 'VECTOR', widthPx: 24, heightPx: 24, locked: false }]);
  });
});

describe('pixels sent to the bridge', () => {
  it('sends the original bytes of an image fill, not a screen-resolution export', async () => {
    const p = startTestPlugin();
    const original = await solidPng(160, 120, [10, 100, 200, 255]);
    const hash = p.host.addImage(original);
    const photo = p.host.add('RECTANGLE', { name: 'Photo', width: 80, height: 60, fills: [{ type: 'IMAGE', scaleMode: 'FILL', imageHash: hash }] });
    p.host.select(photo);
    const { started, sources } = await runAll(p, OPTIONS);
    expect(started.layers[0]).toMatchObject({ source: 'image', widthPx: 160, heightPx: 120 });
    expect(sources[0]).toMatchObject({ width: 160, height: 120 });
    expect(Buffer.from(sources[0]!.bytes).equals(Buffer.from(original))).toBe(true);
  });

  it('exports frames, groups, text and vectors for the model as PNG at 1x, with transparency (Add beside; see main-native.test.ts)', async () => {
    const p = startTestPlugin();
    const frame = p.host.add('FRAME', { name: 'Card', x: 10, y: 20, width: 100, height: 80, fills: [solid(255, 255, 255)] });
    p.host.add('RECTANGLE', { name: 'Bar', width: 100, height: 10, fills: [solid(0, 0, 0)] }, frame);
    const icon = p.host.add('VECTOR', { name: 'Icon', x: 300, width: 24, height: 24, fills: [solid(20, 20, 20)] });
    const group = p.host.add('GROUP', { name: 'Pair' });
    p.host.add('RECTANGLE', { x: 500, width: 10, height: 10, fills: [solid(1, 1, 1)] }, group);
    p.host.add('TEXT', { x: 520, y: 5, width: 30, height: 12, fills: [solid(1, 1, 1)] }, group);
    p.host.select(frame, icon, group);
    const { sources } = await runAll(p, { ...OPTIONS, placement: 'beside' });
    const metas = await Promise.all(sources.map((s) => sharp(s.bytes).metadata()));
    expect(metas.map((m) => [m.format, m.width, m.height])).toEqual([['png', 100, 80], ['png', 24, 24], ['png', 50, 17]]);
    expect(sources.map((s) => [s.width, s.height])).toEqual([[100, 80], [24, 24], [50, 17]]);
    const { data } = await sharp(sources[1]!.bytes).raw().toBuffer({ resolveWithObject: true });
    expect(data[3]).toBe(0);
    expect(data[(12 * 24 + 12) * 4 + 3]).toBe(255);
  });

  it('sends a GIF fill\'s first frame at the GIF\'s own size, as PNG (the bridge cannot read GIF; see main-gif.test.ts)', async () => {
    const p = startTestPlugin();
    const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
    const hash = 'gif-hash';
    p.host.images.set(hash, { bytes: new Uint8Array(gif), width: 1, height: 1 });
    const node = p.host.add('RECTANGLE', { name: 'Anim', width: 30, height: 20, fills: [{ type: 'IMAGE', scaleMode: 'FILL', imageHash: hash }] });
    p.host.select(node);
    const { sources } = await runAll(p, OPTIONS);
    expect(sources[0]).toMatchObject({ width: 1, height: 1 });
    expect((await sharp(sources[0]!.bytes).metadata()).format).toBe('png');
  });

  it('exports an image fill the plugin cannot read at all instead of sending its bytes', async () => {
    const p = startTestPlugin();
    const hash = 'bmp-hash';
    p.host.images.set(hash, { bytes: new Uint8Array([0x42, 0x4d, 0, 0, 0, 0]), width: 4, height: 4 });
    const node = p.host.add('RECTANGLE', { name: 'Bitmap', width: 30, height: 20, fills: [{ type: 'IMAGE', scaleMode: 'FILL', imageHash: hash }] });
    p.host.select(node);
    const { sources } = await runAll(p, OPTIONS);
    expect(sources[0]).toMatchObject({ width: 30, height: 20 });
    expect((await sharp(sources[0]!.bytes).metadata()).format).toBe('png');
  });
});
