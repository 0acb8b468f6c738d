// Numeric gradient checking: analytic gradients from `gradients` against central differences, run by onnxruntime.
import * as ort from 'onnxruntime-node';
import { cast, gradients, Graph, mul, reduceSum, serializeModel, tensorFrom, type Value } from '../../models/graph/index.ts';

/** One check: a small graph on float inputs whose scalar projection is differentiated. */
export interface GradCase {
  /** The op type whose rule this case exercises. */
  op: string;
  name: string;
  /** float64 where ORT runs the op in double; float32 otherwise. */
  dtype: 'float32' | 'float64';
  shapes: number[][];
  build: (g: Graph, xs: Value[]) => Value;
  /** Maps a uniform sample in [-1, 1) to a valid input (positive for Log, away from kinks for Relu...). */
  prepare?: (x: number) => number;
  /** Input values (else uniform samples passed through `prepare`). */
  values?: number[][];
  /** Relative tolerance (default 1e-6 in float64, 2e-3 in float32). */
  tolerance?: number;
  /** Finite-difference step (default 1e-5 in float64, 1e-2 in float32). */
  step?: number;
}

/** What a check measured. */
export interface GradCheckResult {
  error: number;
  tolerance: number;
  /** Op types of the forward graph (before the backward pass was added). */
  forwardOps: string[];
}

/** Deterministic uniform samples in [-1, 1). */
export function uniform(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

const size = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);
const typed = (dtype: GradCase['dtype'], values: number[]): Float32Array | Float64Array =>
  (dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values));

/** Builds the check graph: loss = sum(float64(y) * r) for a fixed random r, plus d loss / d inputs. */
function buildCheck(c: GradCase): { g: Graph; forwardOps: string[]; gradNames: string[] } {
  const g = new Graph(c.name);
  const xs = c.shapes.map((s, i) => g.input(`x${i}`, c.dtype, s));
  const y = c.build(g, xs);
  const forwardOps = g.nodes.map((n) => n.opType);
  const dims = y.shape as number[];
  const r = g.constant(tensorFrom('float64', dims, uniform(size(dims), 99)), 'projection');
  const loss = reduceSum(g, mul(g, y.dtype === 'float64' ? y : cast(g, y, 'float64'), r), { keepdims: false });
  g.output(loss, 'loss');
  const grads = gradients(g, loss, xs);
  return { g, forwardOps, gradNames: grads.map((d, i) => g.output(d, `grad${i}`).name) };
}

/** Runs a case: analytic gradients once, then central differences element by element; returns the worst relative error. */
export async function gradCheck(c: GradCase): Promise<GradCheckResult> {
  const { g, forwardOps, gradNames } = buildCheck(c);
  const session = await ort.InferenceSession.create(serializeModel(g));
  try {
    const values = c.shapes.map((s, i) => typed(c.dtype, c.values?.[i] ?? uniform(size(s), 17 + 31 * i).map(c.prepare ?? ((x) => x))));
    const feeds = (): Record<string, ort.Tensor> =>
      Object.fromEntries(values.map((v, i) => [`x${i}`, new ort.Tensor(c.dtype, v, c.shapes[i] as number[])]));
    const analytic = await session.run(feeds(), gradNames);
    const loss = async (): Promise<number> => Number((await session.run(feeds(), ['loss'])).loss!.data[0]);
    const h = c.step ?? (c.dtype === 'float64' ? 1e-5 : 1e-2);
    let [worst, scale] = [0, 1e-3];
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as Float32Array | Float64Array;
      const a = analytic[gradNames[i] as string]!.data as Float32Array | Float64Array;
      for (let j = 0; j < v.length; j++) {
        const x0 = v[j] as number;
        v[j] = x0 + h;
        const [hi, up] = [v[j] as number, await loss()];
        v[j] = x0 - h;
        const [lo, down] = [v[j] as number, await loss()];
        v[j] = x0;
        const numeric = (up - down) / (hi - lo);
        worst = Math.max(worst, Math.abs((a[j] as number) - numeric));
        scale = Math.max(scale, Math.abs(numeric));
      }
    }
    return { error: worst / scale, tolerance: c.tolerance ?? (c.dtype === 'float64' ? 1e-6 : 2e-3), forwardOps };
  } finally {
    await session.release();
  }
}
