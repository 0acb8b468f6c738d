/** The canvas and bridge set-up shared by the end-to-end tests. */
import { afterAll, beforeAll, expect } from 'vitest';
import type { Locator } from 'playwright-core';
import type { BridgeOptions } from '../../bridge-server/src/app.ts';
import type { Settings } from '../../plugin/src/settings.ts';
import { startBridge, tempConfigDir, type RunningBridge } from '../bridge/helpers.ts';
import { browserSkipReason } from '../helpers/browser.ts';
import { createFigmaHost, solid, type FigmaHost } from '../helpers/figma-host.ts';
import { startUiRig, type UiRig } from '../helpers/figma-ui.ts';
import { gradientPng } from './pixels.ts';

/** A host already paired with a bridge at `bridgeUrl`, with `settings` stored. */
export function pairedHost(bridgeUrl: string, token: string, settings: Partial<Settings> = {}): FigmaHost {
  const host = createFigmaHost();
  host.storage.set('tsdsr.token', token);
  host.storage.set('tsdsr.settings', { bridgeUrl, ...settings });
  return host;
}

/** Three layers: an image fill whose source (160×120) is larger than its box (80×60), a frame with children, a transparent icon. */
export async function threeLayers(host: FigmaHost) {
  const hash = host.addImage(await gradientPng(160, 120));
  const photo = host.add('RECTANGLE', { name: 'Photo', x: 40, y: 40, width: 80, height: 60, fills: [{ type: 'IMAGE', scaleMode: 'FILL', imageHash: hash }] });
  const card = host.add('FRAME', { name: 'Card', x: 200, y: 40, width: 100, height: 80, fills: [solid(255, 255, 255)] });
  host.add('RECTANGLE', { name: 'Header', width: 100, height: 20, fills: [solid(13, 153, 255)] }, card);
  host.add('ELLIPSE', { name: 'Avatar', x: 10, y: 30, width: 30, height: 30, fills: [solid(242, 72, 34)] }, card);
  host.add('TEXT', { name: 'Title', x: 48, y: 34, width: 44, height: 12, fills: [solid(30, 30, 30)] }, card);
  const icon = host.add('VECTOR', { name: 'Icon', x: 340, y: 40, width: 24, height: 24, fills: [solid(30, 30, 30)] });
  host.page.selection = [photo, card, icon];
  return { photo, card, icon, hash };
}

/** Waits until the locator's text matches. */
export async function waitForText(locator: Locator, pattern: RegExp, timeout = 10_000): Promise<void> {
  await expect.poll(async () => (await locator.textContent()) ?? '', { timeout, interval: 50 }).toMatch(pattern);
}

/** Waits until the plugin has sent a message of `type` to the UI; returns the last one. */
export async function waitForMessage(host: FigmaHost, type: string, timeout = 15_000): Promise<unknown> {
  await expect.poll(() => host.toUi.some((m) => (m as { type: string }).type === type), { timeout, interval: 50 }).toBe(true);
  return host.toUi.filter((m) => (m as { type: string }).type === type).at(-1);
}

/** The Chromium rig and a real bridge for one test file: started before its tests (not when browsers are unavailable), closed after. */
export function rigAndBridge(options: BridgeOptions = {}): { readonly rig: UiRig; readonly bridge: RunningBridge } {
  let rig: UiRig | undefined;
  let bridge: RunningBridge | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (browserSkipReason()) return;
    ({ cleanup } = await tempConfigDir());
    rig = await startUiRig();
    bridge = await startBridge(options);
  });
  afterAll(async () => {
    await bridge?.app.close();
    await rig?.close();
    await cleanup?.();
  });
  return {
    get rig() {
      if (!rig) throw new Error('the UI rig is not started');
      return rig;
    },
    get bridge() {
      if (!bridge) throw new Error('the bridge is not started');
      return bridge;
    },
  };
}
