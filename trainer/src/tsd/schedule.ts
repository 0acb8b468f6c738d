/**
 * The flow-matching training schedule of SD3 (diffusers' FlowMatchEulerDiscreteScheduler at construction, as
 * the TSD-SR training code uses it): index 0 is sigma = 1 (t = 1000), the last index the least noise.
 * Computed in float32 step by step as torch does, so sigmas match the reference bit for bit.
 */

/** Options of the schedule: number of training steps and the static shift (SD3: 1000 and 3.0). */
export interface FlowMatchScheduleOptions {
  numTrainTimesteps?: number;
  shift?: number;
}

/** The schedule's tables, both indexed by step index (0 = pure noise). */
export interface FlowMatchSchedule {
  readonly numTrainTimesteps: number;
  readonly shift: number;
  /** sigma per index: shift·s / (1 + (shift − 1)·s) with s = (T − i) / T. */
  readonly sigmas: Float32Array;
  /** The denoiser's timestep per index: sigma · T. */
  readonly timesteps: Float32Array;
}

/** Defaults of the SD3 scheduler config: 1000 steps, shift 3.0. */
export const SD3_SCHEDULE: Readonly<Required<FlowMatchScheduleOptions>> = Object.freeze({ numTrainTimesteps: 1000, shift: 3.0 });

const f32 = Math.fround;

/** The shifted sigma of one unshifted sigma s, rounded like torch's float32 ops. */
export function shiftSigma(s: number, shift: number): number {
  return f32(f32(f32(shift) * s) / f32(1 + f32(f32(shift - 1) * s)));
}

/** Builds the training schedule (sigmas and timesteps for every index). */
export function flowMatchingSchedule(options: FlowMatchScheduleOptions = {}): FlowMatchSchedule {
  const { numTrainTimesteps: n, shift } = { ...SD3_SCHEDULE, ...options };
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`flowMatchingSchedule: numTrainTimesteps must be an integer ≥ 2, got ${n}`);
  if (!(shift > 0)) throw new RangeError(`flowMatchingSchedule: shift must be positive, got ${shift}`);
  const sigmas = new Float32Array(n);
  const timesteps = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const unshifted = f32((n - i) / n);
    sigmas[i] = shiftSigma(unshifted, shift);
    timesteps[i] = f32((sigmas[i] as number) * n);
  }
  return Object.freeze({ numTrainTimesteps: n, shift, sigmas, timesteps });
}

/** sigma at a step index, with a range check. */
export function flowMatchingSigma(schedule: FlowMatchSchedule, index: number): number {
  return schedule.sigmas[checkIndex(schedule, index)] as number;
}

/** The denoiser's timestep (sigma · T) at a step index, with a range check. */
export function flowMatchingTimestep(schedule: FlowMatchSchedule, index: number): number {
  return schedule.timesteps[checkIndex(schedule, index)] as number;
}

function checkIndex(schedule: FlowMatchSchedule, index: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= schedule.numTrainTimesteps) {
    throw new RangeError(`flow-matching schedule: index ${index} outside [0, ${schedule.numTrainTimesteps})`);
  }
  return index;
}
