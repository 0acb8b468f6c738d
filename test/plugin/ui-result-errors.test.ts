// The built plugin when a result cannot be made ready for Figma, or Figma refuses it: the row says so in plain words,
// not the browser's or Figma's error text (which goes to the console).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { PROTOCOL_VERSION } from '../../bridge-server/src/protocol/index.ts';
import { startBridge } from '../bridge/helpers.ts';
import { browserSkipReason } from '../helpers/browser.ts';
import { solid } from '../helpers/figma-host.ts';
import { openPlugin, startUiRig, type UiRig } from '../helpers/figma-ui.ts';
import { pairedHost, waitForMessage, waitForText } from './e2e-scene.ts';

const skipReason = browserSkipReason();
let rig: UiRig;
let server: Server | undefined;

beforeAll(async () => {
  if (skipReason) return;
  rig = await startUiRig();
});
afterAll(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await rig?.close();
});

const MODEL = { id: 'bicubic', name: 'Bicubic', description: '', scales: [2], colorFix: 'none', tile: { size: 512, overlap: 0 }, license: 'MIT' };

/** A bridge that pairs and accepts jobs, then answers each with a 5000 px wide "PNG" that is not one. */
async function brokenResultBridge(): Promise<string> {
  server = createServer((_req, res) => void res.writeHead(404).end());
  new WebSocketServer({ server, path: '/v1/ws' }).on('connection', (socket) => {
    let job: { id: string } | undefined;
    socket.on('message', (data, binary) => {
      if (binary && job) {
        socket.send(JSON.stringify({ type: 'result', id: job.id, width: 5000, height: 10, model: 'bicubic', scale: 2 }));
        socket.send(Buffer.from('definitely not a PNG'));
        return;
      }
      const message = JSON.parse(String(data)) as { type: string; id?: string };
      if (message.type === 'hello') {
        socket.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, server: { name: 'tsdsr', version: '0.1.0' }, models: [MODEL], devices: ['cpu'] }));
      }
      if (message.type === 'upscale') job = { id: message.id! };
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

describe.skipIf(skipReason !== undefined)(`the built plugin with a result it cannot open${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('fails the layer in plain words, without the browser\'s error text', async () => {
    const host = pairedHost(await brokenResultBridge(), 'token', { model: 'bicubic', scale: 2 });
    host.page.selection = [host.add('RECTANGLE', { name: 'Banner', width: 2500, height: 5, fills: [solid(0, 0, 0)] })];
    const session = await openPlugin(rig, host);
    await waitForText(session.ui.locator('.status-label'), /^Connected$/);
    await session.ui.getByTestId('start').click();
    await waitForMessage(host, 'run-finished');
    const meta = session.ui.locator('li.layer .layer-meta').first();
    await waitForText(meta, /^The plugin couldn’t prepare this result for Figma \(an image it can’t open, or too little memory\)\. Try again, or a smaller scale\.$/);
    expect(await meta.textContent()).not.toMatch(/decode|InvalidState|source image/i);
    await session.screenshot('plugin-error-prepare');
    await session.close();
  });

  it('fails a layer Figma will not change in plain words, with what to do instead', async () => {
    const { app, httpUrl, token } = await startBridge();
    const host = pairedHost(httpUrl, token, { model: 'bicubic', scale: 2 });
    host.page.selection = [host.add('RECTANGLE', { name: 'Library card', width: 40, height: 30, fills: [solid(0, 90, 200)] })];
    host.figma.createImage = () => {
      throw new Error('in set_fills: Cannot write to internal and read-only node');
    };
    const session = await openPlugin(rig, host);
    try {
      await waitForText(session.ui.locator('.status-label'), /^Connected$/);
      await session.ui.getByTestId('start').click();
      await waitForMessage(host, 'run-finished');
      const meta = session.ui.locator('li.layer .layer-meta').first();
      await waitForText(meta, /^Figma doesn’t let plugins change this layer here.*Pick “Add beside”, or edit the original\.$/);
      expect(await meta.textContent()).not.toMatch(/set_fills|read-only node/);
      await session.screenshot('plugin-error-figma');
    } finally {
      await session.close();
      await app.close();
    }
  });
});
