/** A whole training step as one graph: forward (already built), backward, optional clipping and loss scaling, AdamW. */
import { gradients } from '../autodiff/gradients.ts';
import type { Graph } from '../graph.ts';
import { div, sub, where } from '../ops/arithmetic.ts';
import { equal } from '../ops/compare.ts';
import { cast } from '../ops/unary.ts';
import type { Value } from '../value.ts';
import { adamWScalars, adamWUpdate, type AdamWOptions } from './adamw.ts';
import { clipByGlobalNorm, globalNorm } from './clip.ts';

/** Options of `addTrainStep`. */
export interface TrainStepOptions extends AdamWOptions {
  /** Clip gradients to this global L2 norm (torch.nn.utils.clip_grad_norm_). */
  maxGradNorm?: number;
  /** Adds a `loss_scale` input: the backward pass is seeded with it and the gradients divided by it (fp16 training). */
  lossScaling?: boolean;
}

/** Graph input and output names of one parameter's state. */
export interface ParameterSlots {
  param: string;
  m: string;
  v: string;
  newParam: string;
  newM: string;
  newV: string;
}

/** Names of everything a caller feeds and fetches each step. */
export interface TrainStepSignature {
  step: string;
  learningRate: string;
  lossScale: string | null;
  loss: string;
  gradNorm: string;
  /** bool: every gradient was finite; when false the parameters and moments come back unchanged. */
  gradsFinite: string;
  parameters: ParameterSlots[];
}

/**
 * Turns a graph computing a scalar `loss` from parameter inputs into a training step: adds inputs `step`
 * (float32, 1-based), `learning_rate`, per parameter `<name>.m` and `<name>.v`, and outputs the loss,
 * gradient norm, finiteness flag and the updated parameters and moments. The graph is built once;
 * the step count and learning rate are fed each run.
 */
export function addTrainStep(g: Graph, loss: Value, params: readonly Value[], options: TrainStepOptions = {}): TrainStepSignature {
  const step = g.input('step', 'float32', []);
  const learningRate = g.input('learning_rate', 'float32', []);
  const lossScale = options.lossScaling ? g.input('loss_scale', 'float32', []) : null;
  const seed = lossScale ? (loss.dtype === 'float32' ? lossScale : cast(g, lossScale, loss.dtype)) : undefined;
  let grads = gradients(g, loss, params, seed ? { seed } : {});
  if (lossScale) grads = grads.map((d) => div(g, d, d.dtype === 'float32' ? lossScale : cast(g, lossScale, d.dtype)));
  const norm = globalNorm(g, grads);
  const finite = equal(g, sub(g, norm, norm), 0);
  if (options.maxGradNorm !== undefined) grads = clipByGlobalNorm(g, grads, norm, options.maxGradNorm);
  const scalars = adamWScalars(g, step, learningRate, options);
  const parameters = params.map((p, i) => {
    const [m, v] = [g.input(`${p.name}.m`, p.dtype, p.shape), g.input(`${p.name}.v`, p.dtype, p.shape)];
    const next = adamWUpdate(g, p, grads[i] as Value, m, v, scalars, options);
    const keep = (updated: Value, old: Value, name: string): string => g.output(where(g, finite, updated, old), name).name;
    return {
      param: p.name, m: m.name, v: v.name,
      newParam: keep(next.p, p, `${p.name}.new`), newM: keep(next.m, m, `${m.name}.new`), newV: keep(next.v, v, `${v.name}.new`),
    };
  });
  return {
    step: step.name, learningRate: learningRate.name, lossScale: lossScale?.name ?? null,
    loss: g.output(loss, 'loss').name, gradNorm: g.output(norm, 'grad_norm').name, gradsFinite: g.output(finite, 'grads_finite').name, parameters,
  };
}
