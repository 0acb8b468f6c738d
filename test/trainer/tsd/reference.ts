// A pure-TS (float64) reference of one whole TSD regulariser computation with fake linear "denoisers",
// written straight from Algorithm 1 and the official loop, to check the graph version end to end.
import { add, conv, mul, tensor, type Graph, type Value } from '../../../models/graph/index.ts';
import type { DasmPlan, Denoiser } from '../../../trainer/src/tsd/index.ts';

/** v = mix · latent (per pixel, over channels) + timeScale · t + condition[c]. */
export interface LinearDenoiser {
  mix: number[][];
  timeScale: number;
}

/** Latent shape [B, C, H, W]. */
export type Shape4 = [number, number, number, number];

/** The fake denoiser on plain arrays. */
export function applyLinear(d: LinearDenoiser, x: readonly number[], shape: Shape4, t: number, condition: readonly number[]): number[] {
  const [b, c, h, w] = shape;
  const plane = h * w;
  const out = new Array<number>(x.length).fill(0);
  for (let n = 0; n < b; n++) {
    for (let o = 0; o < c; o++) {
      for (let p = 0; p < plane; p++) {
        let v = d.timeScale * t + (condition[o] as number);
        for (let i = 0; i < c; i++) v += (d.mix[o]![i] as number) * (x[(n * c + i) * plane + p] as number);
        out[(n * c + o) * plane + p] = v;
      }
    }
  }
  return out;
}

/** The same fake denoiser as a graph callback; the condition is a [1, C, 1, 1] value. */
export function linearDenoiserGraph(d: LinearDenoiser, mixValue?: Value): Denoiser<Value> {
  return (g: Graph, latent: Value, timestep: Value, condition: Value): Value => {
    const c = d.mix.length;
    const mix = mixValue ?? g.constant(tensor('float32', [c, c, 1, 1], Float32Array.from(d.mix.flat())), 'fake_mix');
    return add(g, add(g, conv(g, latent, mix), mul(g, timestep, d.timeScale)), condition);
  };
}

/** Everything one reference computation needs. */
export interface ReferenceArgs {
  zHat: number[];
  zHigh: number[];
  noise: number[];
  shape: Shape4;
  plan: DasmPlan;
  teacher: LinearDenoiser;
  reg: LinearDenoiser;
  condition: number[];
  nullCondition: number[];
  scale: number;
  lambda: number;
}

const zip = (a: readonly number[], b: readonly number[], f: (x: number, y: number) => number): number[] => a.map((x, i) => f(x, b[i] as number));

/** The TSD target g, vsd and tsm in float64, following the official loop step by step. */
export function referenceTsdTarget(r: ReferenceArgs): { grad: number[]; vsd: number[]; tsm: number[] } {
  const cfg = (d: LinearDenoiser, x: number[], t: number): number[] => {
    const cond = applyLinear(d, x, r.shape, t, r.condition);
    const uncond = applyLinear(d, x, r.shape, t, r.nullCondition);
    return zip(uncond, cond, (u, c) => u + r.scale * (c - u));
  };
  const s0 = r.plan.steps[0]!.sigma;
  let noisyHat = zip(r.zHat, r.noise, (z, e) => s0 * e + (1 - s0) * z);
  let noisyHigh = zip(r.zHigh, r.noise, (z, e) => s0 * e + (1 - s0) * z);
  let vsd = r.zHat.map(() => 0);
  let tsm = r.zHat.map(() => 0);
  r.plan.steps.forEach((step, k) => {
    const teacherHat = cfg(r.teacher, noisyHat, step.timestep);
    const teacherHigh = cfg(r.teacher, noisyHigh, step.timestep);
    const regHat = cfg(r.reg, noisyHat, step.timestep);
    const w = step.sigma ** 2 * step.weight;
    vsd = vsd.map((v, i) => v + (teacherHat[i]! - regHat[i]!) * w);
    tsm = tsm.map((v, i) => v + (teacherHat[i]! - teacherHigh[i]!) * w);
    if (k === r.plan.steps.length - 1) return;
    const ds = step.sigma - step.nextSigma;
    noisyHat = zip(noisyHat, regHat, (x, v) => x - ds * v);
    noisyHigh = zip(noisyHigh, teacherHigh, (x, v) => x - ds * v);
  });
  return { grad: zip(vsd, tsm, (a, b) => r.lambda * a + (1 - r.lambda) * b), vsd, tsm };
}
