/** SD3's VAE (diffusers AutoencoderKL): config, encoder (posterior mean) and decoder graphs. */
export { SD3_VAE_CONFIG, VAE_NORM_EPS, vaeConfigFromDiffusers, vaeLatentFactor, type VaeConfig } from './config.ts';
export { vaeDecoder, vaeDecoderGraph, vaeEncoder, vaeEncoderGraph, type VaeGraphSize } from './vae.ts';
