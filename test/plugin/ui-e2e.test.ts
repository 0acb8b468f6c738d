// The built plugin end to end: plugin/dist/ui.html in headless Chromium, plugin/dist/code.js on the fake host, a real bridge.
import type { ImagePaint } from '@figma/plugin-typings/plugin-api-standalone.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatedRuntime, startBridge, tempConfigDir, type RunningBridge } from '../bridge/helpers.ts';
import { browserSkipReason } from '../helpers/browser.ts';
import type { FakeNode, FigmaHost } from '../helpers/figma-host.ts';
import { openPlugin, startUiRig, type PluginSession, type UiRig } from '../helpers/figma-ui.ts';
import { pairedHost, threeLayers, waitForMessage, waitForText } from './e2e-scene.ts';
import { describeImage } from './pixels.ts';

const skipReason = browserSkipReason();
let rig: UiRig;
let cleanup: () => Promise<void>;
const bridges: RunningBridge[] = [];

beforeAll(async () => {
  if (skipReason) return;
  ({ cleanup } = await tempConfigDir());
  rig = await startUiRig();
});
afterAll(async () => {
  await Promise.all(bridges.map((b) => b.app.close()));
  await rig?.close();
  await cleanup?.();
});

async function bridge(options: Parameters<typeof startBridge>[0] = {}): Promise<RunningBridge> {
  const started = await startBridge(options);
  bridges.push(started);
  return started;
}

function imageOf(host: FigmaHost, node: FakeNode) {
  const paint = node.fills.find((f): f is ImagePaint => f.type === 'IMAGE')!;
  return describeImage(host.images.get(paint.imageHash!)!.bytes);
}

async function connected(session: PluginSession): Promise<void> {
  await waitForText(session.ui.locator('.status-label'), /^Connected$/);
}

describe.skipIf(skipReason !== undefined)(`the built plugin with a real bridge${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('upscales an image fill, a frame and a transparent icon 4× in place', async () => {
    const { httpUrl, token } = await bridge();
    const host = pairedHost(httpUrl, token, { model: 'bicubic', scale: 4 });
    const { photo, card, hash } = await threeLayers(host);
    const session = await openPlugin(rig, host);
    await connected(session);
    await waitForText(session.ui.getByTestId('summary'), /^3 layers selected$/);
    await waitForText(session.ui.locator('li.layer').first(), /Image · 160×120 → 640×480 px/);
    await session.screenshot('plugin-idle');

    await session.ui.getByTestId('start').click();
    await waitForMessage(host, 'run-finished');
    await waitForText(session.ui.getByTestId('summary'), /^Done · 3 upscaled$/);
    await session.screenshot('plugin-done');

    const photoFill = photo.fills[0] as ImagePaint;
    expect(photoFill.imageHash).not.toBe(hash);
    expect([photo.x, photo.y, photo.width, photo.height]).toEqual([40, 40, 80, 60]);
    expect(await imageOf(host, photo)).toMatchObject({ width: 640, height: 480 });

    const cardResult = host.page.children.find((n) => n.name === 'Card @4x')!;
    expect(card.visible).toBe(false);
    expect([cardResult.x, cardResult.y, cardResult.width, cardResult.height]).toEqual([200, 40, 100, 80]);
    expect(await imageOf(host, cardResult)).toMatchObject({ width: 400, height: 320, centreAlpha: 255 });

    const iconResult = host.page.children.find((n) => n.name === 'Icon @4x')!;
    expect([iconResult.x, iconResult.y, iconResult.width, iconResult.height]).toEqual([340, 40, 24, 24]);
    expect(await imageOf(host, iconResult)).toMatchObject({ width: 96, height: 96, format: 'png', cornerAlpha: 0, centreAlpha: 255 });

    expect(host.page.children.map((n) => n.name)).toEqual(['Photo', 'Card', 'Card @4x', 'Icon', 'Icon @4x']);
    expect(host.undoCommits()).toBe(1);
    expect(host.notifications.map((n) => n.message)).toEqual(['Upscaled 3 layers to 4×']);
    await session.close();
  });

  it('cancels one layer mid-run, then all', async () => {
    const gated = gatedRuntime(2);
    const { httpUrl, token } = await bridge({ runtime: gated.runtime });
    const host = pairedHost(httpUrl, token);
    await threeLayers(host);
    const session = await openPlugin(rig, host);
    await connected(session);
    await session.ui.getByTestId('start').click();
    const rows = session.ui.locator('li.layer');
    await expect.poll(() => gated.started.length, { timeout: 10_000 }).toBe(1);
    gated.gate.release(1);
    await waitForText(rows.nth(0), /Upscaling · tile 1 of 2/);
    await waitForText(rows.nth(1), /Queued/);
    await session.screenshot('plugin-running');

    await rows.nth(1).getByRole('button', { name: 'Cancel', exact: true }).click();
    await waitForText(rows.nth(1), /Cancelled/);
    await session.ui.getByRole('button', { name: 'Cancel all' }).click();
    // The icon (a vector) was Figma's own export at 4×, placed at once: only the photo and the card went to the bridge.
    await waitForText(session.ui.getByTestId('summary'), /^Done · 1 upscaled · 2 cancelled$/);
    await waitForMessage(host, 'run-finished');
    expect(gated.started).toEqual(['160x120']);
    expect(host.page.children.map((n) => n.name)).toEqual(['Photo', 'Card', 'Icon', 'Icon @4x']);
    expect(host.notifications.at(-1)?.message).toBe('Upscaled 1 layer to 4× · 2 cancelled');
    await session.close();
  });

  it('shrinks a result over 4096 px to fit, or splits it into tiles, with a warning', async () => {
    const { httpUrl, token } = await bridge();
    const host = pairedHost(httpUrl, token, { model: 'nearest', placement: 'beside', oversize: 'cap' });
    const banner = host.add('FRAME', { name: 'Banner', width: 1030, height: 60, fills: [{ type: 'SOLID', color: { r: 0.2, g: 0.4, b: 0.9 } }] });
    host.page.selection = [banner];
    const session = await openPlugin(rig, host);
    await connected(session);
    await waitForText(session.ui.locator('li.layer').first(), /Over 4096 px at 4×: will be shrunk to fit/);
    await session.ui.getByTestId('start').click();
    await waitForMessage(host, 'run-finished');
    await waitForText(session.ui.locator('li.layer').first(), /4120×240 px is over Figma’s 4096 px limit: shrunk to 4096×239/);
    await session.screenshot('plugin-done-oversize');
    const shrunk = host.page.children.find((n) => n.name === 'Banner @4x')!;
    expect(await imageOf(host, shrunk)).toMatchObject({ width: 4096, height: 239 });
    expect([shrunk.x, shrunk.width, shrunk.height]).toEqual([1050, 1030, 60]);
    shrunk.remove();

    await session.ui.getByRole('radio', { name: 'Split in tiles' }).click();
    await session.ui.getByTestId('start').click();
    await waitForText(session.ui.locator('li.layer').first(), /split into 2 tiles/, 15_000);
    await expect.poll(() => host.page.children.some((n) => n.type === 'GROUP')).toBe(true);
    const group = host.page.children.find((n) => n.name === 'Banner @4x')!;
    const tiles = await Promise.all(group.children.map((t) => imageOf(host, t)));
    expect(tiles.map((t) => [t.width, t.height])).toEqual([[4096, 240], [24, 240]]);
    expect(group.absoluteBoundingBox).toEqual({ x: 1050, y: 0, width: 1030, height: 60 });
    expect(host.storage.get('tsdsr.settings')).toMatchObject({ oversize: 'split' });
    await session.close();
  });
});
