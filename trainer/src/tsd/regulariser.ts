/**
 * The TSD regulariser's target as a graph: noise the student and HQ latents at the DASM start sigma, then for
 * each DASM step accumulate vsd = v_teacher(ẑ_t) − v_reg(ẑ_t) and tsm = v_teacher(ẑ_t) − v_teacher(z_t), each
 * × sigma² × step weight, and move ẑ_t with the reg model's velocity and z_t with the teacher's (Euler).
 * Everything here is stop-gradient: nothing flows back through teacher or reg model.
 */
import { add, gather, mul, stopGradient, sub, type Graph, type TensorData, type Value } from '../../../models/graph/index.ts';
import { tensorFrom } from '../../../models/graph/index.ts';
import { guidedVelocity, type Denoiser, type Guidance } from './cfg.ts';
import type { DasmPlan } from './dasm.ts';

/** The default mix of the two residuals: g = λ·vsd + (1 − λ)·tsm. */
export const TSD_LAMBDA = 0.7;

/** One DASM step's numbers as graph values (each [1], broadcast against latents). */
export interface DasmStepValues {
  sigma: Value;
  nextSigma: Value;
  timestep: Value;
  weight: Value;
}

/** Inputs of the regulariser target. */
export interface TsdRegulariserArgs<C> {
  /** The student's latent ẑ (a stop-gradient is applied here). */
  zHat: Value;
  /** The HQ latent z. */
  zHigh: Value;
  /** ε, shared by both paths. */
  noise: Value;
  steps: readonly DasmStepValues[];
  teacher: Denoiser<C>;
  reg: Denoiser<C>;
  guidance: Guidance<C>;
  /** λ of g = λ·vsd + (1 − λ)·tsm (default 0.7). */
  lambda?: number;
}

/** The target g and its two parts, all stop-gradient values. */
export interface TsdTarget {
  grad: Value;
  vsd: Value;
  tsm: Value;
}

/** Graph input names of the DASM numbers, fed each step from a plan. */
export const dasmInputNames = (prefix = 'dasm') => ({ sigmas: `${prefix}_sigmas`, timesteps: `${prefix}_timesteps`, weights: `${prefix}_weights` });

/** Declares the DASM inputs (sigmas [N + 1], timesteps [N], weights [N]) and slices them into per-step values. */
export function declareDasmInputs(g: Graph, steps: number, prefix = 'dasm'): DasmStepValues[] {
  const names = dasmInputNames(prefix);
  const sigmas = g.input(names.sigmas, 'float32', [steps + 1]);
  const timesteps = g.input(names.timesteps, 'float32', [steps]);
  const weights = g.input(names.weights, 'float32', [steps]);
  return Array.from({ length: steps }, (_, k) => ({
    sigma: gather(g, sigmas, [k]), nextSigma: gather(g, sigmas, [k + 1]),
    timestep: gather(g, timesteps, [k]), weight: gather(g, weights, [k]),
  }));
}

/** The feeds of `declareDasmInputs` for one plan, as float32 tensor data by input name. */
export function dasmFeeds(plan: DasmPlan, prefix = 'dasm'): Record<string, TensorData> {
  const names = dasmInputNames(prefix);
  const last = plan.steps[plan.steps.length - 1];
  if (!last) throw new RangeError('dasmFeeds: the plan has no steps');
  const n = plan.steps.length;
  return {
    [names.sigmas]: tensorFrom('float32', [n + 1], [...plan.steps.map((s) => s.sigma), last.nextSigma]),
    [names.timesteps]: tensorFrom('float32', [n], plan.steps.map((s) => s.timestep)),
    [names.weights]: tensorFrom('float32', [n], plan.steps.map((s) => s.weight)),
  };
}

/** Flow-matching noising: sigma·ε + (1 − sigma)·x. */
export function noisyLatent(g: Graph, x: Value, noise: Value, sigma: Value | number): Value {
  const keep = typeof sigma === 'number' ? 1 - sigma : sub(g, 1, sigma);
  return add(g, mul(g, noise, sigma), mul(g, x, keep));
}

/** The running state of the two DASM paths and the two accumulated residuals. */
export interface DasmState {
  zHatT: Value;
  zT: Value;
  vsd: Value | null;
  tsm: Value | null;
}

/** One DASM step: residuals at this sigma added to the sums, then (unless `last`) the Euler moves of both paths. */
export function dasmStepGraph<C>(g: Graph, state: DasmState, step: DasmStepValues, args: TsdRegulariserArgs<C>, last: boolean): DasmState {
  const teacherHat = guidedVelocity(g, args.teacher, state.zHatT, step.timestep, args.guidance);
  const teacherHigh = guidedVelocity(g, args.teacher, state.zT, step.timestep, args.guidance);
  const regHat = guidedVelocity(g, args.reg, state.zHatT, step.timestep, args.guidance);
  const scale = mul(g, mul(g, step.sigma, step.sigma), step.weight);
  const vsd = mul(g, sub(g, teacherHat, regHat), scale);
  const tsm = mul(g, sub(g, teacherHat, teacherHigh), scale);
  const sums = { vsd: state.vsd ? add(g, state.vsd, vsd) : vsd, tsm: state.tsm ? add(g, state.tsm, tsm) : tsm };
  if (last) return { zHatT: state.zHatT, zT: state.zT, ...sums };
  const dSigma = sub(g, step.sigma, step.nextSigma);
  return { zHatT: sub(g, state.zHatT, mul(g, regHat, dSigma)), zT: sub(g, state.zT, mul(g, teacherHigh, dSigma)), ...sums };
}

/** Builds the whole target g = λ·vsd + (1 − λ)·tsm over all DASM steps (stop-gradient throughout). */
export function tsdRegulariserTarget<C>(g: Graph, args: TsdRegulariserArgs<C>): TsdTarget {
  const first = args.steps[0];
  if (!first) throw new RangeError('tsdRegulariserTarget: needs at least one DASM step');
  const [zHat, zHigh, noise] = [args.zHat, args.zHigh, args.noise].map((v) => stopGradient(g, v)) as [Value, Value, Value];
  let state: DasmState = { zHatT: noisyLatent(g, zHat, noise, first.sigma), zT: noisyLatent(g, zHigh, noise, first.sigma), vsd: null, tsm: null };
  args.steps.forEach((step, k) => {
    state = dasmStepGraph(g, state, step, args, k === args.steps.length - 1);
  });
  const lambda = args.lambda ?? TSD_LAMBDA;
  const vsd = stopGradient(g, state.vsd as Value);
  const tsm = stopGradient(g, state.tsm as Value);
  return { grad: stopGradient(g, add(g, mul(g, vsd, lambda), mul(g, tsm, 1 - lambda))), vsd, tsm };
}
