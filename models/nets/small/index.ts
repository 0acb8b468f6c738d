/** The small CPU-sized family: a space-to-depth VAE and a timestep- and style-conditioned conv UNet denoiser, with initialisers and FLOP counts; and a patch discriminator for adversarial training. */
export {
  FAST_DENOISER_CONFIG, FAST_VAE_CONFIG, SMALL_DENOISER_CONFIG, SMALL_NORM_EPS, SMALL_VAE_CONFIG, smallDenoiserMultiple, smallVaeLatentFactor,
  type SmallDenoiserConfig, type SmallVaeConfig,
} from './config.ts';
export { NULL_STYLE_KEY, initSmallDenoiser, initSmallVae, smallDenoiserWeightShapes, smallVaeWeightShapes } from './init.ts';
export {
  sampleLatent, smallVaeDecoder, smallVaeDecoderGraph, smallVaeEncoder, smallVaeEncoderGraph, smallVaeEncoderMoments,
  type SmallGraphSize, type SmallVaeMoments,
} from './vae.ts';
export {
  SMALL_DENOISER_LORA_TARGETS, SMALL_VAE_ENCODER_LORA_TARGETS, smallDenoiser, smallDenoiserGraph, smallStudentDenoiserGraph,
  type SmallDenoiserInputs,
} from './denoiser.ts';
export { countFlops } from './flops.ts';
export { studentFlops, type StudentFlops } from './budget.ts';
export { PATCH_DISCRIMINATOR_CONFIG, patchDiscriminator, patchDiscriminatorFeatures, patchDiscriminatorWeightShapes, type PatchDiscriminatorConfig } from './discriminator.ts';
