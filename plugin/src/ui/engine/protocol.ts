/** The messages between the plugin UI and its engine worker, and the in-Figma engine's limits. */
import type { ColorFix } from '../../settings.ts';

/** Largest result the in-Figma engine makes, in pixels: 4096 × 4096 (16.8 MP), Figma's largest image. Larger goes to the bridge. */
export const IN_FIGMA_MAX_OUTPUT_PIXELS = 4096 * 4096;
/** Largest layer the in-Figma engine reads, in pixels (2048 × 2048). */
export const IN_FIGMA_MAX_INPUT_PIXELS = 2048 * 2048;
/** The model the in-Figma engine ships with. */
export const IN_FIGMA_MODEL = 'tsdsr-fast';

/** The names of the assets inlined in ui.html, each gzip-compressed and base64-encoded in its own script element. */
export const ENGINE_ASSETS = Object.freeze({
  worker: 'engine-worker.js',
  wasm: 'ort-wasm.wasm',
  manifest: 'model.json',
});

/** The engine's assets as the worker receives them: base64 text of gzip data, decoded in the worker. */
export interface PackedAssets {
  /** File name → base64 of its gzip-compressed bytes; `model.json` names the graph files. */
  files: Record<string, string>;
}

/** UI → worker. */
export type ToWorker =
  | { type: 'init'; assets: PackedAssets }
  | { type: 'upscale'; id: string; image: Uint8Array; scale: number; colorFix?: ColorFix }
  | { type: 'cancel'; id: string };

/** Where the engine ran, once loaded: WebGPU, or wasm on the CPU. */
export type EngineDevice = 'webgpu' | 'cpu';

/** A job's error: `cancelled`, `too_many_pixels`, `bad_image` or `internal`. */
export type EngineErrorCode = 'cancelled' | 'too_many_pixels' | 'bad_image' | 'internal';

/** Worker → UI. */
export type FromWorker =
  | { type: 'ready'; device: EngineDevice; loadMs: number; note?: string }
  | { type: 'load-failed'; message: string }
  | { type: 'progress'; id: string; stage: 'upscale' | 'resample'; tilesDone: number; tilesTotal: number }
  | { type: 'result'; id: string; width: number; height: number; png: Uint8Array }
  | { type: 'error'; id: string; code: EngineErrorCode; message: string };
