/** Random draws the TSD pieces need, from an injected uniform source so the trainer owns seeding and resume. */

/** A source of uniform floats in [0, 1); the trainer passes its seeded, checkpointed generator. */
export type UniformSource = () => number;

/** An integer drawn uniformly from [low, high), like `torch.randint(low, high)`. */
export function randomInt(uniform: UniformSource, low: number, high: number): number {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) throw new RangeError(`randomInt: empty range [${low}, ${high})`);
  return low + Math.min(high - low - 1, Math.floor(uniform() * (high - low)));
}

/** A standard normal draw (Box–Muller on two uniforms). */
export function standardNormal(uniform: UniformSource): number {
  const u1 = 1 - uniform(); // in (0, 1], so the log is finite
  const u2 = uniform();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
