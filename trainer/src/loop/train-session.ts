/** One training step as one onnxruntime session run: a graph built once, parameters and AdamW moments kept as tensors. */
import { addTrainStep, cast, serializeModel, type Graph, type TrainStepSignature, type Value } from '../../../models/graph/index.ts';
import { nodeBackend } from '../../../models/runtime/node.ts';
import type { DeviceChoice, ModelSession } from '../../../models/runtime/index.ts';

/** A float32 tensor as plain data. */
export interface FloatTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** The optimiser settings of a session (AdamW as the official TSD-SR recipe). */
export interface OptimiserOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  maxGradNorm: number;
}

/** AdamW betas 0.9/0.999, eps 1e-8, weight decay 1e-4, gradient clipping at global norm 1.0. */
export const OPTIMISER_DEFAULTS: Readonly<OptimiserOptions> = Object.freeze({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-4, maxGradNorm: 1.0 });

/** What one step returns: loss, gradient norm, whether gradients were finite, and the extra outputs by name. */
export interface StepResult {
  loss: number;
  gradNorm: number;
  finite: boolean;
  outputs: Record<string, FloatTensor>;
}

/** Builds a session: graph with a scalar loss, trainable inputs with their initial values, and outputs to fetch. */
export interface TrainSessionSpec {
  name: string;
  graph: Graph;
  loss: Value;
  /** Trainable graph inputs and their initial values (by input name). */
  params: ReadonlyMap<string, FloatTensor>;
  /** Extra values to fetch each step, by output name. */
  extras?: Record<string, Value>;
  /** Feeds that never change (frozen weights as inputs). */
  constants?: Record<string, FloatTensor>;
  optimiser?: Partial<OptimiserOptions>;
  device?: DeviceChoice;
}

const zeros = (t: FloatTensor): FloatTensor => ({ dims: t.dims, data: new Float32Array(t.data.length) });

/** A compiled training step and its state (parameters, first and second moments). */
export class TrainSession {
  /** Current values of every parameter and moment, by graph input name. */
  readonly state = new Map<string, FloatTensor>();

  private constructor(readonly name: string, private readonly session: ModelSession, private readonly sig: TrainStepSignature,
    private readonly constants: Record<string, FloatTensor>) {}

  /** Adds backward + AdamW to the graph, compiles it, and starts from the given parameters with zero moments. */
  static async create(spec: TrainSessionSpec): Promise<TrainSession> {
    const g = spec.graph;
    const params = g.inputs.filter((v) => spec.params.has(v.name));
    if (params.length !== spec.params.size) throw new Error(`${spec.name}: ${spec.params.size - params.length} parameters are not graph inputs`);
    const sig = addTrainStep(g, spec.loss, params, { ...OPTIMISER_DEFAULTS, ...spec.optimiser });
    const finiteIndex = g.outputs.findIndex((v) => v.name === sig.gradsFinite);
    const [finite] = g.outputs.splice(finiteIndex, 1) as [Value];
    g.output(cast(g, finite, 'float32'), 'grads_finite_f32');
    for (const [name, value] of Object.entries(spec.extras ?? {})) g.output(value, name);
    const session = await nodeBackend.createSession(serializeModel(g), spec.device ?? 'cpu');
    const ts = new TrainSession(spec.name, session, sig, spec.constants ?? {});
    for (const s of sig.parameters) {
      const p = spec.params.get(s.param) as FloatTensor;
      ts.state.set(s.param, { dims: p.dims, data: Float32Array.from(p.data) });
      ts.state.set(s.m, zeros(p));
      ts.state.set(s.v, zeros(p));
    }
    return ts;
  }

  /** The device the session runs on. */
  get device(): string {
    return this.session.device;
  }

  /** Current parameter values (without moments), by input name. */
  parameters(): Map<string, FloatTensor> {
    return new Map(this.sig.parameters.map((s) => [s.param, this.state.get(s.param) as FloatTensor]));
  }

  /** Runs one step (1-based `step`, learning rate `lr`) with the batch's feeds; updates the state in place. */
  async run(feeds: Record<string, FloatTensor>, step: number, lr: number): Promise<StepResult> {
    const all: Record<string, FloatTensor> = { ...this.constants, ...feeds, ...Object.fromEntries(this.state) };
    all[this.sig.step] = { dims: [], data: Float32Array.of(step) };
    all[this.sig.learningRate] = { dims: [], data: Float32Array.of(lr) };
    const out = await this.session.run(all);
    for (const s of this.sig.parameters) {
      for (const [from, to] of [[s.newParam, s.param], [s.newM, s.m], [s.newV, s.v]] as const) this.state.set(to, out[from] as FloatTensor);
    }
    const scalar = (name: string): number => (out[name] as FloatTensor).data[0] as number;
    return { loss: scalar(this.sig.loss), gradNorm: scalar(this.sig.gradNorm), finite: scalar('grads_finite_f32') === 1, outputs: out };
  }

  /**
   * Runs the graph on feeds as step `step` would, with learning rate 0, and returns its outputs without keeping the
   * new parameters or moments: the state is untouched (e.g. to score held-out images during training).
   */
  async evaluate(feeds: Record<string, FloatTensor>, step: number): Promise<Record<string, FloatTensor>> {
    const all: Record<string, FloatTensor> = { ...this.constants, ...feeds, ...Object.fromEntries(this.state) };
    all[this.sig.step] = { dims: [], data: Float32Array.of(Math.max(1, step)) };
    all[this.sig.learningRate] = { dims: [], data: Float32Array.of(0) };
    return this.session.run(all) as Promise<Record<string, FloatTensor>>;
  }

  /** Replaces the state with saved tensors (all names must match). */
  restore(saved: ReadonlyMap<string, FloatTensor>): void {
    for (const name of this.state.keys()) {
      const t = saved.get(name);
      if (!t) throw new Error(`${this.name}: checkpoint lacks ${name}`);
      this.state.set(name, t);
    }
  }

  /** Frees the session. */
  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
