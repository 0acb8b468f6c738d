/** onnxruntime-node injected into the shared runtime (the bridge, the CLI, the trainer). */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { createOrtBackend, type Device, type OrtBackend, type OrtModule } from './ort.ts';

/** True when the CUDA provider libraries were installed next to the binding (see the README's CUDA section). */
function cudaInstalled(): boolean {
  const root = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json')), 'bin');
  if (!existsSync(root)) return false;
  return readdirSync(root).some((napi) =>
    existsSync(join(root, napi, process.platform, process.arch, 'libonnxruntime_providers_cuda.so')),
  );
}

function availableDevices(): Device[] {
  const names = new Set(ort.listSupportedBackends().map((b) => b.name));
  const devices: Device[] = [];
  if (names.has('cuda') && cudaInstalled()) devices.push('cuda');
  if (names.has('webgpu')) devices.push('webgpu');
  devices.push('cpu');
  return devices;
}

/** The Node backend; CUDA appears only where its provider libraries were installed. */
export const nodeBackend: OrtBackend = createOrtBackend(ort as unknown as OrtModule, availableDevices());
