/** onnxruntime-node injected into the shared runtime (the bridge, the CLI, the trainer). */
import * as ort from 'onnxruntime-node';
import { createOrtBackend, type Device, type OrtBackend, type OrtModule } from './ort.ts';

function bundledDevices(): Device[] {
  const names = new Set(ort.listSupportedBackends().map((b) => b.name));
  return (['cuda', 'webgpu', 'cpu'] as const).filter((d) => names.has(d));
}

/** The Node backend; CUDA appears only where its provider libraries were installed. */
export const nodeBackend: OrtBackend = createOrtBackend(ort as unknown as OrtModule, bundledDevices());
