/**
 * The in-Figma engine's Web Worker: unpacks onnxruntime-web's wasm and the default model, opens them through the
 * shared runtime (WebGPU first, else single-threaded wasm SIMD) and upscales one layer at a time, tile by tile.
 */
import { CancelledError, loadUpscaler, parseManifest, type ModelSession, type OrtBackend, type RgbaImage, type Upscaler } from '../../../../models/runtime/index.ts';
import { configureWasmBinary, webBackend } from '../../../../models/runtime/ort-web.ts';
import { ENGINE_ASSETS, IN_FIGMA_MAX_INPUT_PIXELS, IN_FIGMA_MAX_OUTPUT_PIXELS, type EngineDevice, type FromWorker, type PackedAssets, type ToWorker } from './protocol.ts';
import { pngSize } from '../../png.ts';
import type { ColorFix } from '../../settings.ts';
import { gunzipBase64 } from './base64.ts';
import { decodePng, encodePng, isPng } from './png-codec.ts';

interface Job {
  id: string;
  image: Uint8Array;
  scale: number;
  colorFix?: ColorFix;
  controller: AbortController;
}

const post = (message: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(message, transfer);
const queue: Job[] = [];
let upscaler: Promise<Upscaler> | undefined;
let current: Job | undefined;

/** Gunzips one base64 asset. */
async function unpack(base64: string | undefined, name: string): Promise<Uint8Array> {
  if (base64 === undefined) throw new Error(`the plugin was built without ${name}`);
  return gunzipBase64(base64);
}

/** Lets queued messages (a cancel) in before the next graph runs, and stops there when the job was cancelled. */
function yieldingSession(session: ModelSession): ModelSession {
  return {
    device: session.device,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (current?.controller.signal.aborted) throw new CancelledError();
      return session.run(feeds);
    },
    dispose: () => session.dispose(),
  };
}

const yieldingBackend: OrtBackend = {
  devices: webBackend.devices,
  createSession: async (model, device, log) => yieldingSession(await webBackend.createSession(model, device, log)),
};

async function load(assets: PackedAssets): Promise<Upscaler> {
  const started = performance.now();
  const [wasm, manifestBytes] = await Promise.all([unpack(assets.files[ENGINE_ASSETS.wasm], 'the wasm binary'), unpack(assets.files[ENGINE_ASSETS.manifest], 'model.json')]);
  configureWasmBinary(wasm, 1);
  const manifest = parseManifest(JSON.parse(new TextDecoder().decode(manifestBytes)));
  const notes: string[] = [];
  const hasGpu = 'gpu' in navigator && !!(await (navigator as unknown as { gpu: { requestAdapter(): Promise<unknown> } }).gpu.requestAdapter().catch(() => null));
  if (!hasGpu) notes.push('no WebGPU adapter in this browser');
  const opened = await loadUpscaler(yieldingBackend, manifest, (file) => unpack(assets.files[file], file), hasGpu ? 'auto' : 'cpu', (m) => notes.push(m));
  post({ type: 'ready', device: opened.device as EngineDevice, loadMs: Math.round(performance.now() - started), ...(notes.length ? { note: notes.join('; ') } : {}) });
  return opened;
}

/** Decodes a layer's bytes: PNG exactly as the bridge does; other formats (JPEG, WebP) through the browser's decoder. */
async function decode(bytes: Uint8Array): Promise<RgbaImage> {
  if (isPng(bytes)) {
    const image = await decodePng(bytes);
    if (image) return image;
  }
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d')!;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const { data, width, height } = context.getImageData(0, 0, canvas.width, canvas.height);
  return { width, height, data: new Uint8Array(data.buffer) };
}

function megapixels(pixels: number): string {
  return `${(pixels / 1_000_000).toFixed(1)} MP`;
}

/** Why `image` at `scale` is too large for the in-Figma engine, or undefined. */
function tooLarge(width: number, height: number, scale: number): string | undefined {
  const output = Math.round(width * scale) * Math.round(height * scale);
  if (width * height > IN_FIGMA_MAX_INPUT_PIXELS) return `the layer is ${width}×${height} px; in Figma the limit is ${megapixels(IN_FIGMA_MAX_INPUT_PIXELS)}`;
  if (output > IN_FIGMA_MAX_OUTPUT_PIXELS) return `the result would be ${megapixels(output)} at ${scale}×; in Figma the limit is ${megapixels(IN_FIGMA_MAX_OUTPUT_PIXELS)} (4096×4096 px)`;
  return undefined;
}

async function runJob(job: Job): Promise<void> {
  const { id, controller } = job;
  try {
    const header = pngSize(job.image); // a PNG too large is refused before it is decoded
    const early = header && tooLarge(header.width, header.height, job.scale);
    if (early) return post({ type: 'error', id, code: 'too_many_pixels', message: early });
    const image = await decode(job.image).catch((error: unknown) => {
      throw Object.assign(new Error(`couldn't read the layer's pixels (${error instanceof Error ? error.message : String(error)})`), { code: 'bad_image' });
    });
    const refusal = tooLarge(image.width, image.height, job.scale);
    if (refusal) return post({ type: 'error', id, code: 'too_many_pixels', message: refusal });
    const opened = await upscaler!;
    const result = await opened.upscale(image, {
      scale: job.scale, batchSize: 1, signal: controller.signal, ...(job.colorFix ? { colorFix: job.colorFix } : {}),
      onProgress: (p) => post({ type: 'progress', id, ...p }),
    });
    if (controller.signal.aborted) throw new CancelledError();
    const png = await encodePng(result);
    post({ type: 'result', id, width: result.width, height: result.height, png }, [png.buffer]);
  } catch (error) {
    const code = error instanceof CancelledError || controller.signal.aborted ? 'cancelled' : (error as { code?: string }).code === 'bad_image' ? 'bad_image' : 'internal';
    post({ type: 'error', id, code, message: code === 'cancelled' ? 'cancelled' : error instanceof Error ? error.message : String(error) });
  }
}

async function drain(): Promise<void> {
  if (current) return;
  while ((current = queue.shift())) {
    await runJob(current);
  }
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === 'init') {
    upscaler ??= load(message.assets);
    upscaler.catch((error: unknown) => post({ type: 'load-failed', message: error instanceof Error ? error.message : String(error) }));
    return;
  }
  if (message.type === 'cancel') {
    if (current?.id === message.id) return current.controller.abort();
    const index = queue.findIndex((j) => j.id === message.id);
    if (index >= 0) {
      queue.splice(index, 1);
      post({ type: 'error', id: message.id, code: 'cancelled', message: 'cancelled' });
    }
    return;
  }
  queue.push({ id: message.id, image: message.image, scale: message.scale, ...(message.colorFix ? { colorFix: message.colorFix } : {}), controller: new AbortController() });
  void drain();
};
