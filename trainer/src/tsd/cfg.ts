/** Denoisers as graph-building callbacks, and classifier-free guidance over them. */
import { add, mul, sub, type Graph, type Value } from '../../../models/graph/index.ts';

/**
 * A denoiser as a graph builder: noisy latent [B, C, H, W], timestep [1] on the 0..T scale (broadcast over the
 * batch), condition (model-specific: SD3 text embeddings, a style embedding...) → flow-matching velocity.
 */
export type Denoiser<C> = (g: Graph, latent: Value, timestep: Value, condition: C) => Value;

/** Classifier-free guidance settings: the prompt's condition, the null-prompt condition, the scale (official 7.5). */
export interface Guidance<C> {
  condition: C;
  nullCondition: C;
  scale: number;
}

/** The TSD-SR guidance scale for teacher and reg model. */
export const TSD_GUIDANCE_SCALE = 7.5;

/** pred = uncond + scale · (cond − uncond); with scale 1 only the conditional branch is built. */
export function guidedVelocity<C>(g: Graph, denoiser: Denoiser<C>, latent: Value, timestep: Value, guidance: Guidance<C>): Value {
  const cond = denoiser(g, latent, timestep, guidance.condition);
  if (guidance.scale === 1) return cond;
  const uncond = denoiser(g, latent, timestep, guidance.nullCondition);
  return add(g, uncond, mul(g, sub(g, cond, uncond), guidance.scale));
}
