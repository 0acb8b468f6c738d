/** Weight shapes of the small family and their deterministic initialisation (Kaiming-style), for training from scratch. */
import type { WeightTensor } from '../weights.ts';
import { TIMESTEP_CHANNELS } from './blocks.ts';
import type { SmallDenoiserConfig, SmallVaeConfig } from './config.ts';
import {
  checkGroups, layoutResnets, smallDenoiserLayout, smallVaeDecoderLayout, smallVaeEncoderLayout,
  type ConvSpec, type LevelSpec, type NetLayout, type ResnetSpec,
} from './layout.ts';

/** Key of the learned null style embedding [styleEmbedDim], the unconditional input for classifier-free guidance. */
export const NULL_STYLE_KEY = 'style_embedding.null_embedding';

type Shapes = Map<string, number[]>;

function addConv(shapes: Shapes, c: ConvSpec): void {
  shapes.set(`${c.key}.weight`, [c.outChannels, c.inChannels, c.kernel, c.kernel]);
  shapes.set(`${c.key}.bias`, [c.outChannels]);
}

function addNorm(shapes: Shapes, key: string, channels: number): void {
  shapes.set(`${key}.weight`, [channels]);
  shapes.set(`${key}.bias`, [channels]);
}

function addLinear(shapes: Shapes, key: string, inFeatures: number, outFeatures: number): void {
  shapes.set(`${key}.weight`, [outFeatures, inFeatures]);
  shapes.set(`${key}.bias`, [outFeatures]);
}

function addResnet(shapes: Shapes, r: ResnetSpec): void {
  addNorm(shapes, `${r.key}.norm1`, r.inChannels);
  addConv(shapes, { key: `${r.key}.conv1`, inChannels: r.inChannels, outChannels: r.outChannels, kernel: 3 });
  if (r.timeEmbedDim !== null) addLinear(shapes, `${r.key}.time_emb_proj`, r.timeEmbedDim, 2 * r.outChannels);
  addNorm(shapes, `${r.key}.norm2`, r.outChannels);
  addConv(shapes, { key: `${r.key}.conv2`, inChannels: r.outChannels, outChannels: r.outChannels, kernel: 3 });
  if (r.inChannels !== r.outChannels) addConv(shapes, { key: `${r.key}.conv_shortcut`, inChannels: r.inChannels, outChannels: r.outChannels, kernel: 1 });
}

function addLayout(shapes: Shapes, layout: NetLayout, extra: readonly LevelSpec[] = []): void {
  addConv(shapes, layout.convIn);
  for (const level of [...layout.levels, ...extra]) {
    level.resnets.forEach((r) => addResnet(shapes, r));
    if (level.resample) addConv(shapes, level.resample);
  }
  layout.mid.forEach((r) => addResnet(shapes, r));
  addNorm(shapes, layout.normOut.key, layout.normOut.channels);
  addConv(shapes, layout.convOut);
}

/** Every weight key of a small VAE with its dims (encoder and decoder). */
export function smallVaeWeightShapes(config: SmallVaeConfig): Map<string, number[]> {
  const shapes: Shapes = new Map();
  for (const layout of [smallVaeEncoderLayout(config), smallVaeDecoderLayout(config)]) {
    checkGroups('small VAE', layoutResnets(layout), layout.normOut.channels, config.normNumGroups);
    addLayout(shapes, layout);
  }
  return shapes;
}

/** Every weight key of a small denoiser with its dims. */
export function smallDenoiserWeightShapes(config: SmallDenoiserConfig): Map<string, number[]> {
  const shapes: Shapes = new Map();
  const { down, up } = smallDenoiserLayout(config);
  checkGroups('small denoiser', layoutResnets(down, up), down.normOut.channels, config.normNumGroups);
  const t = config.timeEmbedDim;
  addLinear(shapes, 'time_embedding.linear_1', TIMESTEP_CHANNELS, t);
  addLinear(shapes, 'time_embedding.linear_2', t, t);
  addLinear(shapes, 'style_embedding.linear_1', config.styleEmbedDim, t);
  addLinear(shapes, 'style_embedding.linear_2', t, t);
  shapes.set(NULL_STYLE_KEY, [config.styleEmbedDim]);
  addLayout(shapes, down, up);
  return shapes;
}

/** A 32-bit FNV-1a hash of the key mixed with the seed, so each weight's values do not depend on creation order. */
function keySeed(key: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Standard normal samples from mulberry32 and Box–Muller. */
function normals(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 2 ** 32;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const [r, a] = [Math.sqrt(-2 * Math.log(uniform())), 2 * Math.PI * uniform()];
    out[i] = r * Math.cos(a);
    if (i + 1 < n) out[i + 1] = r * Math.sin(a);
  }
  return out;
}

/**
 * Kaiming-normal gain of a weight: √2 for layers fed by SiLU, 1 for those fed by images, latents, skips or
 * embeddings, and half of √2 for the conv closing each residual branch so the residual stream grows slowly.
 */
function gain(key: string): number {
  if (/\.conv2\.weight$/.test(key)) return Math.SQRT1_2;
  if (/(conv1|conv_out|linear_2|time_emb_proj)\.weight$/.test(key)) return Math.SQRT2;
  return 1;
}

/** One weight's initial value: norm scales 1, biases and the null embedding 0, other weights N(0, gain²/fan_in). */
function initWeight(key: string, dims: readonly number[], seed: number): WeightTensor {
  const size = dims.reduce((p, d) => p * d, 1);
  if (/norm[^.]*\.weight$/.test(key)) return { dims, data: new Float32Array(size).fill(1) };
  if (key.endsWith('.bias') || key === NULL_STYLE_KEY) return { dims, data: new Float32Array(size) };
  const fanIn = size / (dims[0] as number);
  const data = normals(size, keySeed(key, seed));
  const std = gain(key) / Math.sqrt(fanIn);
  for (let i = 0; i < size; i++) data[i]! *= std;
  return { dims, data };
}

const initAll = (shapes: Map<string, number[]>, seed: number): Map<string, WeightTensor> =>
  new Map([...shapes].map(([key, dims]) => [key, initWeight(key, dims, seed)]));

/**
 * Freshly initialised small VAE weights, the same for the same config and seed. Under the pixel-shuffle skip both
 * conv_out weights start at zero, so the untrained VAE is the exact space-to-depth and its inverse.
 */
export function initSmallVae(config: SmallVaeConfig, seed = 0): Map<string, WeightTensor> {
  const weights = initAll(smallVaeWeightShapes(config), seed);
  if (config.pixelShuffleSkip) {
    for (const key of ['encoder.conv_out.weight', 'decoder.conv_out.weight']) (weights.get(key) as WeightTensor).data.fill(0);
    // log-variance starts at −10 (σ ≈ 0.007): posterior samples stay close to the exact stem from the first step
    (weights.get('encoder.conv_out.bias') as WeightTensor).data.fill(-10, config.latentChannels);
  }
  return weights;
}

/** Freshly initialised small denoiser weights, the same for the same config and seed. */
export const initSmallDenoiser = (config: SmallDenoiserConfig, seed = 0): Map<string, WeightTensor> => initAll(smallDenoiserWeightShapes(config), seed);
