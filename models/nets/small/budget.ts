/** The student's inference cost (encoder + denoiser + decoder) per output megapixel, from graphs built at a fixed size. */
import { MapWeightSource } from '../weights.ts';
import { SMALL_DENOISER_CONFIG, SMALL_VAE_CONFIG, smallVaeLatentFactor, type SmallDenoiserConfig, type SmallVaeConfig } from './config.ts';
import { smallDenoiserGraph } from './denoiser.ts';
import { countFlops } from './flops.ts';
import { initSmallDenoiser, initSmallVae } from './init.ts';
import { smallVaeDecoderGraph, smallVaeEncoderGraph } from './vae.ts';

/** FLOPs of each student graph for one square output, and their sum per output megapixel. */
export interface StudentFlops {
  sizePx: number;
  encoder: number;
  denoiser: number;
  decoder: number;
  total: number;
  gflopsPerMegapixel: number;
}

/** Counts the student's FLOPs for one `sizePx`² output (a multiple of the latent factor and denoiser multiple). */
export function studentFlops(vae: SmallVaeConfig = SMALL_VAE_CONFIG, denoiser: SmallDenoiserConfig = SMALL_DENOISER_CONFIG, sizePx = 256): StudentFlops {
  const vaeWeights = new MapWeightSource(initSmallVae(vae));
  const latentPx = sizePx / smallVaeLatentFactor(vae);
  const pixels = { batch: 1, height: sizePx, width: sizePx };
  const cells = { batch: 1, height: latentPx, width: latentPx };
  const encoder = countFlops(smallVaeEncoderGraph(vaeWeights, vae, pixels));
  const decoder = countFlops(smallVaeDecoderGraph(vaeWeights, vae, cells));
  const denoiserFlops = countFlops(smallDenoiserGraph(new MapWeightSource(initSmallDenoiser(denoiser)), denoiser, cells));
  const total = encoder + denoiserFlops + decoder;
  return { sizePx, encoder, denoiser: denoiserFlops, decoder, total, gflopsPerMegapixel: total / 1e9 / ((sizePx * sizePx) / 1e6) };
}
