/** An opened model: its graphs loaded on one device, ready to upscale images at any supported factor. */
import { antiRing } from './anti-ring.ts';
import { DEFAULT_DENOISE_RADIUS, denoise, denoises, type DenoiseSpec } from './denoise.ts';
import { throwIfCancelled } from './errors.ts';
import type { RgbaImage } from './image.ts';
import type { ColorFix, ModelManifest } from './manifest.ts';
import type { Device, DeviceChoice, ModelSession, ModelSource, OrtBackend } from './ort.ts';
import { resizeRgba } from './resize.ts';
import { planScale, validateScale } from './scale.ts';
import { upscaleTsdsr, type FinishRunner } from './tsdsr-pipeline.ts';
import { upscaleTiles, type TileRunner } from './upscale-tiles.ts';

/** Progress of one upscale: tiles through the model, then the optional final resample. */
export interface UpscaleProgress {
  stage: 'upscale' | 'resample';
  tilesDone: number;
  tilesTotal: number;
}

/** Per-call options; unset ones come from the model's manifest. */
export interface UpscaleOptions {
  /** Any factor in (1, 8]: native scales run directly, others run the next native scale and resample. */
  scale: number;
  tileSize?: number;
  overlap?: number;
  colorFix?: ColorFix;
  /** Anti-ringing strength 0 to 1 instead of the manifest's `antiRing` (models/runtime/anti-ring.ts). */
  antiRing?: number;
  /** Input smoothing instead of the manifest's `denoise` (models/runtime/denoise.ts); null: none. */
  denoise?: DenoiseSpec | null;
  /** Tile positions per model run (default 4 when the graph takes a batch). */
  batchSize?: number;
  /** Per-tile TSD models: upscale the alpha channel through the model (`model`, default) or by bicubic resampling. */
  alpha?: 'model' | 'bicubic';
  signal?: AbortSignal;
  onProgress?: (progress: UpscaleProgress) => void;
}

/**
 * The input smoothing one upscale runs on one image: the guided filter's level and window radius, or `dct` and its
 * threshold (models/runtime/denoise.ts).
 */
export type InputSmoothing = { level: number; radius: number } | { method: 'dct'; level: number };

/** An input smoothing's settings as name and value pairs, for a log line or a header: `[['level', 12], ['radius', 4]]`. */
export function smoothingSettings(s: InputSmoothing): [string, string | number][] {
  return 'method' in s ? [['method', s.method], ['level', s.level]] : [['level', s.level], ['radius', s.radius]];
}

/**
 * The input smoothing an upscale with `options` runs on `image`: the call's `denoise` (null: none) else the manifest's,
 * when its gate ({@link denoises}) passes; null when the image goes to the model as it is. Passed back as the call's
 * `denoise`, it runs as it is, without the gate looking at the image again.
 */
export function inputSmoothing(manifest: ModelManifest, image: RgbaImage, options: Pick<UpscaleOptions, 'denoise'>): InputSmoothing | null {
  const spec = options.denoise === undefined ? manifest.denoise : options.denoise;
  if (!spec || !denoises(image, spec)) return null;
  return spec.method === 'dct' ? { method: 'dct', level: spec.level } : { level: spec.level, radius: spec.radius ?? DEFAULT_DENOISE_RADIUS };
}

/** A model ready to run. */
export interface Upscaler {
  readonly manifest: ModelManifest;
  readonly device: Device;
  upscale(image: RgbaImage, options: UpscaleOptions): Promise<RgbaImage>;
  dispose(): Promise<void>;
}

/** Loads every graph of a model onto one device (the first graph decides the device after fallbacks). */
export async function loadUpscaler(
  backend: OrtBackend,
  manifest: ModelManifest,
  readGraph: (file: string) => Promise<ModelSource>,
  device: DeviceChoice,
  log?: (message: string) => void,
): Promise<Upscaler> {
  const sessions = new Map<string, ModelSession>();
  let chosen: DeviceChoice = device;
  const keys = manifest.kind === 'tsdsr' ? ['encoder', 'denoiser', 'decoder', ...(manifest.graphs.finish ? ['finish'] : [])] : manifest.scales.map(String);
  for (const key of keys) {
    const session = await backend.createSession(await readGraph(manifest.graphs[key]!), chosen, log);
    sessions.set(key, session);
    chosen = session.device;
  }
  return {
    manifest,
    device: chosen as Device,
    async upscale(original, options) {
      const smoothing = inputSmoothing(manifest, original, options);
      const image = smoothing ? denoise(original, smoothing) : original;
      const result = await (manifest.kind === 'tsdsr' ? upscaleWithTsdsr : upscaleWith)(manifest, sessions, image, options);
      const strength = options.antiRing ?? manifest.antiRing ?? 0;
      return strength > 0 ? antiRing(image, result, strength) : result;
    },
    async dispose() {
      await Promise.all([...sessions.values()].map((s) => s.dispose()));
      sessions.clear();
    },
  };
}

async function upscaleWith(manifest: ModelManifest, sessions: Map<string, ModelSession>, image: RgbaImage, o: UpscaleOptions): Promise<RgbaImage> {
  const plan = planScale(o.scale, manifest.scales, image.width, image.height);
  const session = sessions.get(String(plan.modelScale));
  if (!session) throw new Error(`model ${manifest.id} has been disposed`);
  const tileSize = o.tileSize ?? manifest.tile.size;
  const overlap = Math.min(o.overlap ?? manifest.tile.overlap, tileSize - 1);
  if (!Number.isInteger(tileSize) || tileSize < 8) throw new RangeError(`tile size must be an integer of at least 8, got ${tileSize}`);
  let tilesTotal = 0;
  const { input, output } = manifest.io;
  const result = await upscaleTiles(image, sessionRunner(session, input, output, manifest.io.batch), {
    scale: plan.modelScale,
    tileSize,
    overlap,
    margin: Math.max(0, Math.min(manifest.tile.margin, Math.floor((overlap - 1) / 2))),
    batchSize: manifest.io.batch ? (o.batchSize ?? 4) : 1,
    range: manifest.io.range,
    colorFix: o.colorFix ?? manifest.colorFix,
    signal: o.signal,
    onTile: (tilesDone, total) => {
      tilesTotal = total;
      o.onProgress?.({ stage: 'upscale', tilesDone, tilesTotal: total });
    },
  });
  if (!plan.resample) return result;
  throwIfCancelled(o.signal);
  o.onProgress?.({ stage: 'resample', tilesDone: tilesTotal, tilesTotal });
  return resizeRgba(result, plan.outputWidth, plan.outputHeight);
}

/** Upscales with a TSD-SR model's encoder, denoiser and decoder; any factor runs directly. */
async function upscaleWithTsdsr(manifest: ModelManifest, sessions: Map<string, ModelSession>, image: RgbaImage, o: UpscaleOptions): Promise<RgbaImage> {
  validateScale(o.scale);
  const latent = manifest.latent!;
  const graph = (key: string) => {
    const session = sessions.get(key);
    if (!session) throw new Error(`model ${manifest.id} has been disposed`);
    return sessionRunner(session, session.inputNames[0]!, session.outputNames[0]!, manifest.io.batch);
  };
  const colorFix = o.colorFix ?? manifest.colorFix;
  const finishSession = colorFix === manifest.colorFix ? sessions.get('finish') : undefined; // the graph does the manifest's fix only
  const finish: FinishRunner | undefined = finishSession && (async (image, reference, count, height, width) => {
    const dims = [count, 3, height, width];
    const result = await finishSession.run({ image: { data: image, dims }, reference: { data: reference, dims } });
    const tensor = result[finishSession.outputNames[0]!];
    if (!tensor) throw new Error('the finish graph returned no output');
    return tensor.data;
  });
  return upscaleTsdsr(image, { encoder: graph('encoder'), denoiser: graph('denoiser'), decoder: graph('decoder'), finish }, {
    scale: o.scale,
    tileSize: o.tileSize ?? manifest.tile.size,
    overlap: o.overlap ?? manifest.tile.overlap,
    margin: manifest.tile.margin,
    latent,
    range: manifest.io.range,
    colorFix,
    alpha: o.alpha,
    batchSize: manifest.io.batch ? (o.batchSize ?? 4) : 1,
    signal: o.signal,
    onTile: (tilesDone, tilesTotal) => o.onProgress?.({ stage: 'upscale', tilesDone, tilesTotal }),
  });
}

/** Feeds tiles to a session, one run per batch, or one run per tile when the graph has a fixed batch of 1. */
function sessionRunner(session: ModelSession, input: string, output: string, batch: boolean): TileRunner {
  const runOnce = async (data: Float32Array, count: number, height: number, width: number): Promise<Float32Array> => {
    const result = await session.run({ [input]: { data, dims: [count, data.length / (count * height * width), height, width] } });
    const tensor = result[output];
    if (!tensor) throw new Error(`the graph has no output named ${output}`);
    return tensor.data;
  };
  if (batch) return runOnce;
  return async (data, count, height, width) => {
    const size = data.length / count;
    const parts: Float32Array[] = [];
    for (let i = 0; i < count; i++) parts.push(await runOnce(data.subarray(i * size, (i + 1) * size), 1, height, width));
    const joined = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      joined.set(part, at);
      at += part.length;
    }
    return joined;
  };
}
