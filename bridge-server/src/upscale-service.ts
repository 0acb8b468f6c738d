/** Upscale jobs as both transports submit them: checks up front (model, scale, tile, image header, pixel limits), then the queue. */
import { validateScale } from '../../models/runtime/index.ts';
import { BridgeError, toBridgeError } from './errors.ts';
import { TILE_RANGE } from './protocol/index.ts';
import type { UpscaleQueue } from './queue/index.ts';
import type { ModelRegistry } from './registry.ts';
import type { BridgeRuntime, ImageInfo } from './runtime.ts';
import { checkPixels, type PixelLimits, type UpscaleProgressHandler, type UpscaleRequest, type UpscaleResult } from './upscale-job.ts';

export type { PixelLimits, UpscaleProgressHandler, UpscaleRequest, UpscaleResult } from './upscale-job.ts';

/** What the service needs. */
export interface UpscaleServiceDeps {
  runtime: BridgeRuntime;
  registry: ModelRegistry;
  queue: UpscaleQueue;
  limits: PixelLimits;
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
    checkPixels(this.deps.limits, info, request.scale);
    return this.deps.queue.submit(clientId, jobId, request, onProgress);
  }

  async #probe(bytes: Uint8Array): Promise<ImageInfo> {
    if (bytes.length === 0) throw new BridgeError('not_an_image', 'the request carried no image bytes');
    try {
      return await this.deps.runtime.probeImage(bytes);
    } catch (err) {
      throw toBridgeError(err);
    }
  }
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
