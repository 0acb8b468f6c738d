// The built plugin when things go wrong: bridge down, wrong token, first run, incompatible versions, an image too large.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { join } from 'node:path';
import { buildApp } from '../../bridge-server/src/app.ts';
import { loadOrCreateToken } from '../../bridge-server/src/auth/token.ts';
import { tokenCommand } from '../../bridge-server/src/cli/token.ts';
import { gatedRuntime, startBridge, tempConfigDir, type RunningBridge } from '../bridge/helpers.ts';
import { browserSkipReason } from '../helpers/browser.ts';
import { createFigmaHost } from '../helpers/figma-host.ts';
import { openPlugin, startUiRig, type PluginSession, type UiRig } from '../helpers/figma-ui.ts';
import { pairedHost, threeLayers, waitForMessage, waitForText } from './e2e-scene.ts';

const skipReason = browserSkipReason();
let rig: UiRig;
let cleanup: () => Promise<void>;
let dir: string;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  if (skipReason) return;
  ({ cleanup, dir } = await tempConfigDir());
  rig = await startUiRig();
});
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
  await rig?.close();
  await cleanup?.();
});

async function bridge(options: Parameters<typeof startBridge>[0] = {}): Promise<RunningBridge> {
  const started = await startBridge(options);
  closers.push(() => started.app.close());
  return started;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A port nothing listens on (taken, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A stand-in for a future bridge: /v1/health says protocol 2, and the socket answers the hello with `answer`. */
async function futureBridge(answer: (socket: WebSocket) => void): Promise<string> {
  const server = createServer((req, res) => {
    if (req.url !== '/v1/health') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': req.headers.origin ?? '*' });
    res.end(JSON.stringify({ status: 'ok', server: { name: 'tsdsr', version: '2.0.0' }, protocol: 2 }));
  });
  new WebSocketServer({ server, path: '/v1/ws' }).on('connection', (socket) => socket.once('message', () => answer(socket)));
  return listen(server);
}

const notice = (session: PluginSession) => session.ui.getByTestId('notice');

describe.skipIf(skipReason !== undefined)(`the built plugin when things go wrong${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('says the bridge is not running and how to start it, retries on its own, and connects on Retry now', async () => {
    const port = await freePort();
    const token = 'down-test-token';
    const host = pairedHost(`http://127.0.0.1:${port}`, token, { engine: 'bridge' });
    await threeLayers(host);
    const session = await openPlugin(rig, host);
    await waitForText(notice(session), /^Bridge not running.*Start it with npx tsdsr serve\. Retrying in \d s…/);
    expect(await session.ui.getByTestId('start').isDisabled()).toBe(true);
    await session.screenshot('plugin-error');

    // start the bridge early in a long backoff wait (8 s), so the click, not the automatic retry, connects
    await waitForText(notice(session), /Retrying in [5-8] s…/, 20_000);
    const app = await buildApp({ device: 'cpu', token });
    closers.push(() => app.close());
    await app.listen({ port, host: '127.0.0.1' });
    await session.ui.getByRole('button', { name: 'Retry now' }).click();
    await waitForText(session.ui.locator('.status-label'), /^Connected$/);
    expect(await notice(session).isHidden()).toBe(true);
    await session.close();
  });

  it('fails the layers of a bridge that stops mid-run in plain words, and waits for it to come back', async () => {
    const gated = gatedRuntime(2);
    const { app, httpUrl, token } = await startBridge({ runtime: gated.runtime });
    const host = pairedHost(httpUrl, token);
    await threeLayers(host);
    const session = await openPlugin(rig, host);
    await waitForText(session.ui.locator('.status-label'), /^Connected$/);
    await session.ui.getByTestId('start').click();
    await expect.poll(() => gated.started.length, { timeout: 10_000 }).toBe(1);
    await app.close();
    // The icon (a vector) was Figma's own export at 4×, placed at once: only the photo and the card went to the bridge.
    await waitForText(session.ui.getByTestId('summary'), /^Done · 1 upscaled · 2 failed$/);
    const rows = await session.ui.locator('li.layer .layer-meta').allTextContents();
    expect(rows[2]).toMatch(/^Done/);
    for (const text of rows.slice(0, 2)) expect(text).toMatch(/^(The bridge is shutting down\. Start it again with npx tsdsr serve\.|Lost the connection to the bridge\.)$/);
    await waitForText(notice(session), /^Bridge not running/);
    expect(host.notifications.at(-1)?.message).toBe('Upscaled 1 layer to 4× · 2 failed');
    await session.close();
  });

  it('connects to another address typed into the header, and remembers it', async () => {
    const { httpUrl, token } = await bridge();
    const session = await openPlugin(rig, pairedHost(`http://127.0.0.1:${await freePort()}`, token));
    await waitForText(notice(session), /^Bridge not running/);
    await session.ui.getByRole('button', { name: 'Change the bridge address' }).click();
    await session.ui.getByLabel('Bridge address').fill('not an address');
    await session.ui.getByLabel('Bridge address').press('Enter');
    expect(await session.ui.getByLabel('Bridge address').getAttribute('class')).toMatch(/invalid/);
    await session.ui.getByLabel('Bridge address').fill(httpUrl.replace('http://', 'ws://') + '/v1/ws');
    await session.ui.getByRole('button', { name: 'Save' }).click();
    await waitForText(session.ui.locator('.status-label'), /^Connected$/);
    await waitForText(session.ui.getByTestId('bridge-address'), new RegExp(`^${httpUrl.replace('http://', '')}$`));
    expect(session.host.storage.get('tsdsr.settings')).toMatchObject({ bridgeUrl: httpUrl });
    await session.close();
  });

  it('says why when the bridge refuses the host name it was reached by', async () => {
    const { httpUrl, token } = await bridge();
    const session = await openPlugin(rig, pairedHost(httpUrl.replace('127.0.0.1', 'studio.localhost'), token));
    await waitForText(notice(session), /^Connection refused.*does not answer to the host name "studio\.localhost:\d+".*--allow-host/);
    await session.screenshot('plugin-error-host');
    await session.close();
  });

  it('asks for the token again when the bridge refuses it, and pairs with the pasted one', async () => {
    const { httpUrl, token } = await bridge();
    const session = await openPlugin(rig, pairedHost(httpUrl, 'a-stale-token'));
    await waitForText(notice(session), /^Token not accepted.*run npx tsdsr token and paste it below/);
    await session.screenshot('plugin-error-token');
    await session.ui.getByLabel('Pairing token').fill(token);
    await session.ui.getByRole('button', { name: 'Pair' }).click();
    await waitForText(session.ui.locator('.status-label'), /^Connected$/);
    expect(session.host.storage.get('tsdsr.token')).toBe(token);
    await session.close();
  });

  it('says the token was changed when the bridge rotates it mid-session, and pairs again with the new one', async () => {
    const configDir = join(dir, 'rotated');
    const { httpUrl } = await bridge({ configDir, token: undefined });
    const { token } = await loadOrCreateToken(join(configDir, 'token'));
    const session = await openPlugin(rig, pairedHost(httpUrl, token));
    await waitForText(session.ui.locator('.status-label'), /^Connected$/);
    const io = { out: () => {}, err: () => {}, stderr: process.stderr, env: { TSDSR_CONFIG_DIR: configDir } };
    await tokenCommand(['--rotate', '--port', new URL(httpUrl).port], io);
    await waitForText(notice(session), /^Bridge token changed.*tsdsr token --rotate.*paste the new token below/);
    await session.screenshot('plugin-error-token-rotated');
    const fresh = (await loadOrCreateToken(join(configDir, 'token'))).token;
    await session.ui.getByLabel('Pairing token').fill(fresh);
    await session.ui.getByRole('button', { name: 'Pair' }).click();
    await waitForText(session.ui.locator('.status-label'), /^Connected$/);
    await session.close();
  });

  it('asks to pair on the first run, before connecting', async () => {
    const session = await openPlugin(rig, createFigmaHost());
    await waitForText(notice(session), /^Pair with the bridge.*Run npx tsdsr token in a terminal/);
    await waitForText(session.ui.locator('.status-label'), /^Not paired$/);
    await session.close();
  });

  it('explains incompatible versions when the bridge\'s hello speaks another protocol', async () => {
    const url = await futureBridge((socket) => socket.send(JSON.stringify({ type: 'hello', protocol: 2, server: { name: 'tsdsr', version: '2.0.0' }, models: [], devices: ['cpu'] })));
    const session = await openPlugin(rig, pairedHost(url, 'token'));
    await waitForText(notice(session), /This plugin \(0\.1\.0\) speaks bridge protocol 1; the bridge \(tsdsr 2\.0\.0\) speaks protocol 2\. Update the plugin/);
    await waitForText(session.ui.locator('.status-label'), /^Incompatible bridge$/);
    await session.screenshot('plugin-error-version');
    await session.close();
  });

  it('explains the bridge\'s version_mismatch refusal, with its version from /v1/health', async () => {
    const url = await futureBridge((socket) => {
      socket.send(JSON.stringify({ type: 'error', code: 'version_mismatch', message: 'this server speaks protocol 2' }));
      socket.close(4426);
    });
    const session = await openPlugin(rig, pairedHost(url, 'token'));
    await waitForText(notice(session), /the bridge \(tsdsr 2\.0\.0\) speaks protocol 2/);
    await session.close();
  });

  it('fails a layer too large for the bridge in plain words and finishes the run', async () => {
    const { httpUrl, token } = await bridge({ limits: { maxInputPixels: 50 * 50 } });
    const host = pairedHost(httpUrl, token);
    const { card } = await threeLayers(host);
    host.page.selection = [card];
    const session = await openPlugin(rig, host);
    await waitForText(session.ui.locator('.status-label'), /^Connected$/);
    await session.ui.getByTestId('start').click();
    await waitForMessage(host, 'run-finished');
    await waitForText(session.ui.locator('li.layer').first(), /Image too large for the bridge \(.+\)\. Try a smaller scale or a smaller layer\./);
    await waitForText(session.ui.getByTestId('summary'), /^Done · 0 upscaled · 1 failed$/);
    await session.screenshot('plugin-error-layer');
    expect(host.notifications.at(-1)).toEqual({ message: 'No layers were upscaled · 1 failed', options: { error: true } });
    await session.close();
  });
});
