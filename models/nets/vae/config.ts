/** Configuration of diffusers' AutoencoderKL as SD3 uses it, read from a diffusers `config.json`. */

/** The parts of AutoencoderKL's config our graphs need (DownEncoderBlock2D / UpDecoderBlock2D blocks only). */
export interface VaeConfig {
  inChannels: number;
  outChannels: number;
  blockOutChannels: readonly number[];
  layersPerBlock: number;
  normNumGroups: number;
  latentChannels: number;
  /** A 1×1 conv on the moments after the encoder (false in SD3). */
  useQuantConv: boolean;
  /** A 1×1 conv on the latent before the decoder (false in SD3). */
  usePostQuantConv: boolean;
  midBlockAddAttention: boolean;
  scalingFactor: number;
  shiftFactor: number;
}

/** Stable Diffusion 3 medium's VAE (16 latent channels, 8× down-sampling). */
export const SD3_VAE_CONFIG: Readonly<VaeConfig> = Object.freeze({
  inChannels: 3,
  outChannels: 3,
  blockOutChannels: Object.freeze([128, 256, 512, 512]),
  layersPerBlock: 2,
  normNumGroups: 32,
  latentChannels: 16,
  useQuantConv: false,
  usePostQuantConv: false,
  midBlockAddAttention: true,
  scalingFactor: 1.5305,
  shiftFactor: 0.0609,
});

/** GroupNorm epsilon used throughout diffusers' VAE encoder and decoder. */
export const VAE_NORM_EPS = 1e-6;

const num = (json: Record<string, unknown>, key: string, fallback: number): number => {
  const v = json[key] ?? fallback;
  if (typeof v !== 'number') throw new Error(`AutoencoderKL config: ${key} must be a number, got ${JSON.stringify(v)}`);
  return v;
};

const flag = (json: Record<string, unknown>, key: string, fallback: boolean): boolean => {
  const v = json[key] ?? fallback;
  if (typeof v !== 'boolean') throw new Error(`AutoencoderKL config: ${key} must be a boolean, got ${JSON.stringify(v)}`);
  return v;
};

function checkBlockTypes(json: Record<string, unknown>): void {
  const ok = (key: string, expected: string): boolean => {
    const types = json[key];
    return types === undefined || (Array.isArray(types) && types.every((t) => t === expected));
  };
  if (!ok('down_block_types', 'DownEncoderBlock2D') || !ok('up_block_types', 'UpDecoderBlock2D')) {
    throw new Error('AutoencoderKL config: only DownEncoderBlock2D / UpDecoderBlock2D blocks are supported');
  }
  if (json.act_fn !== undefined && json.act_fn !== 'silu') throw new Error(`AutoencoderKL config: act_fn ${String(json.act_fn)} is not supported`);
}

/** Reads a diffusers AutoencoderKL `config.json` (diffusers' defaults for absent keys). */
export function vaeConfigFromDiffusers(json: Record<string, unknown>): VaeConfig {
  checkBlockTypes(json);
  const channels = json.block_out_channels ?? [64];
  if (!Array.isArray(channels) || !channels.every((c) => typeof c === 'number')) throw new Error('AutoencoderKL config: block_out_channels must be numbers');
  return {
    inChannels: num(json, 'in_channels', 3),
    outChannels: num(json, 'out_channels', 3),
    blockOutChannels: channels as number[],
    layersPerBlock: num(json, 'layers_per_block', 1),
    normNumGroups: num(json, 'norm_num_groups', 32),
    latentChannels: num(json, 'latent_channels', 4),
    useQuantConv: flag(json, 'use_quant_conv', true),
    usePostQuantConv: flag(json, 'use_post_quant_conv', true),
    midBlockAddAttention: flag(json, 'mid_block_add_attention', true),
    scalingFactor: num(json, 'scaling_factor', 0.18215),
    shiftFactor: json.shift_factor === null ? 0 : num(json, 'shift_factor', 0),
  };
}

/** Pixels per latent cell along each axis: 2 per down-sampling block. */
export const vaeLatentFactor = (config: VaeConfig): number => 2 ** (config.blockOutChannels.length - 1);
