/** The runtime's Node entry: onnxruntime-node, sharp codecs and model directories on disk. */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseManifest, type ModelManifest } from './manifest.ts';
import type { DeviceChoice } from './ort.ts';
import { nodeBackend } from './ort-node.ts';
import { loadUpscaler, type Upscaler } from './upscaler.ts';

export { nodeBackend } from './ort-node.ts';
export {
  DEFAULT_DECODE_PIXEL_LIMIT, DEFAULT_OUTPUT_QUALITY, ImageError, OUTPUT_FORMATS, decodeImage, encodeImage, encodePng, probeImage, type DecodeOptions, type EncodeOptions, type OutputFormat, type ImageFormat, type ImageHeader,
} from './codec-node.ts';
export { readImageHeader } from './image-header.ts';

/** Reads and validates a model directory's `model.json`. */
export async function loadModelDir(dir: string): Promise<ModelManifest> {
  const path = join(dir, 'model.json');
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`${path}: ${(err as Error).message}`);
  }
  return parseManifest(json, path);
}

/** Opens a model directory on a device (falling back with a logged reason); onnxruntime reads the graph files itself. */
export async function openUpscaler(dir: string, device: DeviceChoice, log?: (message: string) => void): Promise<Upscaler> {
  const manifest = await loadModelDir(dir);
  return loadUpscaler(nodeBackend, manifest, async (file) => resolve(dir, file), device, log);
}
