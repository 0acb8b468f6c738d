/** One upscale job as a serialisable description, and the function that runs it: the same code in the bridge and in `tsdsr worker`. */
import { choiceOptions, inputSmoothing, type ColorFix, type DeviceChoice, type InputSmoothing, type ModelChoice, type Upscaler } from '../../models/runtime/index.ts';
import { BridgeError } from './errors.ts';
import type { ModelRegistry } from './registry.ts';
import type { BridgeRuntime } from './runtime.ts';

/** One upscale request: the image bytes and what to do with them (plain data, so it can travel through Redis). */
export interface UpscaleRequest {
  model: string;
  scale: number;
  tile?: number;
  colorFix?: ColorFix;
  bytes: Uint8Array;
}

/**
 * A finished job: the PNG and its size; `choice` when the model was an `auto` model (which model ran, and why);
 * `smoothing` when the input was smoothed before the model ran (any model).
 */
export interface UpscaleResult {
  png: Uint8Array;
  width: number;
  height: number;
  model: string;
  scale: number;
  choice?: ModelChoice;
  smoothing?: InputSmoothing;
}

/** Progress of a running job, as the runtime reports it. */
export type UpscaleProgress = { stage: 'upscale' | 'resample'; tilesDone: number; tilesTotal: number };

/** Receives progress of a running job. */
export type UpscaleProgressHandler = (progress: UpscaleProgress) => void;

/** Pixel limits, checked from the image header before anything is decoded. */
export interface PixelLimits {
  maxInputPixels: number;
  maxOutputPixels: number;
}

/** Runs one job to its result; it must stop soon after the signal aborts. */
export type UpscaleExecutor = (request: UpscaleRequest, signal: AbortSignal, onProgress?: UpscaleProgressHandler) => Promise<UpscaleResult>;

/** What running a job needs: image I/O, the models, the device and the pixel limits. */
export interface UpscaleExecutorDeps {
  runtime: BridgeRuntime;
  registry: ModelRegistry;
  device: DeviceChoice;
  limits: PixelLimits;
}

/** Throws `too_many_pixels` when an image, or its result at `scale`, is over the limits. */
export function checkPixels(limits: PixelLimits, info: { width: number; height: number }, scale: number): void {
  const inputPixels = info.width * info.height;
  if (inputPixels > limits.maxInputPixels) {
    throw new BridgeError('too_many_pixels', `the image is ${info.width}x${info.height} (${megapixels(inputPixels)}); the limit is ${megapixels(limits.maxInputPixels)}`);
  }
  const outputPixels = Math.round(info.width * scale) * Math.round(info.height * scale);
  if (outputPixels > limits.maxOutputPixels) {
    throw new BridgeError('too_many_pixels', `the result would be ${megapixels(outputPixels)} at ${scale}x; the limit is ${megapixels(limits.maxOutputPixels)} (choose a smaller scale or image)`);
  }
}

function megapixels(pixels: number): string {
  return pixels >= 100_000 ? `${(pixels / 1_000_000).toFixed(1)} Mpx` : `${pixels} px`;
}

/** The executor of these models on this device: an `auto` model decodes the image first, then opens the model its degradation estimate chooses. */
export function upscaleExecutor(deps: UpscaleExecutorDeps): UpscaleExecutor {
  const open = (model: string): Promise<Upscaler> => deps.registry.upscaler(model, deps.device).catch((err: unknown) => {
    throw new BridgeError('internal', `model ${model} could not be opened: ${err instanceof Error ? err.message : String(err)}`);
  });
  return async (request, signal, onProgress) => {
    const { runtime, registry } = deps;
    const auto = registry.isAuto(request.model);
    let upscaler = auto ? null : await open(request.model);
    signal.throwIfAborted();
    const image = await runtime.decodeImage(request.bytes, { maxInputPixels: deps.limits.maxInputPixels });
    checkPixels(deps.limits, image, request.scale);
    const choice = auto ? registry.choose(request.model, image) : undefined;
    upscaler ??= await open(choice?.model ?? request.model);
    signal.throwIfAborted();
    // decided once here (the model's gate reads the whole image) and passed on as the call's own, so the result says what ran
    const smoothing = inputSmoothing(upscaler.manifest, image, choiceOptions(choice));
    const output = await upscaler.upscale(image, { scale: request.scale, tileSize: request.tile, colorFix: request.colorFix, denoise: smoothing, signal, onProgress });
    const png = await runtime.encodePng(output);
    return {
      png, width: output.width, height: output.height, model: request.model, scale: request.scale,
      ...(choice ? { choice: { model: choice.model, degradation: choice.degradation, score: choice.score } } : {}),
      ...(smoothing ? { smoothing } : {}),
    };
  };
}
