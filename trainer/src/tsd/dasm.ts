/**
 * The Distribution-Aware Sampling Module's index arithmetic: from a start index i, N steps along
 * linspace(i, min(i + s·N + bias, last), N + 1) truncated to integers (torch float32 linspace, then `.long()`),
 * each step with its sigma, the next sigma (for the Euler update) and a weight. Pure numbers; the graph
 * side is in regulariser.ts.
 */
import { randomInt, type UniformSource } from './random.ts';
import { flowMatchingSigma, flowMatchingTimestep, type FlowMatchSchedule } from './schedule.ts';
import { TSD_INDEX_RANGE } from './weighting.ts';

/** DASM settings (paper: N = 4, s = 50; official: random bias on, weights 1.0, 0.3, 0.3, 0.3). */
export interface DasmOptions {
  /** N, the number of steps (1 = plain TSD without DASM, as the official script runs without `--use_dasm`). */
  steps?: number;
  /** s, the index distance of one step. */
  stepSize?: number;
  /** Draw a bias in [floor(−s/2), floor(s/2)) for the trajectory's end index. */
  randomBias?: boolean;
  /** Weight per step; defaults to 1 for the first and 0.3 for every later step. */
  stepWeights?: readonly number[];
  /** Where the start index is drawn, [low, high). */
  indexRange?: readonly [number, number];
}

/** The defaults of DASM. */
export const DASM_DEFAULTS: Readonly<Required<Omit<DasmOptions, 'stepWeights'>>> = Object.freeze({
  steps: 4, stepSize: 50, randomBias: true, indexRange: TSD_INDEX_RANGE,
});

/** One DASM step: evaluate the models at `index`, then move the paths from `sigma` to `nextSigma`. */
export interface DasmStep {
  index: number;
  nextIndex: number;
  sigma: number;
  nextSigma: number;
  /** The denoisers' timestep at `index` (sigma · T). */
  timestep: number;
  weight: number;
}

/** One sampled DASM trajectory. */
export interface DasmPlan {
  startIndex: number;
  bias: number;
  /** The N + 1 indices of the linspace. */
  indices: number[];
  steps: DasmStep[];
}

/** The default step weights for N steps: [1, 0.3, 0.3, ...]. */
export function dasmStepWeights(steps: number): number[] {
  return Array.from({ length: steps }, (_, k) => (k === 0 ? 1.0 : 0.3));
}

/** torch.linspace(start, end, count) in float32 (first half from the start, second half from the end), truncated like `.long()`. */
export function truncatedLinspace(start: number, end: number, count: number): number[] {
  const f = Math.fround;
  if (count === 1) return [Math.trunc(start)];
  const step = f(f(f(end) - f(start)) / f(count - 1));
  const halfway = Math.floor(count / 2);
  return Array.from({ length: count }, (_, k) =>
    Math.trunc(k < halfway ? f(f(start) + f(step * k)) : f(f(end) - f(step * (count - k - 1)))));
}

/** The N + 1 trajectory indices: linspace(start, min(start + s·N + bias, last), N + 1) as integers. */
export function dasmIndices(start: number, steps: number, stepSize: number, bias: number, lastIndex: number): number[] {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`DASM: steps must be a positive integer, got ${steps}`);
  const end = Math.min(start + stepSize * steps + bias, lastIndex);
  return truncatedLinspace(start, end, steps + 1);
}

/** The bias range [floor(−s/2), floor(s/2)) of `torch.randint(-s // 2, s // 2)`. */
export function dasmBiasRange(stepSize: number): [number, number] {
  return [Math.floor(-stepSize / 2), Math.floor(stepSize / 2)];
}

/** Builds the plan for a given start index and bias (deterministic; tests and resume use it directly). */
export function planDasm(schedule: FlowMatchSchedule, startIndex: number, bias: number, options: DasmOptions = {}): DasmPlan {
  const o = { ...DASM_DEFAULTS, ...options };
  const weights = options.stepWeights ?? dasmStepWeights(o.steps);
  if (weights.length < o.steps) throw new RangeError(`DASM: ${weights.length} step weights for ${o.steps} steps`);
  const indices = dasmIndices(startIndex, o.steps, o.stepSize, bias, schedule.numTrainTimesteps - 1);
  const steps = indices.slice(0, o.steps).map((index, k): DasmStep => {
    const nextIndex = indices[k + 1] as number;
    return {
      index, nextIndex, weight: weights[k] as number,
      sigma: flowMatchingSigma(schedule, index), nextSigma: flowMatchingSigma(schedule, nextIndex),
      timestep: flowMatchingTimestep(schedule, index),
    };
  });
  return { startIndex, bias, indices, steps };
}

/** Draws a start index in the index range and (optionally) a bias, in that order, then plans the trajectory. */
export function sampleDasmPlan(schedule: FlowMatchSchedule, uniform: UniformSource, options: DasmOptions = {}): DasmPlan {
  const o = { ...DASM_DEFAULTS, ...options };
  const startIndex = randomInt(uniform, o.indexRange[0], o.indexRange[1]);
  const bias = o.randomBias ? randomInt(uniform, ...dasmBiasRange(o.stepSize)) : 0;
  return planDasm(schedule, startIndex, bias, options);
}
