/** One AdamW update in the graph: bias-corrected moments and decoupled weight decay (torch.optim.AdamW's formula). */
import type { Graph } from '../graph.ts';
import { add, div, mul, pow, sub } from '../ops/arithmetic.ts';
import { sqrt } from '../ops/unary.ts';
import { scalar } from '../tensor.ts';
import type { Value } from '../value.ts';

/** AdamW hyper-parameters (torch defaults except weight decay, which is 0.01 there too). */
export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
}

/** Scalars shared by every parameter's update: learning rate and the bias corrections for this step. */
export interface AdamWStepScalars {
  learningRate: Value;
  biasCorrection1: Value;
  sqrtBiasCorrection2: Value;
}

/** Builds 1 - beta1^t and sqrt(1 - beta2^t) from the float32 step count t (1 for the first step). */
export function adamWScalars(g: Graph, step: Value, learningRate: Value, options: AdamWOptions = {}): AdamWStepScalars {
  const power = (beta: number): Value => pow(g, g.constant(scalar('float32', beta), 'beta'), step);
  return {
    learningRate,
    biasCorrection1: sub(g, 1, power(options.beta1 ?? 0.9)),
    sqrtBiasCorrection2: sqrt(g, sub(g, 1, power(options.beta2 ?? 0.999))),
  };
}

/** The updated parameter and moments: m' = b1 m + (1-b1) d, v' = b2 v + (1-b2) d², p' = p (1 - lr wd) - lr/bc1 m' / (sqrt(v')/sqrt(bc2) + eps). */
export function adamWUpdate(g: Graph, p: Value, grad: Value, m: Value, v: Value, s: AdamWStepScalars, options: AdamWOptions = {}): { p: Value; m: Value; v: Value } {
  const [b1, b2] = [options.beta1 ?? 0.9, options.beta2 ?? 0.999];
  const newM = add(g, mul(g, m, b1), mul(g, grad, 1 - b1));
  const newV = add(g, mul(g, v, b2), mul(g, mul(g, grad, grad), 1 - b2));
  const denominator = add(g, div(g, sqrt(g, newV), s.sqrtBiasCorrection2), options.epsilon ?? 1e-8);
  const stepSize = div(g, s.learningRate, s.biasCorrection1);
  const decayed = mul(g, p, sub(g, 1, mul(g, s.learningRate, options.weightDecay ?? 0.01)));
  return { p: sub(g, decayed, mul(g, stepSize, div(g, newM, denominator))), m: newM, v: newV };
}
