// ONNX serialisation: header fields, symbolic dims, little-endian initializers, attributes, output naming.
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import * as G from '../../models/graph/index.ts';
import { runGraph } from './helpers.ts';

const { onnx } = onnxProto;

function sample(): G.Graph {
  const g = new G.Graph('sample');
  const x = g.input('image', 'float32', ['N', 3, 'H', 'W']);
  const w = g.initializer('weight', G.tensor('float32', [3], new Float32Array([1.5, -2, 0.25])));
  const y = G.resize(g, G.mul(g, x, G.reshape(g, w, [1, 3, 1, 1])), { mode: 'cubic', scales: [1, 1, 2, 2], cubicCoeffA: -0.5 });
  g.output(y, 'out');
  return g;
}

describe('serializeModel', () => {
  const model = onnx.ModelProto.decode(G.serializeModel(sample()));
  const graph = model.graph as InstanceType<typeof onnx.GraphProto>;

  it('writes IR version, opset and producer', () => {
    expect(Number(model.irVersion)).toBe(G.DEFAULT_IR_VERSION);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', G.DEFAULT_OPSET]]);
    expect(model.producerName).toBe('tsdsr models/graph');
  });

  it('writes symbolic dims as dim_param and static ones as dim_value', () => {
    const dims = graph.input[0]?.type?.tensorType?.shape?.dim ?? [];
    expect(dims.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['N', 3, 'H', 'W']);
    const out = graph.output[0]?.type?.tensorType?.shape?.dim ?? [];
    expect(graph.output[0]?.name).toBe('out');
    expect(out.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['N', 3, 'H*2', 'W*2']);
  });

  it('stores initializers as little-endian raw_data with their dtype code', () => {
    const w = graph.initializer.find((t) => t.name === 'weight');
    expect(w?.dataType).toBe(1);
    expect(w?.dims?.map(Number)).toEqual([3]);
    expect([...(w?.rawData ?? [])]).toEqual([0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x80, 0x3e]);
    const shape = graph.initializer.find((t) => t.name?.startsWith('shape'));
    expect(shape?.dataType).toBe(7);
    expect([...(shape?.rawData ?? [])].slice(0, 16)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('tags attributes with their ONNX types, sorted by name', () => {
    const node = graph.node.find((n) => n.opType === 'Resize');
    const T = onnx.AttributeProto.AttributeType;
    expect(node?.attribute?.map((a) => [a.name, a.type])).toEqual([
      ['coordinate_transformation_mode', T.STRING], ['cubic_coeff_a', T.FLOAT], ['exclude_outside', T.INT], ['mode', T.STRING],
    ]);
    expect(node?.attribute?.[1]?.f).toBeCloseTo(-0.5);
  });

  it('is deterministic', () => {
    expect(Buffer.from(G.serializeModel(sample())).equals(Buffer.from(G.serializeModel(sample())))).toBe(true);
  });

  it('refuses a graph without outputs', () => {
    expect(() => G.serializeModel(new G.Graph('empty'))).toThrow(/no outputs/);
  });
});

describe('graph outputs and constants', () => {
  it('exposes an input, an initializer and one value twice through Identity nodes', async () => {
    const g = new G.Graph();
    const x = g.input('x', 'float32', [2]);
    const c = g.initializer('c', G.tensorFrom('float16', [3], [1, 0.1, -65504]));
    const y = G.neg(g, x);
    g.output(x, 'x_copy');
    g.output(G.cast(g, c, 'float32'), 'c32');
    g.output(y, 'y');
    g.output(y, 'y_again');
    expect(g.nodes.filter((n) => n.opType === 'Identity')).toHaveLength(2);
    const r = await runGraph(g, { x: { dims: [2], data: new Float32Array([1, -3]) } });
    expect([...(r.x_copy?.data as Float32Array)]).toEqual([1, -3]);
    expect([...(r.y_again?.data as Float32Array)]).toEqual([-1, 3]);
    const half = [...(r.c32?.data as Float32Array)];
    expect(half[0]).toBe(1);
    expect(half[1]).toBeCloseTo(0.0999755859375, 10);
    expect(half[2]).toBe(-65504);
  });

  it('rejects an output name already used by another value', () => {
    const g = new G.Graph();
    const x = g.input('x', 'float32', [2]);
    expect(() => g.output(G.neg(g, x), 'x')).toThrow(/name x is already used/);
  });

  it('keeps values linked to their producers for later passes', () => {
    const g = new G.Graph();
    const x = g.input('x', 'float32', [2]);
    const y = G.add(g, G.exp(g, x), 1);
    const node = y.producer;
    expect(node?.opType).toBe('Add');
    expect(node?.inputs[0]?.producer?.opType).toBe('Exp');
    expect(node?.inputs[1]?.source).toBe('initializer');
    expect(g.nodes.map((n) => n.opType)).toEqual(['Exp', 'Add']);
    expect(x.producer).toBeNull();
  });
});

describe('toHalfBits', () => {
  it.each([
    [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [65504, 0x7bff], [65520, 0x7c00], [1e-8, 0], [2 ** -24, 1], [2 ** -14, 0x0400], [Infinity, 0x7c00], [0.333251953125, 0x3555],
  ])('%f → %i', (value, bits) => {
    expect(G.toHalfBits(value)).toBe(bits);
  });

  it('keeps NaN a NaN', () => {
    expect(G.toHalfBits(NaN) & 0x7c00).toBe(0x7c00);
    expect(G.toHalfBits(NaN) & 0x3ff).not.toBe(0);
  });
});
