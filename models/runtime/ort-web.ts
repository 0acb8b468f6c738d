/** onnxruntime-web injected into the shared runtime (the plugin UI, browser tests). */
import * as ort from 'onnxruntime-web';
import { createOrtBackend, type OrtBackend, type OrtModule } from './ort.ts';

/** Points onnxruntime-web at the folder that serves its .wasm files, and sets the thread count. */
export function configureWasm(wasmBaseUrl: string, threads = 1): void {
  ort.env.wasm.wasmPaths = wasmBaseUrl;
  ort.env.wasm.numThreads = threads;
}

/** Hands onnxruntime-web its .wasm binary as bytes (a page with no server to fetch it from), single-threaded by default. */
export function configureWasmBinary(binary: ArrayBuffer | Uint8Array, threads = 1): void {
  ort.env.wasm.wasmBinary = binary;
  ort.env.wasm.numThreads = threads;
}

/** The browser backend: WebGPU where the browser has it, wasm on the CPU otherwise. */
export const webBackend: OrtBackend = createOrtBackend(ort as unknown as OrtModule, ['webgpu', 'cpu']);
