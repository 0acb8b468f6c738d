/**
 * The built plugin end to end: plugin/dist/code.js runs in Node against the fake `figma`, plugin/dist/ui.html runs in
 * headless Chromium inside a sandboxed iframe (origin `null`, like Figma's), and messages are relayed between them.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { CHROMIUM_PATH } from './browser.ts';
import { ensurePluginBuilt } from './figma-dist.ts';
import type { FigmaHost } from './figma-host.ts';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Where screenshots go (git-ignored). */
export const ARTIFACTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../artifacts');

// The host page: a Figma-sized sandboxed iframe, and a relay that base64-encodes bytes on their way to and from Node.
const HOST_PAGE = `<!doctype html><meta charset="utf-8"><body style="margin:0;padding:16px;background:#e5e5e5">
<iframe id="ui" sandbox="allow-scripts" style="display:block;width:320px;height:540px;border:0;border-radius:8px;background:#fff;box-shadow:0 2px 14px rgba(0,0,0,.15)"></iframe>
<script>
const frame = document.getElementById('ui');
frame.src = '/ui.html' + location.search;
const encode = (v) => v instanceof Uint8Array ? { __bytes: btoa(Array.from(v, (b) => String.fromCharCode(b)).join('')) }
  : Array.isArray(v) ? v.map(encode) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)])) : v;
const decode = (v) => v && typeof v === 'object' && typeof v.__bytes === 'string' ? Uint8Array.from(atob(v.__bytes), (c) => c.charCodeAt(0))
  : Array.isArray(v) ? v.map(decode) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)])) : v;
window.addEventListener('message', (e) => { if (e.source === frame.contentWindow && e.data && 'pluginMessage' in e.data) window.tsdsrToMain(encode(e.data.pluginMessage)); });
window.tsdsrToUi = (message) => frame.contentWindow.postMessage({ pluginMessage: decode(message), pluginId: 'tsdsr-upscaler' }, '*');
</script>`;

type Encoded = unknown;

function encode(value: unknown): Encoded {
  if (value instanceof Uint8Array) return { __bytes: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map(encode);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
  return value;
}

function decode(value: Encoded): unknown {
  if (value && typeof value === 'object' && typeof (value as { __bytes?: unknown }).__bytes === 'string') {
    return new Uint8Array(Buffer.from((value as { __bytes: string }).__bytes, 'base64'));
  }
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]));
  return value;
}

/** A shared browser and the server holding the host page and the built ui.html. */
export interface UiRig {
  browser: Browser;
  baseUrl: string;
  close(): Promise<void>;
}

/** Builds the plugin if needed, serves it and launches Chromium. */
export async function startUiRig(): Promise<UiRig> {
  const files = await ensurePluginBuilt();
  const ui = await readFile(files.ui);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://rig');
    const csp = url.searchParams.get('csp');
    const html = { 'content-type': 'text/html; charset=utf-8', ...(csp ? { 'content-security-policy': csp } : {}) };
    if (url.pathname === '/ui.html') return void res.writeHead(200, html).end(ui);
    if (url.pathname === '/') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(HOST_PAGE);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  return {
    browser,
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A context holding only what Figma's sandbox offers: `figma`, `__html__`, console and timers (no DOM, no Node). */
function sandboxFor(host: FigmaHost, html: string): object {
  return createContext({ figma: host.figma, __html__: html, console, setTimeout, clearTimeout, setInterval, clearInterval });
}

/** The plugin running: its UI page, the frame inside it, and the fake host behind it. */
export interface PluginSession {
  page: Page;
  ui: FrameLocator;
  host: FigmaHost;
  /** Saves a screenshot of the plugin window as test/artifacts/<name>.png; returns the path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** How the plugin window is opened. */
export interface OpenOptions {
  /**
   * The origins the UI may connect to, as a `connect-src` content security policy on ui.html: Figma enforces the
   * manifest's `allowedDomains` this way. Left out, the UI may connect anywhere.
   */
  connectSrc?: readonly string[];
}

/** Starts the built code.js on `host` (as Figma would, with `figma` and `__html__` given) and opens its UI. */
export async function openPlugin(rig: UiRig, host: FigmaHost, options: OpenOptions = {}): Promise<PluginSession> {
  const files = await ensurePluginBuilt();
  const [code, html] = await Promise.all([readFile(files.code, 'utf8'), readFile(files.ui, 'utf8')]);
  const page = await rig.browser.newPage({ viewport: { width: 360, height: 580 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  let ready = false;
  const pending: unknown[] = [];
  let relay = Promise.resolve();
  const deliver = (message: unknown) => {
    relay = relay.then(() => page.evaluate((m) => (window as unknown as { tsdsrToUi(m: unknown): void }).tsdsrToUi(m), encode(message))).catch(() => {});
  };
  host.onUiMessage = (message) => (ready ? deliver(message) : pending.push(message));
  await page.exposeFunction('tsdsrToMain', (message: Encoded) => host.sendToMain(decode(message)));
  runInContext(code, sandboxFor(host, html), { filename: 'plugin/dist/code.js' });
  const csp = options.connectSrc ? `?${new URLSearchParams({ csp: `connect-src ${options.connectSrc.join(' ')}` })}` : '';
  await page.goto(`${rig.baseUrl}/${csp}`);
  ready = true;
  pending.splice(0).forEach(deliver);
  return {
    page,
    ui: page.frameLocator('#ui'),
    host,
    async screenshot(name) {
      const file = path.join(ARTIFACTS_DIR, `${name}.png`);
      // A page screenshot clipped to the iframe: element screenshots can leave the iframe's input routing stale in headless Chromium.
      const box = await page.locator('#ui').boundingBox();
      await page.screenshot({ path: file, ...(box ? { clip: box } : {}) });
      return file;
    },
    async close() {
      await page.close();
      if (errors.length) throw new Error(`the plugin UI threw: ${errors.join('; ')}`);
    },
  };
}
