// The training step in one graph: AdamW against a hand-computed update, clipping, loss scaling, no rebuild per step.
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import * as G from '../../models/graph/index.ts';

const C = [0.5, -1, 2, 1.5];
const D = [3, -4];
const options = { beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1, maxGradNorm: 1, lossScaling: true };

/** loss = 0.5 Σ c w² + Σ d b, so dL/dw = c w and dL/db = d. */
function buildStep(): { g: G.Graph; sig: G.TrainStepSignature } {
  const g = new G.Graph('quadratic');
  const [w, b] = [g.input('w', 'float32', [4]), g.input('b', 'float32', [2])];
  const c = g.constant(G.float32s(C), 'c');
  const d = g.constant(G.float32s(D), 'd');
  const quadratic = G.mul(g, G.reduceSum(g, G.mul(g, G.mul(g, w, w), c), { keepdims: false }), 0.5);
  const loss = G.add(g, quadratic, G.reduceSum(g, G.mul(g, b, d), { keepdims: false }));
  return { g, sig: G.addTrainStep(g, loss, [w, b], options) };
}

interface State { p: number[][]; m: number[][]; v: number[][] }

/** torch.optim.AdamW after clip_grad_norm_, written out in doubles. */
function referenceStep(s: State, t: number, lr: number): State {
  const grads = [s.p[0]!.map((w, i) => C[i]! * w), [...D]];
  const norm = Math.sqrt(grads.flat().reduce((a, x) => a + x * x, 0));
  const coef = Math.min(1, options.maxGradNorm / (norm + 1e-6));
  const [b1, b2] = [options.beta1, options.beta2];
  const out: State = { p: [], m: [], v: [] };
  grads.forEach((grad, k) => {
    const m = s.m[k]!.map((mi, i) => b1 * mi + (1 - b1) * grad[i]! * coef);
    const v = s.v[k]!.map((vi, i) => b2 * vi + (1 - b2) * (grad[i]! * coef) ** 2);
    const p = s.p[k]!.map((pi, i) => pi * (1 - lr * options.weightDecay) - (lr / (1 - b1 ** t)) * m[i]! / (Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** t) + options.epsilon));
    out.p.push(p); out.m.push(m); out.v.push(v);
  });
  return out;
}

describe('training step graph', () => {
  let session: ort.InferenceSession;
  let sig: G.TrainStepSignature;
  beforeAll(async () => {
    const built = buildStep();
    sig = built.sig;
    session = await ort.InferenceSession.create(G.serializeModel(built.g));
  });

  const scalar = (x: number): ort.Tensor => new ort.Tensor('float32', Float32Array.from([x]), []);
  async function step(s: State, t: number, lr: number, lossScale: number): Promise<{ next: State; finite: boolean }> {
    const feeds: Record<string, ort.Tensor> = { [sig.step]: scalar(t), [sig.learningRate]: scalar(lr), [sig.lossScale!]: scalar(lossScale) };
    sig.parameters.forEach((slot, k) => {
      for (const [name, data] of [[slot.param, s.p[k]], [slot.m, s.m[k]], [slot.v, s.v[k]]] as const) feeds[name] = new ort.Tensor('float32', Float32Array.from(data!), [data!.length]);
    });
    const out = await session.run(feeds);
    const read = (name: string): number[] => Array.from(out[name]!.data as Float32Array);
    return {
      next: { p: sig.parameters.map((x) => read(x.newParam)), m: sig.parameters.map((x) => read(x.newM)), v: sig.parameters.map((x) => read(x.newV)) },
      finite: Boolean(out[sig.gradsFinite]!.data[0]),
    };
  }

  const start: State = { p: [[1, -2, 0.5, 3], [0.2, -0.1]], m: [[0, 0, 0, 0], [0, 0]], v: [[0, 0, 0, 0], [0, 0]] };

  it('matches hand-computed AdamW steps (bias correction, decoupled decay, global-norm clipping), one run per step', async () => {
    let [ours, expected] = [start, start];
    for (let t = 1; t <= 3; t++) {
      ours = (await step(ours, t, 0.05, 1)).next;
      expected = referenceStep(expected, t, 0.05);
      for (const key of ['p', 'm', 'v'] as const) {
        ours[key].flat().forEach((x, i) => expect(x).toBeCloseTo(expected[key].flat()[i]!, 5));
      }
    }
  });

  it('undoes the loss scale, and skips the update when scaled gradients overflow', async () => {
    const plain = await step(start, 1, 0.05, 1);
    const scaled = await step(start, 1, 0.05, 1024);
    scaled.next.p.flat().forEach((x, i) => expect(x).toBeCloseTo(plain.next.p.flat()[i]!, 6));
    const overflow = await step(start, 1, 0.05, 3e38);
    expect(overflow.finite).toBe(false);
    expect(overflow.next.p).toEqual(start.p.map((p) => Array.from(Float32Array.from(p))));
    expect(overflow.next.m.flat().every((x) => x === 0)).toBe(true);
  });
});
