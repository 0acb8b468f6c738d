/** Upscale jobs as both transports submit them: checks up front (model, scale, tile, image header, pixel limits), then the queue. */
import { validateScale, type ColorFix, type DeviceChoice, type ModelChoice, type Upscaler } from '../../models/runtime/index.ts';
import { BridgeError, toBridgeError } from './errors.ts';
import { TILE_RANGE } from './protocol/index.ts';
import type { JobQueue } from './queue/index.ts';
import type { ModelRegistry } from './registry.ts';
import type { BridgeRuntime, ImageInfo } from './runtime.ts';

/** One upscale request: the image bytes and what to do with them. */
export interface UpscaleRequest {
  model: string;
  scale: number;
  tile?: number;
  colorFix?: ColorFix;
  bytes: Uint8Array;
}

/** A finished job: the PNG and its size; `choice` when the model was an `auto` model (which model ran, and why). */
export interface UpscaleResult {
  png: Uint8Array;
  width: number;
  height: number;
  model: string;
  scale: number;
  choice?: ModelChoice;
}

/** Progress of a running job, as the runtime reports it. */
export type UpscaleProgressHandler = (progress: { stage: 'upscale' | 'resample'; tilesDone: number; tilesTotal: number }) => void;

/** Pixel limits, checked from the image header before anything is decoded. */
export interface PixelLimits {
  maxInputPixels: number;
  maxOutputPixels: number;
}

/** What the service needs. */
export interface UpscaleServiceDeps {
  runtime: BridgeRuntime;
  registry: ModelRegistry;
  queue: JobQueue;
  limits: PixelLimits;
  device: DeviceChoice;
}

/** Validates upscale requests and runs them through the shared job queue. */
export class UpscaleService {
  constructor(private readonly deps: UpscaleServiceDeps) {}

  /** Checks a request and queues it; throws a BridgeError for anything refused before queueing. The result rejects with the job's raw error (map it with toBridgeError). */
  async submit(clientId: string, jobId: string, request: UpscaleRequest, onProgress?: UpscaleProgressHandler): Promise<{ position: number; result: Promise<UpscaleResult> }> {
    await this.deps.registry.find(request.model);
    checkScale(request.scale);
    checkTile(request.tile);
    const info = await this.#probe(request.bytes);
    this.#checkPixels(info, request.scale);
    const submitted = this.deps.queue.submit(clientId, jobId, (signal) => this.#run(request, signal, onProgress));
    return submitted;
  }

  async #probe(bytes: Uint8Array): Promise<ImageInfo> {
    if (bytes.length === 0) throw new BridgeError('not_an_image', 'the request carried no image bytes');
    try {
      return await this.deps.runtime.probeImage(bytes);
    } catch (err) {
      throw toBridgeError(err);
    }
  }

  #checkPixels(info: { width: number; height: number }, scale: number): void {
    const { maxInputPixels, maxOutputPixels } = this.deps.limits;
    const inputPixels = info.width * info.height;
    if (inputPixels > maxInputPixels) {
      throw new BridgeError('too_many_pixels', `the image is ${info.width}x${info.height} (${megapixels(inputPixels)}); the limit is ${megapixels(maxInputPixels)}`);
    }
    const outputPixels = Math.round(info.width * scale) * Math.round(info.height * scale);
    if (outputPixels > maxOutputPixels) {
      throw new BridgeError('too_many_pixels', `the result would be ${megapixels(outputPixels)} at ${scale}x; the limit is ${megapixels(maxOutputPixels)} (choose a smaller scale or image)`);
    }
  }

  /** The upscaler of a model, or `internal` naming the model when it does not open. */
  async #open(model: string): Promise<Upscaler> {
    return this.deps.registry.upscaler(model, this.deps.device).catch((err: unknown) => {
      throw new BridgeError('internal', `model ${model} could not be opened: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  /** Runs a job; an `auto` model decodes the image first, then opens the model its degradation estimate chooses. */
  async #run(request: UpscaleRequest, signal: AbortSignal, onProgress?: UpscaleProgressHandler): Promise<UpscaleResult> {
    const { runtime, registry } = this.deps;
    const auto = registry.isAuto(request.model);
    let upscaler = auto ? null : await this.#open(request.model);
    signal.throwIfAborted();
    const image = await runtime.decodeImage(request.bytes, { maxInputPixels: this.deps.limits.maxInputPixels });
    this.#checkPixels(image, request.scale);
    const choice = auto ? registry.choose(request.model, image) : undefined;
    upscaler ??= await this.#open(choice?.model ?? request.model);
    signal.throwIfAborted();
    const output = await upscaler.upscale(image, {
      scale: request.scale,
      tileSize: request.tile,
      colorFix: request.colorFix,
      signal,
      onProgress,
    });
    const png = await runtime.encodePng(output);
    return { png, width: output.width, height: output.height, model: request.model, scale: request.scale, ...(choice ? { choice } : {}) };
  }
}

function megapixels(pixels: number): string {
  return pixels >= 100_000 ? `${(pixels / 1_000_000).toFixed(1)} Mpx` : `${pixels} px`;
}

function checkScale(scale: number): void {
  try {
    validateScale(scale);
  } catch (err) {
    throw toBridgeError(err);
  }
}

function checkTile(tile: number | undefined): void {
  if (tile === undefined) return;
  if (!Number.isInteger(tile) || tile < TILE_RANGE.min || tile > TILE_RANGE.max) {
    throw new BridgeError('bad_request', `tile must be an integer from ${TILE_RANGE.min} to ${TILE_RANGE.max}, got ${tile}`);
  }
}
