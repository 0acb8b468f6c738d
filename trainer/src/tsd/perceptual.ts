/**
 * Choosing the perceptual term of the data loss. LPIPS needs pretrained network weights that cannot be
 * downloaded here, so the default is the documented substitute L1 + (1 − SSIM); `--lpips-weights FILE`
 * names a user-supplied safetensors file, which is opened and checked, but LPIPS as a graph is not built yet.
 */
import { openSafetensors } from '../../../models/io/index.ts';
import type { PerceptualTerm } from './losses.ts';
import { l1SsimLoss } from './ssim.ts';

/** Which perceptual term: the substitute, or LPIPS from a weights file. */
export type PerceptualLossOptions = { kind: 'l1-ssim' } | { kind: 'lpips'; weightsPath: string };

/** A perceptual term and the name the run's log and `model.json` record for it. */
export interface PerceptualLoss {
  name: string;
  build: PerceptualTerm;
}

/** The name recorded for the substitute. */
export const L1_SSIM_NAME = 'l1+(1-ssim)';

/** Thrown when LPIPS weights are given: the LPIPS network is not yet built as a graph. */
export class LpipsNotSupportedError extends Error {
  override readonly name = 'LpipsNotSupportedError';
}

/** The perceptual term for the options (`--lpips-weights` present → lpips); LPIPS currently rejects after checking the file. */
export async function loadPerceptualLoss(options: PerceptualLossOptions = { kind: 'l1-ssim' }): Promise<PerceptualLoss> {
  if (options.kind === 'l1-ssim') return { name: L1_SSIM_NAME, build: (g, x, y) => l1SsimLoss(g, x, y) };
  const reader = await openSafetensors(options.weightsPath);
  const count = reader.names.length;
  await reader.close();
  throw new LpipsNotSupportedError(
    `--lpips-weights ${options.weightsPath}: read ${count} tensors, but LPIPS is not yet supported as a graph in tsdsr; ` +
    `leave out --lpips-weights to train with the documented substitute ${L1_SSIM_NAME}`,
  );
}
