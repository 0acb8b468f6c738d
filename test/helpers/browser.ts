/** Headless-Chromium harness for browser tests: bundle a page entry, serve it beside static folders, drive it with playwright-core. */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
});

/** Why browser tests cannot run here, or undefined when they can; under CI they always run (and fail loudly if chromium is missing). */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM_PATH) || process.env.CI) return undefined;
  return `${CHROMIUM_PATH} is missing (apt-get install chromium); skipped outside CI`;
}

/** A URL prefix served from a folder; `extensions` limits which files may be read. */
export interface StaticRoute {
  prefix: string;
  dir: string;
  extensions?: readonly string[];
}

/** A running page harness: the browser page, the server's base URL, and one call to tear everything down. */
export interface BrowserHarness {
  page: Page;
  baseUrl: string;
  close(): Promise<void>;
}

async function bundlePage(entry: string, outDir: string): Promise<void> {
  await build({
    entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', target: 'es2022',
    outfile: path.join(outDir, 'page.js'), logLevel: 'silent',
  });
  await writeFile(path.join(outDir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>\n');
}

function resolveRoute(routes: readonly StaticRoute[], urlPath: string): string | undefined {
  for (const { prefix, dir, extensions } of routes) {
    if (!urlPath.startsWith(prefix)) continue;
    const file = path.resolve(dir, decodeURIComponent(urlPath.slice(prefix.length)) || 'index.html');
    if (!file.startsWith(path.resolve(dir) + path.sep)) return undefined;
    if (extensions && !extensions.includes(path.extname(file))) return undefined;
    return file;
  }
  return undefined;
}

async function serveStatic(routes: readonly StaticRoute[]): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const file = resolveRoute(routes, new URL(req.url ?? '/', 'http://localhost').pathname);
    if (!file) return void res.writeHead(404).end();
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { baseUrl: `http://127.0.0.1:${port}`, close };
}

/** Bundles `entry` for the browser, serves it at `/` with `routes`, opens it in headless Chromium and waits for `readyGlobal` on window. */
export async function openBrowserPage(entry: string, routes: readonly StaticRoute[], readyGlobal: string): Promise<BrowserHarness> {
  const outDir = await mkdtemp(path.join(tmpdir(), 'tsdsr-browser-'));
  let browser: Browser | undefined;
  let server: Awaited<ReturnType<typeof serveStatic>> | undefined;
  const close = async () => {
    await browser?.close();
    await server?.close();
    await rm(outDir, { recursive: true, force: true });
  };
  try {
    await bundlePage(entry, outDir);
    server = await serveStatic([...routes, { prefix: '/', dir: outDir, extensions: ['.html', '.js'] }]);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${server.baseUrl}/`);
    await page.waitForFunction((name) => name in window, readyGlobal, { timeout: 20_000 }).catch((err: unknown) => {
      throw new Error(`page never set window.${readyGlobal}: ${pageErrors.join('; ') || String(err)}`);
    });
    return { page, baseUrl: server.baseUrl, close };
  } catch (err) {
    await close();
    throw err;
  }
}
