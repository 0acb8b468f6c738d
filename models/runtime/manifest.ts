/** The model directory manifest (`model.json`) and its validation. */
import type { DenoiseSpec } from './denoise.ts';

/** How colours of the result are aligned to the input after the model runs. */
export type ColorFix = 'none' | 'wavelet' | 'adain';
export const COLOR_FIXES: readonly ColorFix[] = Object.freeze(['none', 'wavelet', 'adain']);

/**
 * What the model's graphs compute. `resampler`: one graph per scale maps a low-resolution tile to
 * its upscaled tile. `tsdsr`: a one-step latent super-resolver — graphs `encoder` (image → posterior
 * mean), `denoiser` (scaled latent → flow-matching velocity at the model's timestep, prompt baked in)
 * and `decoder` (latent → image) refine a bicubic upsampling at any factor. (A third kind, `auto`, has no graphs: it
 * names two of these models and runs one per image; see auto-model.ts.)
 */
export type ModelKind = 'resampler' | 'tsdsr';

/** The latent space of a `tsdsr` model. */
export interface LatentSpec {
  channels: number;
  /** Pixels per latent cell along each axis. */
  factor: number;
  scalingFactor: number;
  /** Recorded for completeness; like the reference inference, the pipeline does not apply it. */
  shiftFactor: number;
  /** The fixed timestep the denoiser was distilled at (baked into its graph). */
  timestep: number;
  /** Keys' a for the bicubic upsampling before encoding (−0.75 as PyTorch's bicubic). */
  cubicA: number;
  /** Latent tiles for the denoiser, blended with Gaussian weights. */
  tile: { size: number; overlap: number };
  /** Latent sizes the denoiser accepts are multiples of this (its patch size); the image is padded to fit. */
  multiple?: number;
  /**
   * Run encoder, denoiser and decoder back to back on each image tile and blend only the decoded tiles, instead of
   * three whole-canvas passes (blended encoder tiles, Gaussian-blended latent tiles, blended decoder tiles). For
   * graphs whose context fits inside the tile overlap, like the fast preset's; `latent.tile` is then unused. Much
   * less work and memory outside the graphs: no whole-image latent, one upsampled window per tile.
   */
  perTile?: boolean;
}

/** The parsed contents of a model directory's `model.json`. */
export interface ModelManifest {
  id: string;
  name: string;
  description: string;
  kind: ModelKind;
  /** Integer scale factors the model's graphs produce. */
  scales: number[];
  /**
   * Graph file (relative to the model directory) for each scale, keyed by the scale as a string; for `tsdsr`,
   * `encoder`, `denoiser`, `decoder` and optionally `finish` (inputs `image`, `reference` in io.range → 0..1: the
   * clamp and the manifest's colour fix in ONNX Runtime, used by `latent.perTile` models while that colour fix is chosen).
   */
  graphs: Record<string, string>;
  io: {
    input: string;
    output: string;
    layout: 'NCHW';
    channels: 3;
    /** The value range the graph expects and returns; 8-bit pixels are mapped linearly onto it. */
    range: [number, number];
    /** True when the graph accepts several tiles in one run (a symbolic batch dimension). */
    batch: boolean;
  };
  tile: {
    /** Default tile side in input pixels. */
    size: number;
    /** Default overlap between neighbouring tiles in input pixels. */
    overlap: number;
    /** Input pixels at an inner tile edge the model cannot see past (receptive-field radius); discarded when blending. */
    margin: number;
  };
  colorFix: ColorFix;
  /**
   * Anti-ringing strength, 0 to 1 (absent: 0): how far each output colour moves towards the range of the 2 × 2 input
   * pixels it came from (models/runtime/anti-ring.ts). For models that draw halos or beads along soft edges.
   */
  antiRing?: number;
  /** Edge-aware smoothing of the input before the model (models/runtime/denoise.ts); absent: none. */
  denoise?: DenoiseSpec;
  /** Present for `tsdsr` models. */
  latent?: LatentSpec;
  license: string;
  provenance: Record<string, unknown>;
}

/** Thrown when a `model.json` does not describe a usable model. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

function need(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ManifestError(message);
}

const isPlainFileName = (f: unknown): boolean => typeof f === 'string' && /^[A-Za-z0-9._-]+$/.test(f) && !f.startsWith('.');
const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

function checkLatent(l: LatentSpec | undefined, tile: ModelManifest['tile'] | undefined, where: string): void {
  need(l && isPositiveInt(l.channels) && isPositiveInt(l.factor), `${where}: latent.channels and latent.factor must be positive integers`);
  need(typeof l.scalingFactor === 'number' && l.scalingFactor > 0, `${where}: latent.scalingFactor must be positive`);
  need(typeof l.shiftFactor === 'number' && typeof l.timestep === 'number' && typeof l.cubicA === 'number', `${where}: latent.shiftFactor, timestep and cubicA must be numbers`);
  need(l.multiple === undefined || isPositiveInt(l.multiple), `${where}: latent.multiple must be a positive integer`);
  need(l.perTile === undefined || typeof l.perTile === 'boolean', `${where}: latent.perTile must be true or false`);
  const m = l.multiple ?? 1;
  need(!l.tile || (l.tile.size % m === 0 && l.tile.overlap % m === 0), `${where}: latent.tile size and overlap must be multiples of latent.multiple`);
  need(l.tile && isPositiveInt(l.tile.size) && Number.isInteger(l.tile.overlap) && l.tile.overlap >= 0 && l.tile.overlap < l.tile.size, `${where}: latent.tile invalid`);
  need(!tile || (tile.size % l.factor === 0 && tile.overlap % l.factor === 0), `${where}: tile.size and tile.overlap must be multiples of latent.factor`);
}

/** What a `denoise` entry must look like (models/runtime/denoise.ts), for error messages. */
export const DENOISE_SHAPE = "must be { method?: 'guided' | 'dct', level: 0 to 64, radius?: 1 to 8 (guided only), noiseRatioFrom?: ≥ 0 }";

/** What an `antiRing` entry must be, for error messages. */
export const ANTI_RING_SHAPE = 'must be a number from 0 to 1';

/** True for a valid `antiRing` entry of a `model.json`. */
export const isAntiRing = (v: unknown): v is number => typeof v === 'number' && v >= 0 && v <= 1;

/** True for a valid `denoise` entry of a `model.json` ({@link DenoiseSpec}). */
export function isDenoiseSpec(d: unknown): d is DenoiseSpec {
  if (typeof d !== 'object' || d === null) return false;
  const { method, level, radius, noiseRatioFrom } = d as Partial<DenoiseSpec>;
  const guided = method === undefined || method === 'guided';
  return (guided || method === 'dct') && typeof level === 'number' && level >= 0 && level <= 64 && (radius === undefined || (guided && isPositiveInt(radius) && radius <= 8)) && (noiseRatioFrom === undefined || (typeof noiseRatioFrom === 'number' && noiseRatioFrom >= 0));
}

/** Checks a parsed `model.json` and returns it typed; throws ManifestError naming the first problem. */
export function parseManifest(json: unknown, where = 'model.json'): ModelManifest {
  need(json && typeof json === 'object', `${where}: not a JSON object`);
  const m = json as Partial<ModelManifest>;
  need(typeof m.id === 'string' && /^[a-z0-9][a-z0-9._-]*$/.test(m.id), `${where}: id must be lower-case letters, digits, '.', '_' or '-'`);
  need(typeof m.name === 'string', `${where}: name missing`);
  need((m.kind as string) !== 'auto', `${where}: an auto model has no graphs of its own (read it with parseAutoManifest and open the model it chooses)`);
  need(m.kind === 'resampler' || m.kind === 'tsdsr', `${where}: unknown kind ${JSON.stringify(m.kind)}`);
  need(Array.isArray(m.scales) && m.scales.length > 0 && m.scales.every(isPositiveInt), `${where}: scales must be positive integers`);
  need(m.graphs && typeof m.graphs === 'object', `${where}: graphs missing`);
  const graphKeys = m.kind === 'tsdsr' ? ['encoder', 'denoiser', 'decoder'] : m.scales.map(String);
  for (const key of graphKeys) need(typeof m.graphs[key] === 'string', `${where}: no graph for ${m.kind === 'tsdsr' ? key : `scale ${key}`}`);
  for (const file of Object.values(m.graphs)) need(isPlainFileName(file), `${where}: graph ${JSON.stringify(file)} must be a file name inside the model directory`);
  if (m.kind === 'tsdsr') checkLatent(m.latent, m.tile, where);
  const io = m.io;
  need(io && io.layout === 'NCHW' && io.channels === 3, `${where}: io must be NCHW with 3 channels`);
  need(typeof io.input === 'string' && typeof io.output === 'string', `${where}: io.input and io.output must name the graph's tensors`);
  need(Array.isArray(io.range) && io.range.length === 2 && io.range[0] < io.range[1], `${where}: io.range must be [low, high]`);
  const t = m.tile;
  need(t && isPositiveInt(t.size) && Number.isInteger(t.overlap) && t.overlap >= 0 && t.overlap < t.size, `${where}: tile.size/overlap invalid`);
  need(Number.isInteger(t.margin) && t.margin >= 0 && 2 * t.margin < Math.max(t.overlap, 1), `${where}: tile.margin must be under half the overlap`);
  need(COLOR_FIXES.includes(m.colorFix as ColorFix), `${where}: colorFix must be one of ${COLOR_FIXES.join(', ')}`);
  need(m.antiRing === undefined || isAntiRing(m.antiRing), `${where}: antiRing ${ANTI_RING_SHAPE}`);
  need(m.denoise === undefined || isDenoiseSpec(m.denoise), `${where}: denoise ${DENOISE_SHAPE}`);
  need(typeof m.license === 'string', `${where}: license missing`);
  return { description: '', provenance: {}, ...m } as ModelManifest;
}
