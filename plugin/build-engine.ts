/**
 * The in-Figma engine's part of ui.html: the worker bundle (onnxruntime-web and models/runtime), onnxruntime-web's
 * .wasm binary and the default model's files, each gzip-compressed and base64-encoded in a script element the browser
 * neither runs nor decodes, so the UI opens as fast as without them; the UI reads them on the engine's first use.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { build } from 'esbuild';
import { ASSET_SCRIPT_TYPE } from './src/ui/engine/assets.ts';
import { ENGINE_ASSETS, IN_FIGMA_MODEL } from './src/ui/engine/protocol.ts';

const PLUGIN_DIR = path.dirname(fileURLToPath(import.meta.url));
/** The shipped model the engine carries. */
export const IN_FIGMA_MODEL_DIR = path.resolve(PLUGIN_DIR, '../models/zoo', IN_FIGMA_MODEL);
/**
 * The .wasm that onnxruntime-web's default bundle (the one the worker imports) loads: the JSEP build, which runs
 * both the WebGPU and the wasm CPU execution providers.
 */
const WASM_FILE = 'ort-wasm-simd-threaded.jsep.wasm';

/**
 * The worker bundle, a classic script: a module worker from a Blob URL does not load in Figma's sandboxed iframe (an
 * opaque origin fails the module fetch's same-origin check). onnxruntime-web's `import.meta.url` becomes the worker's address.
 */
async function bundleWorker(): Promise<Uint8Array> {
  const result = await build({
    entryPoints: [path.join(PLUGIN_DIR, 'src/ui/engine/worker.ts')], bundle: true, write: false, minify: true, legalComments: 'none',
    logLevel: 'silent', charset: 'utf8', platform: 'browser', format: 'iife', target: 'es2022',
    define: { 'import.meta.url': 'self.location.href' },
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild produced no engine worker');
  return output.contents;
}

/** The engine's files by name: worker, wasm, model.json and the graphs it names. */
async function engineFiles(): Promise<Map<string, Uint8Array>> {
  const wasmPath = createRequire(import.meta.url).resolve(`onnxruntime-web/${WASM_FILE}`);
  const manifestBytes = await readFile(path.join(IN_FIGMA_MODEL_DIR, 'model.json'));
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as { graphs: Record<string, string> };
  const graphs = await Promise.all(Object.values(manifest.graphs).map(async (file) => [file, await readFile(path.join(IN_FIGMA_MODEL_DIR, file))] as const));
  return new Map<string, Uint8Array>([
    [ENGINE_ASSETS.worker, await bundleWorker()],
    [ENGINE_ASSETS.wasm, await readFile(wasmPath)],
    [ENGINE_ASSETS.manifest, manifestBytes],
    ...graphs,
  ]);
}

/** The asset script elements for ui.html, and each asset's size in bytes before and after packing. */
export async function engineAssetScripts(): Promise<{ html: string; sizes: { name: string; bytes: number; packed: number }[] }> {
  const files = await engineFiles();
  const packed = await Promise.all([...files].map(async ([name, bytes]) => [name, bytes, (await promisify(gzip)(bytes, { level: 9 })).toString('base64')] as const));
  return {
    html: packed.map(([name, , text]) => `<script type="${ASSET_SCRIPT_TYPE}" data-asset="${name}">${text}</script>`).join('\n'),
    sizes: packed.map(([name, bytes, text]) => ({ name, bytes: bytes.length, packed: text.length })),
  };
}
