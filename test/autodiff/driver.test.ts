// The backward driver: errors, stopGradient, pruning, accumulation, unused inputs, symbolic batch dims.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import * as G from '../../models/graph/index.ts';
import { gradCheck } from './gradcheck.ts';

async function run(g: G.Graph, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(G.serializeModel(g));
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

describe('gradients driver', () => {
  it('throws naming the op when a node on the path has no rule', () => {
    const g = new G.Graph();
    const x = g.input('x', 'float32', [1, 1, 4, 4]);
    const loss = G.reduceSum(g, G.maxPool(g, x, [2, 2]), { keepdims: false });
    expect(() => G.gradients(g, loss, [x])).toThrow(/no gradient rule for op MaxPool/);
  });

  it('does not need rules off the path from wrt to loss', () => {
    const g = new G.Graph();
    const x = g.input('x', 'float32', [1, 1, 4, 4]);
    const w = g.input('w', 'float32', []);
    const loss = G.reduceSum(g, G.mul(g, G.maxPool(g, x, [2, 2]), w), { keepdims: false });
    expect(() => G.gradients(g, loss, [w])).not.toThrow();
  });

  it('stops at stopGradient, and the checker notices a gradient that is wrong', async () => {
    const g = new G.Graph();
    const x = g.input('x', 'float64', [3]);
    const loss = G.reduceSum(g, G.mul(g, x, G.stopGradient(g, x)), { keepdims: false });
    g.output(G.gradients(g, loss, [x])[0]!, 'dx');
    const out = await run(g, { x: new ort.Tensor('float64', Float64Array.from([1, -2, 3]), [3]) });
    expect(Array.from(out.dx!.data as Float64Array)).toEqual([1, -2, 3]); // d/dx of x·sg(x) is sg(x), not 2x
    const checked = await gradCheck({ op: 'Mul', name: 'stopped', dtype: 'float64', shapes: [[3]], build: (h, [a]) => G.mul(h, a!, G.stopGradient(h, a!)) });
    expect(checked.error).toBeGreaterThan(0.1);
  });

  it('builds only the gradients asked for', () => {
    const g = new G.Graph();
    const [a, b] = [g.input('a', 'float32', [3]), g.input('b', 'float32', [3])];
    const loss = G.reduceSum(g, G.pow(g, a, b), { keepdims: false });
    const before = g.nodes.length;
    G.gradients(g, loss, [a]);
    expect(g.nodes.slice(before).map((n) => n.opType)).not.toContain('Log'); // d/db would need log(a)
  });

  it('accumulates gradients of a value used several times, and gives zeros for an unused input', async () => {
    const g = new G.Graph();
    const [x, unused] = [g.input('x', 'float64', [2]), g.input('unused', 'float64', [2])];
    const loss = G.reduceSum(g, G.add(g, G.mul(g, x, x), G.mul(g, x, 3)), { keepdims: false });
    const [dx, du] = G.gradients(g, loss, [x, unused]);
    g.output(dx!, 'dx');
    g.output(du!, 'du');
    const out = await run(g, { x: new ort.Tensor('float64', Float64Array.from([1, 2]), [2]), unused: new ort.Tensor('float64', new Float64Array(2), [2]) });
    expect(Array.from(out.dx!.data as Float64Array)).toEqual([5, 7]);
    expect(Array.from(out.du!.data as Float64Array)).toEqual([0, 0]);
  });

  it('handles a symbolic batch dim when un-broadcasting', async () => {
    const g = new G.Graph();
    const [x, w] = [g.input('x', 'float32', ['N', 3]), g.input('w', 'float32', [3])];
    const loss = G.reduceSum(g, G.mul(g, G.reshape(g, x, [-1, 3]), w), { keepdims: false });
    const [dw, dx] = G.gradients(g, loss, [w, x]);
    g.output(dw!, 'dw');
    g.output(dx!, 'dx');
    const out = await run(g, { x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]), w: new ort.Tensor('float32', Float32Array.from([1, 0, -1]), [3]) });
    expect(Array.from(out.dw!.data as Float32Array)).toEqual([5, 7, 9]);
    expect(Array.from(out.dx!.data as Float32Array)).toEqual([1, 0, -1, 1, 0, -1]);
  });

  it('rejects integer wrt values', () => {
    const g = new G.Graph();
    const i = g.input('i', 'int64', [2]);
    expect(() => G.gradients(g, G.reduceSum(g, G.cast(g, i, 'float32'), { keepdims: false }), [i])).toThrow(/int64/);
  });
});
