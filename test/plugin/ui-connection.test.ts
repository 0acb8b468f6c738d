// The built plugin when the bridge cannot be reached at all: an address Figma blocks (the manifest's allowedDomains,
// enforced as a content security policy) and an address where something listens but never answers. Each must end in a
// notice with a retry within 3 s, never in "Connecting…" for ever.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { startBridge, tempConfigDir } from '../bridge/helpers.ts';
import { browserSkipReason } from '../helpers/browser.ts';
import { openPlugin, startUiRig, type PluginSession, type UiRig } from '../helpers/figma-ui.ts';
import { pairedHost, threeLayers, waitForText } from './e2e-scene.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const manifest = JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8')) as { networkAccess: { allowedDomains: string[] } };
/** What Figma lets the plugin window reach: the manifest's allowed domains. */
const ALLOWED = manifest.networkAccess.allowedDomains;

const skipReason = browserSkipReason();
let rig: UiRig;
let cleanup: () => Promise<void>;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  if (skipReason) return;
  ({ cleanup } = await tempConfigDir());
  rig = await startUiRig();
});
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
  await rig?.close();
  await cleanup?.();
});

/** A port nothing listens on (taken, then released). */
async function freePort(): Promise<number> {
  const server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A TCP server that accepts connections and never says anything (a hung bridge, or another program on the port). */
async function silentServer(): Promise<string> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => (sockets.forEach((s) => s.destroy()), server.close(resolve))));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A WebSocket server that completes the upgrade and then never says hello. */
async function mutedBridge(): Promise<string> {
  const server = createHttpServer((_req, res) => void res.writeHead(404).end());
  new WebSocketServer({ server, path: '/v1/ws' });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const notice = (session: PluginSession) => session.ui.getByTestId('notice');
const statusLabel = (session: PluginSession) => session.ui.locator('.status-label');
const BLOCKED = /^Address not allowed by Figma.*only lets the plugin reach the addresses in its manifest: 127\.0\.0\.1:8731 and localhost:8731/;

describe.skipIf(skipReason !== undefined)(`the built plugin when the bridge cannot be reached${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('says an address outside the manifest is blocked by Figma, within 3 s, with a retry', async () => {
    const host = pairedHost(`http://127.0.0.1:${await freePort()}`, 'token');
    const session = await openPlugin(rig, host, { connectSrc: ALLOWED });
    await waitForText(notice(session), BLOCKED, 3000);
    await waitForText(statusLabel(session), /^Not connected$/);
    expect(await session.ui.getByRole('button', { name: 'Retry now' }).isVisible()).toBe(true);
    await session.screenshot('plugin-error-blocked');

    await session.ui.getByRole('button', { name: 'Use 127.0.0.1:8731' }).click();
    await waitForText(session.ui.getByTestId('bridge-address'), /^127\.0\.0\.1:8731$/);
    expect(host.storage.get('tsdsr.settings')).toMatchObject({ bridgeUrl: 'http://127.0.0.1:8731' });
    await expect.poll(async () => (await notice(session).textContent()) ?? '', { timeout: 3000 }).not.toMatch(/^Address not allowed/);
    await session.close();
  });

  it('says so when the address is edited to a port the manifest does not allow, instead of "Connecting…" for ever', async () => {
    const { app, httpUrl, wsUrl, token } = await startBridge();
    closers.push(() => app.close());
    const host = pairedHost(httpUrl, token, { engine: 'bridge' });
    await threeLayers(host);
    const session = await openPlugin(rig, host, { connectSrc: [...ALLOWED, httpUrl, new URL(wsUrl).origin] });
    await waitForText(statusLabel(session), /^Connected$/);
    const blockedPort = await freePort();
    await session.ui.getByRole('button', { name: 'Change the bridge address' }).click();
    await session.ui.getByLabel('Bridge address').fill(`127.0.0.1:${blockedPort}`);
    await session.ui.getByLabel('Bridge address').press('Enter');
    await waitForText(notice(session), BLOCKED, 3000);
    expect(await session.ui.getByTestId('start').isDisabled()).toBe(true);
    await session.close();
  });

  it('says the bridge is not answering when something listens but never completes the connection, 3 s on', async () => {
    const url = await silentServer();
    const session = await openPlugin(rig, pairedHost(url, 'token'));
    await waitForText(notice(session), /^Bridge not answering.*npx tsdsr serve.*Retrying/, 4000);
    expect(await session.ui.getByRole('button', { name: 'Retry now' }).isVisible()).toBe(true);
    await session.screenshot('plugin-error-no-answer');
    await session.close();
  });

  it('says the bridge refused when it opens the connection but never answers the hello, 3 s on', async () => {
    const session = await openPlugin(rig, pairedHost(await mutedBridge(), 'token'));
    await waitForText(notice(session), /^Connection refused.*accepted the connection but did not answer the plugin’s hello/, 4000);
    expect(await session.ui.getByRole('button', { name: 'Retry now' }).isVisible()).toBe(true);
    await session.screenshot('plugin-error-no-hello');
    await session.close();
  });
});
