/** Learning-rate schedule: linear warm-up, then cosine with hard restarts (diffusers' `cosine_with_restarts`). */

/** Settings of the schedule. */
export interface LrScheduleOptions {
  /** Peak learning rate. */
  base: number;
  /** Steps of linear warm-up from 0 to `base`. */
  warmupSteps: number;
  /** Total training steps. */
  totalSteps: number;
  /** Cosine cycles after warm-up (1 = plain cosine decay). */
  cycles: number;
}

/** The learning rate fed at 1-based `step`: warm-up to base, then cosine cycles that restart at base. */
export function learningRateAt(o: LrScheduleOptions, step: number): number {
  const k = step - 1;
  if (k < o.warmupSteps) return (o.base * (k + 1)) / (o.warmupSteps + 1);
  const progress = (k - o.warmupSteps) / Math.max(1, o.totalSteps - o.warmupSteps);
  if (progress >= 1) return 0;
  return o.base * 0.5 * (1 + Math.cos(Math.PI * ((o.cycles * progress) % 1)));
}
