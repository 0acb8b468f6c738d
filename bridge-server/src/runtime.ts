/** The slice of the shared runtime the bridge uses, injectable so tests can substitute a slow or gated model. */
import type { Device, DeviceChoice, ModelManifest, RgbaImage, Upscaler } from '../../models/runtime/index.ts';
import type { EncodeOptions } from '../../models/runtime/node.ts';
import { decodeImage, encodeImage, encodePng, loadModelDir, nodeBackend, openUpscaler, probeImage } from '../../models/runtime/node.ts';

/** What an image header says. */
export interface ImageInfo {
  format: 'png' | 'jpeg' | 'webp';
  width: number;
  height: number;
}

/** Image I/O and model loading as the bridge and CLI need them. */
export interface BridgeRuntime {
  /** Devices this onnxruntime build has providers for. */
  readonly devices: readonly Device[];
  loadModelDir(dir: string): Promise<ModelManifest>;
  openUpscaler(dir: string, device: DeviceChoice, log?: (message: string) => void): Promise<Upscaler>;
  /** Format and size from the header alone; throws an error with code `not_an_image` or `bad_image`. */
  probeImage(bytes: Uint8Array): Promise<ImageInfo>;
  /** Decodes to RGBA, refusing images over `maxInputPixels` (`too_many_pixels`) and corrupt ones (`bad_image`). */
  decodeImage(bytes: Uint8Array, options?: { maxInputPixels?: number }): Promise<RgbaImage>;
  encodePng(image: RgbaImage): Promise<Uint8Array>;
  /** PNG, JPEG (over white) or WebP; `tsdsr upscale --format`. */
  encodeImage(image: RgbaImage, options: EncodeOptions): Promise<Uint8Array>;
}

/** The real runtime over onnxruntime-node and sharp. */
export const nodeRuntime: BridgeRuntime = Object.freeze({
  devices: nodeBackend.devices,
  loadModelDir,
  openUpscaler,
  probeImage,
  decodeImage,
  encodePng,
  encodeImage,
});
