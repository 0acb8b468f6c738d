/** Browser entry for the browser tests: exposes `window.tsdsrPage`, which runs models/runtime with onnxruntime-web (wasm). */
import { loadUpscaler, parseManifest, type ColorFix } from '../../models/runtime/index.ts';
import { configureWasm, webBackend } from '../../models/runtime/ort-web.ts';

/** A float32 graph run on the page: the graph's bytes (base64) and one input. */
export interface GraphRunRequest {
  wasmUrl: string;
  graphBase64: string;
  input: string;
  output: string;
  dims: number[];
  values: number[];
}

/** An RGBA image crossing page.evaluate, its bytes base64-encoded. */
export interface EncodedImage {
  width: number;
  height: number;
  base64: string;
}

/** One upscale on the page: the model directory's URL (ending in '/'), the image and the upscale options. */
export interface UpscaleRequest {
  wasmUrl: string;
  modelUrl: string;
  image: EncodedImage;
  options: { scale: number; tileSize?: number; overlap?: number; colorFix?: ColorFix };
}

/** What the page offers the test. */
export interface TsdsrPage {
  runGraph(request: GraphRunRequest): Promise<number[]>;
  upscale(request: UpscaleRequest): Promise<EncodedImage>;
}

declare global {
  interface Window {
    tsdsrPage?: TsdsrPage;
  }
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return response;
}

async function runGraph(request: GraphRunRequest): Promise<number[]> {
  configureWasm(request.wasmUrl, 1);
  const session = await webBackend.createSession(fromBase64(request.graphBase64), 'cpu');
  try {
    const outputs = await session.run({ [request.input]: { data: Float32Array.from(request.values), dims: request.dims } });
    const result = outputs[request.output];
    if (!result) throw new Error(`graph produced no ${request.output}`);
    return Array.from(result.data);
  } finally {
    await session.dispose();
  }
}

async function upscale(request: UpscaleRequest): Promise<EncodedImage> {
  configureWasm(request.wasmUrl, 1);
  const manifest = parseManifest(await (await fetchOk(`${request.modelUrl}model.json`)).json());
  const readGraph = async (file: string) => new Uint8Array(await (await fetchOk(request.modelUrl + file)).arrayBuffer());
  const upscaler = await loadUpscaler(webBackend, manifest, readGraph, 'cpu');
  try {
    const { width, height, base64 } = request.image;
    const result = await upscaler.upscale({ width, height, data: fromBase64(base64) }, request.options);
    return { width: result.width, height: result.height, base64: toBase64(result.data) };
  } finally {
    await upscaler.dispose();
  }
}

window.tsdsrPage = { runGraph, upscale };
