/** Configuration of the small CPU-sized family: a space-to-depth VAE and a conditioned conv UNet denoiser. */

/** The small VAE: space-to-depth stem, GroupNorm/SiLU ResNet blocks at ≤ 1/4 resolution, depth-to-space head. */
export interface SmallVaeConfig {
  inChannels: number;
  outChannels: number;
  /** SpaceToDepth block of the encoder stem and DepthToSpace block of the decoder head. */
  stemFactor: number;
  /** Encoder widths per level; level i runs at 1/(stem·2^i) of the image size. */
  encoderChannels: readonly number[];
  /** Decoder widths per level, from the latent's level up to the head's (same count as the encoder's). */
  decoderChannels: readonly number[];
  encoderLayersPerBlock: number;
  decoderLayersPerBlock: number;
  /** ResNet blocks in each mid block. */
  midLayers: number;
  normNumGroups: number;
  /** GroupNorm epsilon (default SMALL_NORM_EPS, diffusers' 1e-6). */
  normEps?: number;
  latentChannels: number;
  /** Multiplies the posterior mean before the denoiser (measured after VAE training; 1 until then). */
  scalingFactor: number;
  shiftFactor: number;
  /**
   * Pixel-shuffle skip: the encoder's mean adds SpaceToDepth(image) and the decoder adds its latent before the
   * DepthToSpace head, with both conv_out weights starting at zero, so the VAE starts as the exact, invertible
   * space-to-depth and training learns a residual. Needs one encoder level and latentChannels = channels · stem².
   */
  pixelShuffleSkip?: boolean;
}

/** The small denoiser: a conv UNet on latents, conditioned on the timestep and a style embedding vector. */
export interface SmallDenoiserConfig {
  inChannels: number;
  outChannels: number;
  /** Widths per UNet level; level i runs at 1/2^i of the latent size. */
  blockOutChannels: readonly number[];
  layersPerBlock: number;
  midLayers: number;
  normNumGroups: number;
  /** GroupNorm epsilon (default SMALL_NORM_EPS, diffusers' 1e-6). */
  normEps?: number;
  /** Width of the conditioning vector (timestep MLP + style MLP). */
  timeEmbedDim: number;
  /** Width of the style embedding that stands in for the text prompt. */
  styleEmbedDim: number;
}

/** GroupNorm epsilon of every small-family block (diffusers' VAE value). */
export const SMALL_NORM_EPS = 1e-6;

/** Default small VAE: 16 latent channels at factor 8 (4 from the stem, 2 from one down-sampling level). */
export const SMALL_VAE_CONFIG: Readonly<SmallVaeConfig> = Object.freeze({
  inChannels: 3,
  outChannels: 3,
  stemFactor: 4,
  encoderChannels: Object.freeze([32, 64]),
  decoderChannels: Object.freeze([96, 48]),
  encoderLayersPerBlock: 1,
  decoderLayersPerBlock: 1,
  midLayers: 1,
  normNumGroups: 16,
  latentChannels: 16,
  scalingFactor: 1,
  shiftFactor: 0,
});

/** Default small denoiser: three UNet levels (latent/1, /2, /4) on 16-channel latents. */
export const SMALL_DENOISER_CONFIG: Readonly<SmallDenoiserConfig> = Object.freeze({
  inChannels: 16,
  outChannels: 16,
  blockOutChannels: Object.freeze([32, 64, 128]),
  layersPerBlock: 1,
  midLayers: 2,
  normNumGroups: 16,
  timeEmbedDim: 128,
  styleEmbedDim: 64,
});

/**
 * The fast preset (the shipped default model's): a pixel-shuffle-skip VAE at factor 4 (48 channels, lossless at
 * the start, with thin residual nets) and a three-level UNet on the LR-sized latent, small enough for a 2048² output in seconds on a laptop CPU.
 * Its GroupNorm epsilon is 0.1, not 1e-6: a tile of flat colour or a smooth gradient has almost no variance, and
 * normalising it by √(σ² + 1e-6) blows rounding noise up into visible patterns.
 */
export const FAST_VAE_CONFIG: Readonly<SmallVaeConfig> = Object.freeze({
  inChannels: 3,
  outChannels: 3,
  stemFactor: 4,
  encoderChannels: Object.freeze([8]),
  decoderChannels: Object.freeze([8]),
  encoderLayersPerBlock: 0,
  decoderLayersPerBlock: 0,
  midLayers: 0,
  normNumGroups: 8,
  normEps: 0.1,
  latentChannels: 48,
  scalingFactor: 1,
  shiftFactor: 0,
  pixelShuffleSkip: true,
});

/** The fast preset's denoiser: three UNet levels (latent/1, /2, /4) on 48-channel latents; 14.3 GFLOP per output Mpx in all. */
export const FAST_DENOISER_CONFIG: Readonly<SmallDenoiserConfig> = Object.freeze({
  inChannels: 48,
  outChannels: 48,
  blockOutChannels: Object.freeze([16, 32, 64]),
  layersPerBlock: 1,
  midLayers: 1,
  normNumGroups: 8,
  normEps: 0.1,
  timeEmbedDim: 128,
  styleEmbedDim: 64,
});

/** Pixels per latent cell along each axis: the stem's block times 2 per further encoder level. */
export const smallVaeLatentFactor = (config: SmallVaeConfig): number => config.stemFactor * 2 ** (config.encoderChannels.length - 1);

/** Latent sizes must be multiples of this (one cell per 2× down-sampling of the UNet). */
export const smallDenoiserMultiple = (config: SmallDenoiserConfig): number => 2 ** (config.blockOutChannels.length - 1);
