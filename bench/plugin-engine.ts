/**
 * The plugin's in-Figma engine against the bridge's runtime: the default model (tsdsr-fast) in the built ui.html,
 * in a sandboxed iframe in headless Chromium, its engine worker on wasm (single-threaded SIMD) and, where the browser
 * offers an adapter, WebGPU; beside the same model on onnxruntime-node's CPU provider in this process. Reports ms per
 * output megapixel (median of the runs after a warm-up; the warm-up itself as the first image's time), the built ui.html's size, how long the page takes to open
 * and how long the engine takes to be ready (worker started, wasm compiled, graphs loaded).
 *
 *   npx tsx bench/plugin-engine.ts [--sizes 64,128] [--runs 3]   prints a table and writes bench/results/plugin-engine.json
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Frame } from 'playwright-core';
import type { RgbaImage } from '../models/runtime/index.ts';
import { encodePng, openUpscaler } from '../models/runtime/node.ts';
import { buildPlugin } from '../plugin/build.ts';
import { resultsPath, writeResults } from './results.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = '/usr/bin/chromium';
const QUIET = ['--headless', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** wasm only, as the browser tests run; and a try at WebGPU (a GPU, Vulkan and the unsafe-WebGPU switch). */
const LAUNCHES = { wasm: [...QUIET, '--disable-gpu'], webgpu: [...QUIET, '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=vulkan'] } as const;
const HOST_PAGE = '<!doctype html><iframe id="ui" sandbox="allow-scripts" src="/ui.html" style="width:320px;height:540px"></iframe>';

/** A busy opaque texture: no flat tile, so every tile runs the model. */
function texture(size: number): RgbaImage {
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) data.set([(x * 37 + y * 11) % 256, ((x >> 2) + (y >> 2)) % 2 ? 230 : 20, (x * y * 7) % 256, 255], (y * size + x) * 4);
  }
  return { width: size, height: size, data };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** What the engine does in the iframe, driven the way the UI drives it: assets from the page, worker from a Blob URL. */
interface EngineRun {
  device: string;
  note?: string;
  readyMs: number;
  /** The first run after the engine is ready, with the wasm still being optimised. */
  firstMs: number;
  msPerRun: number[];
  width: number;
}

/** In the plugin iframe: starts the engine worker from ui.html's assets, waits for it, then times `runs` upscales. */
async function runInFrame(frame: Frame, pngBase64: string, runs: number): Promise<EngineRun> {
  return frame.evaluate(async ({ pngBase64, runs }) => {
    const started = performance.now();
    const files: Record<string, string> = {};
    for (const el of document.querySelectorAll('script[type="application/x-tsdsr-asset"]')) files[el.getAttribute('data-asset')!] = el.textContent ?? '';
    const gz = Uint8Array.from(atob(files['engine-worker.js']!), (c) => c.charCodeAt(0));
    const script = await new Response(new Blob([gz]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
    const worker = new Worker(URL.createObjectURL(new Blob([script], { type: 'text/javascript' })));
    const next = () => new Promise<{ type: string; [k: string]: unknown }>((resolve, reject) => {
      worker.onmessage = (e) => (e.data.type === 'progress' ? undefined : resolve(e.data));
      worker.onerror = (e) => reject(new Error(e.message));
    });
    worker.postMessage({ type: 'init', assets: { files } });
    const ready = await next();
    if (ready.type !== 'ready') throw new Error(JSON.stringify(ready));
    const readyMs = performance.now() - started;
    const image = Uint8Array.from(atob(pngBase64), (c) => c.charCodeAt(0));
    const msPerRun: number[] = [];
    let firstMs = 0;
    let width = 0;
    for (let i = 0; i < runs + 1; i++) {
      const t = performance.now();
      worker.postMessage({ type: 'upscale', id: `run-${i}`, image, scale: 4 });
      const result = await next();
      if (result.type !== 'result') throw new Error(JSON.stringify(result));
      width = result.width as number;
      if (i > 0) msPerRun.push(performance.now() - t);
      else firstMs = performance.now() - t; // the first run warms up
    }
    worker.terminate();
    return { device: ready.device as string, ...(ready.note ? { note: ready.note as string } : {}), readyMs, firstMs, msPerRun, width };
  }, { pngBase64, runs });
}

/** Whether this browser offers a WebGPU adapter to the plugin's iframe, and if not, why. */
async function webGpuAdapter(frame: Frame): Promise<string | undefined> {
  return frame.evaluate(async () => {
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    if (!gpu) return 'navigator.gpu is missing';
    return (await gpu.requestAdapter().catch((e: unknown) => String(e))) ? undefined : 'requestAdapter() gave no adapter';
  });
}

async function openFrame(browser: Browser, baseUrl: string): Promise<{ frame: Frame; openMs: number }> {
  const page = await browser.newPage();
  const started = Date.now();
  await page.goto(`${baseUrl}/`);
  const frame = page.frames().find((f) => f.url().endsWith('/ui.html'));
  if (!frame) throw new Error('the plugin iframe did not load');
  await frame.waitForSelector('footer');
  const openMs = Date.now() - started;
  await frame.evaluate('globalThis.__name = (f) => f'); // tsx names the functions passed to evaluate with a helper the page lacks
  return { frame, openMs };
}

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '64,128' }, runs: { type: 'string', default: '3' } } });
const sizes = values.sizes.split(',').map(Number);
const runs = Number(values.runs);
const outDir = await mkdtemp(path.join(tmpdir(), 'tsdsr-plugin-bench-'));
const { uiBytes } = await buildPlugin(outDir);
const ui = await readFile(path.join(outDir, 'ui.html'));
const server = createServer((req, res) => {
  const body = req.url === '/ui.html' ? ui : HOST_PAGE;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

interface Row { engine: string; input: string; output: string; msPerMegapixel: number; msPerRun: number; firstRunMs: number; readyMs?: number; note?: string }
const rows: Row[] = [];
const skipped: { engine: string; reason: string }[] = [];
const pages: { launch: string; openMs: number }[] = [];
const save = () => writeResults(resultsPath('plugin-engine.json'), { date: new Date().toISOString(), uiHtmlBytes: uiBytes, runs, pages, rows, skipped });

try {
  for (const [launch, args] of Object.entries(LAUNCHES)) {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...args] });
    try {
      const { frame, openMs } = await openFrame(browser, baseUrl);
      pages.push({ launch, openMs });
      const noGpu = launch === 'webgpu' ? await webGpuAdapter(frame) : undefined;
      if (noGpu) {
        skipped.push({ engine: 'in Figma, WebGPU', reason: noGpu });
        continue;
      }
      for (const size of sizes) {
        const png = Buffer.from(await encodePng(texture(size))).toString('base64');
        const run = await runInFrame(frame, png, runs);
        if (launch === 'webgpu' && run.device !== 'webgpu') {
          skipped.push({ engine: 'in Figma, WebGPU', reason: `the engine fell back to wasm (${run.note ?? 'no reason given'})` });
          break;
        }
        const ms = median(run.msPerRun);
        rows.push({ engine: `in Figma, ${run.device === 'webgpu' ? 'WebGPU' : 'wasm (1 thread, SIMD)'}`, input: `${size}²`, output: `${run.width}²`,
          msPerMegapixel: Math.round(ms / ((run.width * run.width) / 1e6)), msPerRun: Math.round(ms), firstRunMs: Math.round(run.firstMs), readyMs: Math.round(run.readyMs), ...(run.note ? { note: run.note } : {}) });
        save();
      }
    } finally {
      await browser.close();
    }
  }
  const upscaler = await openUpscaler(path.join(root, 'models/zoo/tsdsr-fast'), 'cpu');
  for (const size of sizes) {
    const image = texture(size);
    const times: number[] = [];
    let firstRunMs = 0;
    for (let i = 0; i < runs + 1; i++) {
      const t = performance.now();
      await upscaler.upscale(image, { scale: 4 });
      if (i > 0) times.push(performance.now() - t);
      else firstRunMs = Math.round(performance.now() - t);
    }
    const ms = median(times);
    const out = size * 4;
    rows.push({ engine: 'bridge runtime, onnxruntime-node CPU', input: `${size}²`, output: `${out}²`, msPerMegapixel: Math.round(ms / ((out * out) / 1e6)), msPerRun: Math.round(ms), firstRunMs });
    save();
  }
  await upscaler.dispose();
} finally {
  server.close();
  await rm(outDir, { recursive: true, force: true });
}

console.log(`ui.html: ${(uiBytes / 1024 / 1024).toFixed(2)} MiB; page open ${pages.map((p) => `${p.openMs} ms (${p.launch})`).join(', ')}`);
console.log('| engine | input | output | ms / output MP | ms per image | first image ms | engine ready ms |\n|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.engine} | ${r.input} | ${r.output} | ${r.msPerMegapixel} | ${r.msPerRun} | ${r.firstRunMs} | ${r.readyMs ?? '–'} |`);
for (const s of skipped) console.log(`| ${s.engine} | – | – | unavailable: ${s.reason} | – | – | – |`);
console.log('wrote bench/results/plugin-engine.json');
