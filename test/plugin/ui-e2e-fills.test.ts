// The built plugin with a real bridge on layers the main thread splits into several entries (one per image fill): the
// UI runs each entry as its own job, by id, with no change of its own. And a GIF fill, which the main thread decodes.
import type { ImagePaint } from '@figma/plugin-typings/plugin-api-standalone.js';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { browserSkipReason } from '../helpers/browser.ts';
import { solid } from '../helpers/figma-host.ts';
import { openPlugin } from '../helpers/figma-ui.ts';
import { pairedHost, rigAndBridge, waitForMessage, waitForText } from './e2e-scene.ts';
import { describeImage, gradientPng } from './pixels.ts';

const skipReason = browserSkipReason();
const setup = rigAndBridge();

describe.skipIf(skipReason !== undefined)(`several image fills with a real bridge${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('upscales both image fills of a layer in place, each as its own row', async () => {
    const host = pairedHost(setup.bridge.httpUrl, setup.bridge.token, { model: 'bicubic', scale: 2 });
    const main: ImagePaint = { type: 'IMAGE', scaleMode: 'FILL', imageHash: host.addImage(await gradientPng(64, 48)) };
    const overlay: ImagePaint = { type: 'IMAGE', scaleMode: 'FIT', imageHash: host.addImage(await gradientPng(32, 32)), opacity: 0.5 };
    const photo = host.add('RECTANGLE', { name: 'Photo', x: 40, y: 40, width: 64, height: 48, fills: [solid(255, 255, 255), main, overlay] });
    host.page.selection = [photo];
    const session = await openPlugin(setup.rig, host);
    await waitForText(session.ui.locator('.status-label'), /^Connected$/);
    await waitForText(session.ui.locator('li.layer').nth(1), /Photo · image 2 of 2/);
    await session.ui.getByTestId('start').click();
    await waitForMessage(host, 'run-finished');
    await waitForText(session.ui.getByTestId('summary'), /^Done · 2 upscaled/);
    await session.screenshot('plugin-done-two-fills');
    const sizes = await Promise.all(photo.fills.slice(1).map((f) => describeImage(host.images.get((f as ImagePaint).imageHash!)!.bytes)));
    expect(sizes.map((s) => [s.width, s.height])).toEqual([[128, 96], [64, 64]]);
    expect(photo.fills[2]).toMatchObject({ scaleMode: 'FIT', opacity: 0.5 });
    expect(host.page.children).toEqual([photo]);
    await session.close();
  });

  it('upscales a GIF fill from its own first frame, decoded in the sandbox and sent as PNG', async () => {
    const host = pairedHost(setup.bridge.httpUrl, setup.bridge.token, { model: 'bicubic', scale: 2 });
    const gif = new Uint8Array(await sharp(await gradientPng(40, 30)).gif().toBuffer());
    host.images.set('gif-hash', { bytes: gif, width: 40, height: 30 });
    const layer = host.add('RECTANGLE', { name: 'Loader', width: 80, height: 60, fills: [{ type: 'IMAGE', scaleMode: 'FILL', imageHash: 'gif-hash' }] });
    host.page.selection = [layer];
    const session = await openPlugin(setup.rig, host);
    await waitForText(session.ui.locator('.status-label'), /^Connected$/);
    await waitForText(session.ui.locator('li.layer').first(), /40×30 → 80×60 px/);
    await session.ui.getByTestId('start').click();
    await waitForMessage(host, 'run-finished');
    await waitForText(session.ui.getByTestId('summary'), /^Done · 1 upscaled/);
    const fill = layer.fills[0] as ImagePaint;
    expect(fill.imageHash).not.toBe('gif-hash');
    expect(await describeImage(host.images.get(fill.imageHash!)!.bytes)).toMatchObject({ width: 80, height: 60, format: 'png' });
    await session.close();
  });

  it('says in the row, before and during the run, that a layer inside a component gets its result beside the instance', async () => {
    const host = pairedHost(setup.bridge.httpUrl, setup.bridge.token, { model: 'bicubic', scale: 2, placement: 'beside' });
    const board = host.add('FRAME', { name: 'Board', x: 0, y: 0, width: 400, height: 300 });
    const card = host.add('INSTANCE', { name: 'Card', x: 20, y: 20, width: 200, height: 120 }, board);
    const photo = host.add('RECTANGLE', { name: 'Avatar', x: 10, y: 10, width: 48, height: 48, fills: [{ type: 'IMAGE', scaleMode: 'FILL', imageHash: host.addImage(await gradientPng(48, 48)) }] }, card);
    host.page.selection = [photo];
    const session = await openPlugin(setup.rig, host);
    await waitForText(session.ui.locator('.status-label'), /^Connected$/);
    await waitForText(session.ui.locator('li.layer').first().locator('.layer-warning'), /^Inside a component: Add beside puts the result beside the instance$/);
    await session.screenshot('plugin-instance-warning');
    await session.ui.getByTestId('start').click();
    await waitForMessage(host, 'run-finished');
    await waitForText(session.ui.getByTestId('summary'), /^Done · 1 upscaled/);
    await waitForText(session.ui.locator('li.layer').first().locator('.layer-warning'), /Inside a component/);
    expect(card.children).toEqual([photo]);
    expect(board.children.map((n) => n.name)).toEqual(['Card', 'Avatar @2x']);
    await session.close();
  });
});
