/** The model pair the loop trains (VAE + denoiser), behind one interface: the small CPU family now, SD3 on a GPU later. */
import type { Graph, Value } from '../../../models/graph/index.ts';
import {
  FAST_DENOISER_CONFIG, FAST_VAE_CONFIG, SMALL_DENOISER_CONFIG, SMALL_VAE_CONFIG, SMALL_DENOISER_LORA_TARGETS, SMALL_VAE_ENCODER_LORA_TARGETS, smallDenoiser, smallDenoiserMultiple, smallStudentDenoiserGraph,
  smallVaeDecoder, smallVaeDecoderGraph, smallVaeEncoder, smallVaeEncoderGraph, smallVaeEncoderMoments, smallVaeLatentFactor,
  type SmallDenoiserConfig, type SmallDenoiserInputs, type SmallVaeConfig, type SmallVaeMoments, type WeightSource,
} from '../../../models/nets/index.ts';
import type { BuildOptions } from '../../../models/nets/internal/params.ts';
import { Rng } from '../data/index.ts';

/** Architecture functions and facts the loop needs; weights are passed in, so one family serves every run. */
export interface LatentFamily {
  readonly name: string;
  readonly latentChannels: number;
  /** Pixels per latent cell. */
  readonly latentFactor: number;
  /** Latent sizes must be multiples of this. */
  readonly latentMultiple: number;
  /** Width of the style (prompt stand-in) embedding. */
  readonly styleDim: number;
  readonly encoderLoraTargets: readonly string[];
  readonly denoiserLoraTargets: readonly string[];
  encoderMoments(g: Graph, w: WeightSource, image: Value, o?: BuildOptions): SmallVaeMoments;
  encoder(g: Graph, w: WeightSource, image: Value, o?: BuildOptions): Value;
  decoder(g: Graph, w: WeightSource, latent: Value, o?: BuildOptions): Value;
  denoiser(g: Graph, w: WeightSource, inputs: SmallDenoiserInputs, o?: BuildOptions): Value;
  /** The three runtime graphs of an exported `tsdsr` model (style and timestep baked into the denoiser). */
  runtimeGraphs(vae: WeightSource, denoiser: WeightSource, style: Float32Array, timestep: number): { encoder: Graph; denoiser: Graph; decoder: Graph };
}

/** Configs of the small family. */
export interface SmallFamilyConfig {
  vae: SmallVaeConfig;
  denoiser: SmallDenoiserConfig;
}

/** Named architecture presets: `small` (factor-8 VAE, three-level UNet) and `fast` (the shipped default's). */
export const SMALL_PRESETS = Object.freeze({
  small: Object.freeze({ vae: SMALL_VAE_CONFIG, denoiser: SMALL_DENOISER_CONFIG }),
  fast: Object.freeze({ vae: FAST_VAE_CONFIG, denoiser: FAST_DENOISER_CONFIG }),
} satisfies Record<string, SmallFamilyConfig>);

export type SmallPresetName = keyof typeof SMALL_PRESETS;

/** The preset of a name, or a clear error listing the names. */
export function smallPreset(name: string): SmallFamilyConfig {
  const preset = (SMALL_PRESETS as Record<string, SmallFamilyConfig>)[name];
  if (!preset) throw new Error(`unknown architecture "${name}"; choose one of ${Object.keys(SMALL_PRESETS).join(', ')}`);
  return preset;
}

/** The small CPU family as a LatentFamily. */
export function smallFamily(config: SmallFamilyConfig): LatentFamily {
  const { vae, denoiser } = config;
  return {
    name: 'small',
    latentChannels: vae.latentChannels,
    latentFactor: smallVaeLatentFactor(vae),
    latentMultiple: smallDenoiserMultiple(denoiser),
    styleDim: denoiser.styleEmbedDim,
    encoderLoraTargets: SMALL_VAE_ENCODER_LORA_TARGETS,
    denoiserLoraTargets: SMALL_DENOISER_LORA_TARGETS,
    encoderMoments: (g, w, image, o) => smallVaeEncoderMoments(g, w, vae, image, o),
    encoder: (g, w, image, o) => smallVaeEncoder(g, w, vae, image, o),
    decoder: (g, w, latent, o) => smallVaeDecoder(g, w, vae, latent, o),
    denoiser: (g, w, inputs, o) => smallDenoiser(g, w, denoiser, inputs, o),
    runtimeGraphs: (vaeW, denW, style, timestep) => ({
      encoder: smallVaeEncoderGraph(vaeW, vae), denoiser: smallStudentDenoiserGraph(denW, denoiser, style, timestep), decoder: smallVaeDecoderGraph(vaeW, vae),
    }),
  };
}

/** A 32-bit FNV-1a hash of a string. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The fixed embedding of a style name: standard normal values seeded by the name (the small family's "prompt"). */
export function styleEmbedding(name: string, dim: number): Float32Array {
  const rng = new Rng(hashString(name), 0x5717e);
  return Float32Array.from({ length: dim }, () => rng.normal());
}
