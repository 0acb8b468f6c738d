// The built plugin following the selection: the list shows the latest selection, and Upscale runs exactly what it lists.
import { describe, expect, it } from 'vitest';
import { browserSkipReason } from '../helpers/browser.ts';
import { solid, type FigmaHost } from '../helpers/figma-host.ts';
import { openPlugin, type PluginSession } from '../helpers/figma-ui.ts';
import { pairedHost, rigAndBridge, waitForMessage, waitForText } from './e2e-scene.ts';
import { gradientPng } from './pixels.ts';

const skipReason = browserSkipReason();
const setup = rigAndBridge();

/** A photo whose image reads take 300 ms, and a plain badge. */
async function slowPhotoAndBadge(host: FigmaHost) {
  const hash = host.addImage(await gradientPng(64, 48));
  host.imageReadDelayMs.set(hash, 300);
  const photo = host.add('RECTANGLE', { name: 'Slow photo', width: 64, height: 48, fills: [{ type: 'IMAGE', scaleMode: 'FILL', imageHash: hash }] });
  const badge = host.add('RECTANGLE', { name: 'Badge', x: 100, width: 20, height: 20, fills: [solid(255, 0, 0)] });
  return { photo, badge };
}

const listedNames = (session: PluginSession) => session.ui.locator('li.layer .layer-name').allTextContents();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(skipReason !== undefined)(`the built plugin following the selection${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('lists the second of two quick selections, and upscales that one', async () => {
    const host = pairedHost(setup.bridge.httpUrl, setup.bridge.token, { model: 'bicubic', scale: 2 });
    const { photo, badge } = await slowPhotoAndBadge(host);
    const session = await openPlugin(setup.rig, host);
    await waitForText(session.ui.locator('.status-label'), /^Connected$/);
    host.select(photo);
    await sleep(60);
    host.select(badge);
    await sleep(700);
    expect(await listedNames(session)).toEqual(['Badge']);

    await session.ui.getByTestId('start').click();
    await waitForMessage(host, 'run-finished');
    const started = host.toUi.find((m) => (m as { type: string }).type === 'run-started') as { layers: { id: string }[] };
    expect(started.layers.map((l) => l.id)).toEqual([badge.id]);
    await waitForText(session.ui.getByTestId('summary'), /^Done · 1 upscaled$/);
    expect(await listedNames(session)).toEqual(['Badge']);
    await session.close();
  });

  it('does not run when the selection changed after the list was drawn, and says so', async () => {
    const host = pairedHost(setup.bridge.httpUrl, setup.bridge.token, { model: 'bicubic', scale: 2 });
    const { photo, badge } = await slowPhotoAndBadge(host);
    host.page.selection = [badge];
    const session = await openPlugin(setup.rig, host);
    await waitForText(session.ui.locator('.status-label'), /^Connected$/);
    await waitForText(session.ui.getByTestId('summary'), /^1 layer selected$/);
    host.page.selection = [photo]; // Figma's selection moved; its summary has not reached the UI yet
    await session.ui.getByTestId('start').click();
    await waitForText(session.ui.getByTestId('notice'), /^Selection changed.*nothing was upscaled.*press Upscale again/);
    expect(await listedNames(session)).toEqual(['Slow photo']);
    expect(host.toUi.some((m) => (m as { type: string }).type === 'run-started')).toBe(false);
    expect(badge.fills).toEqual([solid(255, 0, 0)]);
    await session.screenshot('plugin-selection-changed');

    await session.ui.getByTestId('start').click();
    await waitForMessage(host, 'run-finished');
    await waitForText(session.ui.getByTestId('summary'), /^Done · 1 upscaled$/);
    expect(await session.ui.getByTestId('notice').isHidden()).toBe(true);
    await session.close();
  });

  it('keeps the newest summary when an older one arrives after it', async () => {
    const host = pairedHost(setup.bridge.httpUrl, setup.bridge.token, { model: 'bicubic', scale: 2 });
    const { photo, badge } = await slowPhotoAndBadge(host);
    const session = await openPlugin(setup.rig, host);
    await waitForText(session.ui.getByTestId('summary'), /^Nothing selected$/);
    const layer = (node: typeof photo, widthPx: number, heightPx: number) =>
      ({ id: node.id, name: node.name, source: 'export', nodeType: 'RECTANGLE', widthPx, heightPx, locked: false });
    const toUi = (message: unknown) => session.page.evaluate((m) => (window as unknown as { tsdsrToUi(m: unknown): void }).tsdsrToUi(m), message);
    await toUi({ type: 'selection', seq: 101, selection: { layers: [layer(badge, 20, 20)], skipped: [] } });
    await toUi({ type: 'selection', seq: 100, selection: { layers: [layer(photo, 64, 48)], skipped: [] } });
    await waitForText(session.ui.getByTestId('summary'), /^1 layer selected$/);
    await sleep(200);
    expect(await listedNames(session)).toEqual(['Badge']);
    await session.close();
  });
});
