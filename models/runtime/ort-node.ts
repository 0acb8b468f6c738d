/** onnxruntime-node injected into the shared runtime (the bridge, the CLI, the trainer). */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { createOrtBackend, type Device, type OrtBackend, type OrtModule } from './ort.ts';

/** True when the CUDA provider libraries were installed next to the binding (`npm run install:cuda`). */
function cudaInstalled(): boolean {
  const root = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json')), 'bin');
  if (!existsSync(root)) return false;
  return readdirSync(root).some((napi) =>
    existsSync(join(root, napi, process.platform, process.arch, 'libonnxruntime_providers_cuda.so')),
  );
}

/** On Linux WebGPU runs over Vulkan; without the Vulkan loader it cannot start (and Dawn would print a native warning). */
function vulkanLoaderFound(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':'), `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`, '/usr/lib64', '/usr/lib', '/lib64', '/usr/local/lib'];
  return dirs.some((dir) => dir !== '' && existsSync(join(dir, 'libvulkan.so.1')));
}

function probeDevices(): { devices: Device[]; unavailable: Partial<Record<Device, string>> } {
  const names = new Set(ort.listSupportedBackends().map((b) => b.name));
  const devices: Device[] = [];
  const unavailable: Partial<Record<Device, string>> = {};
  if (!names.has('cuda')) unavailable.cuda = 'this onnxruntime build has no CUDA provider';
  else if (!cudaInstalled()) unavailable.cuda = 'CUDA provider libraries not installed (npm run install:cuda)';
  else devices.push('cuda');
  if (!names.has('webgpu')) unavailable.webgpu = 'this onnxruntime build has no WebGPU provider';
  else if (!vulkanLoaderFound()) unavailable.webgpu = 'no Vulkan loader (libvulkan.so.1) on this machine';
  else devices.push('webgpu');
  devices.push('cpu');
  return { devices, unavailable };
}

const probed = probeDevices();

/** The Node backend: CUDA where its provider libraries were installed, WebGPU where Vulkan is, and the CPU. */
export const nodeBackend: OrtBackend = createOrtBackend(ort as unknown as OrtModule, probed.devices, probed.unavailable);
