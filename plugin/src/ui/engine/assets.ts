/**
 * The engine's inlined assets in ui.html: each a `<script type="application/x-tsdsr-asset" data-asset="name">` holding
 * base64 of gzip data, which the browser neither runs nor decodes. Read only when the in-Figma engine is first needed.
 */
import { gunzipBase64 } from './base64.ts';
import { ENGINE_ASSETS, type PackedAssets } from './protocol.ts';

/** The type attribute of the asset script elements (build and UI agree on it here). */
export const ASSET_SCRIPT_TYPE = 'application/x-tsdsr-asset';

/** Every inlined asset by name, or undefined when this ui.html was built without the engine. */
export function readPackedAssets(doc: Document = document): PackedAssets | undefined {
  const files: Record<string, string> = {};
  for (const element of doc.querySelectorAll(`script[type="${ASSET_SCRIPT_TYPE}"][data-asset]`)) {
    files[element.getAttribute('data-asset')!] = element.textContent ?? '';
  }
  return files[ENGINE_ASSETS.worker] && files[ENGINE_ASSETS.wasm] ? { files } : undefined;
}

/** The worker's script as a Blob URL (the UI is one file, so the worker cannot be loaded from an address). */
export async function workerUrl(assets: PackedAssets): Promise<string> {
  const script = await gunzipBase64(assets.files[ENGINE_ASSETS.worker]!);
  const blob = new Blob([script as Uint8Array<ArrayBuffer>], { type: 'text/javascript' });
  return URL.createObjectURL(blob);
}
