// The built plugin with no bridge: plugin/dist/ui.html in a sandboxed iframe upscales with its in-Figma engine
// (onnxruntime-web, wasm, in a Web Worker) and matches the bridge's runtime (onnxruntime-node) on the same input.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImagePaint } from '@figma/plugin-typings/plugin-api-standalone.js';
import type { Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, encodePng, openUpscaler } from '../../models/runtime/node.ts';
import { startBridge, tempConfigDir } from '../bridge/helpers.ts';
import { browserSkipReason } from '../helpers/browser.ts';
import { createFigmaHost, type FakeNode, type FigmaHost } from '../helpers/figma-host.ts';
import { openPlugin, startUiRig, type PluginSession, type UiRig } from '../helpers/figma-ui.ts';
import { maxDifference, patternImage } from '../helpers/images.ts';
import { pairedHost, waitForMessage, waitForText } from './e2e-scene.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const skipReason = browserSkipReason();
/** What Figma lets the plugin window reach (the manifest's allowedDomains, as a connect-src policy): nothing the engine needs. */
const ALLOWED = (JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8')) as { networkAccess: { allowedDomains: string[] } }).networkAccess.allowedDomains;
let rig: UiRig;

beforeAll(async () => {
  if (!skipReason) rig = await startUiRig();
});
afterAll(async () => rig?.close());

/** A host (by default with no bridge paired) and one image layer of `width` × `height` px (a busy texture with partial alpha). */
async function hostWithImage(width: number, height: number, settings: Record<string, unknown> = {}, host: FigmaHost = createFigmaHost()) {
  host.storage.set('tsdsr.settings', { ...(host.storage.get('tsdsr.settings') as object | undefined), scale: 4, ...settings });
  const source = patternImage(width, height);
  const hash = host.addImage(await encodePng(source));
  const layer = host.add('RECTANGLE', { name: 'Texture', x: 10, y: 20, width, height, fills: [{ type: 'IMAGE', scaleMode: 'FILL', imageHash: hash }] });
  host.page.selection = [layer];
  return { host, layer, hash };
}

function fillBytes(host: FigmaHost, node: FakeNode): Uint8Array {
  const paint = node.fills.find((f): f is ImagePaint => f.type === 'IMAGE')!;
  return host.images.get(paint.imageHash!)!.bytes;
}

/** The plugin iframe, for reading what its worker reports. */
function uiFrame(session: PluginSession): Frame {
  const frame = session.page.frames().find((f) => f.url().endsWith('/ui.html'));
  if (!frame) throw new Error('no plugin frame');
  return frame;
}

/** Records, in the iframe, every message the engine worker posts (installed before the engine starts). */
async function recordWorkerMessages(session: PluginSession): Promise<void> {
  await uiFrame(session).evaluate(() => {
    const seen: { type: string; tilesDone?: number; tilesTotal?: number; code?: string }[] = [];
    (window as unknown as { engineMessages: typeof seen }).engineMessages = seen;
    const Original = window.Worker;
    window.Worker = class extends Original {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        this.addEventListener('message', (event: MessageEvent<{ type: string }>) => seen.push(event.data));
      }
    };
  });
}

async function workerMessages(session: PluginSession): Promise<{ type: string; tilesDone?: number; tilesTotal?: number; code?: string }[]> {
  return uiFrame(session).evaluate(() => (window as unknown as { engineMessages: never[] }).engineMessages);
}

describe.skipIf(skipReason !== undefined)(`the built plugin with no bridge${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('upscales an image layer 4× in Figma, equal to the bridge runtime within 1/255, and places it as a bridge result', async () => {
    const { host, layer, hash } = await hostWithImage(32, 32);
    const session = await openPlugin(rig, host, { connectSrc: ALLOWED });
    await waitForText(session.ui.getByTestId('engine'), /^Engine: In Figma$/);
    await waitForText(session.ui.getByTestId('notice-note'), /upscales in Figma/);
    await waitForText(session.ui.locator('li.layer').first(), /Image · 32×32 → 128×128 px/);

    await session.ui.getByTestId('start').click();
    await waitForMessage(host, 'run-finished', 60_000);
    await waitForText(session.ui.getByTestId('summary'), /^Done · 1 upscaled$/);
    await waitForText(session.ui.getByTestId('engine'), /^Engine: In Figma · (WebAssembly|WebGPU)$/);

    expect((layer.fills[0] as ImagePaint).imageHash).not.toBe(hash);
    expect([layer.x, layer.y, layer.width, layer.height]).toEqual([10, 20, 32, 32]);
    expect(host.page.children.map((n) => n.name)).toEqual(['Texture']);
    expect(host.undoCommits()).toBe(1);
    expect(host.notifications.map((n) => n.message)).toEqual(['Upscaled 1 layer to 4×']);

    const inFigma = await decodeImage(fillBytes(host, layer));
    const upscaler = await openUpscaler(path.join(root, 'models/zoo/tsdsr-fast'), 'cpu');
    const byBridge = await upscaler.upscale(await decodeImage(host.images.get(hash)!.bytes), { scale: 4 });
    await upscaler.dispose();
    expect([inFigma.width, inFigma.height]).toEqual([128, 128]);
    expect(maxDifference(inFigma, byBridge)).toBeLessThanOrEqual(1);
    await session.close();
  });

  it('adds a result beside the layer exactly as a bridge run of the same layer does', async () => {
    const { cleanup } = await tempConfigDir();
    const bridge = await startBridge();
    try {
      const placed = async (host: FigmaHost) => {
        const session = await openPlugin(rig, host);
        await waitForText(session.ui.getByTestId('engine'), /^Engine: (Bridge|In Figma)$/);
        await session.ui.getByTestId('start').click();
        await waitForMessage(host, 'run-finished', 60_000);
        await session.close();
        const result = host.page.children.find((n) => n.name === 'Texture @4x')!;
        const { imageHash, scaleMode } = result.fills[0] as ImagePaint;
        return { names: host.page.children.map((n) => n.name), box: [result.x, result.y, result.width, result.height], scaleMode,
          image: await decodeImage(host.images.get(imageHash!)!.bytes), notes: host.notifications.map((n) => n.message) };
      };
      const viaBridge = await placed((await hostWithImage(24, 20, { engine: 'bridge', model: 'tsdsr-fast', placement: 'beside' },
        pairedHost(bridge.httpUrl, bridge.token))).host);
      const inFigma = await placed((await hostWithImage(24, 20, { engine: 'figma', placement: 'beside' })).host);
      expect(inFigma.names).toEqual(['Texture', 'Texture @4x']);
      expect({ ...inFigma, image: undefined }).toEqual({ ...viaBridge, image: undefined });
      expect([inFigma.image.width, inFigma.image.height]).toEqual([96, 80]);
      expect(maxDifference(inFigma.image, viaBridge.image)).toBeLessThanOrEqual(1);
    } finally {
      await bridge.app.close();
      await cleanup();
    }
  });

  it('stays responsive during a run and stops within one tile of a cancel', async () => {
    // large enough (many tiles) that the run outlasts the UI steps below on a loaded machine (192 px did not, once,
    // with a training run and CI sharing 2 cores); it is cancelled mid-way, so the size costs no time
    const { host, layer, hash } = await hostWithImage(384, 384, { engine: 'figma' });
    const session = await openPlugin(rig, host);
    await recordWorkerMessages(session);
    await session.ui.getByTestId('start').click();
    const row = session.ui.locator('li.layer').first();
    await waitForText(row, /Upscaling · tile \d+ of \d+/, 30_000);

    // Mid-run, a control of the UI still reacts at once: the bridge address opens for editing and closes again.
    await session.ui.getByRole('button', { name: 'Change the bridge address' }).click();
    await expect.poll(() => session.ui.getByLabel('Bridge address').isVisible()).toBe(true);
    expect((await workerMessages(session)).some((m) => m.type === 'result' || m.type === 'error')).toBe(false);
    await session.ui.getByLabel('Bridge address').press('Escape');
    await session.screenshot('plugin-in-figma-running');

    await row.getByRole('button', { name: 'Cancel', exact: true }).click();
    const tilesAtCancel = (await workerMessages(session)).filter((m) => m.type === 'progress').length;
    await waitForText(row, /Cancelled/, 30_000);
    const messages = await workerMessages(session);
    const progress = messages.filter((m) => m.type === 'progress');
    expect(messages.at(-1)).toMatchObject({ type: 'error', code: 'cancelled' });
    expect(progress.length).toBeLessThanOrEqual(tilesAtCancel + 1);
    expect(progress.at(-1)!.tilesTotal).toBeGreaterThan(tilesAtCancel + 1);
    await waitForText(session.ui.getByTestId('summary'), /^Done · 0 upscaled · 1 cancelled$/);
    expect((layer.fills[0] as ImagePaint).imageHash).toBe(hash);
    await session.close();
  });

  it('says when a layer is too large to upscale in Figma, with the limit, and suggests the bridge', async () => {
    const { host } = await hostWithImage(1100, 1100, { engine: 'figma' });
    const session = await openPlugin(rig, host);
    await waitForText(session.ui.locator('li.layer').first(), /Too large to upscale in Figma \(limit 16\.8 MP result, 4\.2 MP layer\): start the bridge/);
    await session.ui.getByTestId('start').click();
    await waitForText(session.ui.locator('li.layer').first(), /Too large to upscale in Figma: .*the limit is 16\.8 MP.*npx tsdsr serve/, 30_000);
    await waitForText(session.ui.getByTestId('summary'), /^Done · 0 upscaled · 1 failed$/);
    await session.close();
  });
});
