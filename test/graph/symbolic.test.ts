// Symbolic shape inference: expressions in dims agree with the sizes onnxruntime produces once the symbols are bound.
import { describe, expect, it } from 'vitest';
import * as G from '../../models/graph/index.ts';
import { count, expectShape, randomFloats, runGraph } from './helpers.ts';

describe('symbolic dims', () => {
  it('broadcast keeps known sizes and merges symbols', () => {
    const g = new G.Graph();
    expect(G.add(g, g.input('a', 'float32', ['N', 1]), g.input('b', 'float32', [1, 'W'])).shape).toEqual(['N', 'W']);
    expect(G.add(g, g.input('c', 'float32', ['N']), g.input('d', 'float32', [4])).shape).toEqual([4]);
    expect(G.add(g, g.input('e', 'float32', ['N']), g.input('f', 'float32', ['M'])).shape).toEqual(['max(N,M)']);
  });

  it('conv, pool, resize, reshape, concat, slice and pad write readable expressions', () => {
    const g = new G.Graph();
    const x = g.input('x', 'float32', ['N', 4, 'H', 'W']);
    const w = g.initializer('w', G.tensor('float32', [8, 4, 3, 3], randomFloats(288)));
    expect(G.conv(g, x, w, undefined, { pads: [1, 1, 1, 1] }).shape).toEqual(['N', 8, 'H', 'W']);
    expect(G.conv(g, x, w).shape).toEqual(['N', 8, 'H-2', 'W-2']);
    expect(G.conv(g, x, w, undefined, { strides: [2, 2], pads: [1, 1, 1, 1] }).shape).toEqual(['N', 8, 'floor((H-1)/2)+1', 'floor((W-1)/2)+1']);
    expect(G.resize(g, x, { mode: 'linear', scales: [1, 1, 2, 0.5] }).shape).toEqual(['N', 4, 'H*2', 'floor(W/2)']);
    expect(G.reshape(g, x, [0, 0, -1]).shape).toEqual(['N', 4, 'H*W']);
    expect(G.reshape(g, x, [0, -1]).shape).toEqual(['N', 'H*W*4']);
    expect(G.concat(g, [x, x], 2).shape).toEqual(['N', 4, 'H+H', 'W']);
    expect(G.slice(g, x, { starts: [1, 0], ends: [Infinity, -1], axes: [2, 3] }).shape).toEqual(['N', 4, 'H-1', 'W-1']);
    expect(G.pad(g, x, [0, 0, 1, 2, 0, 0, 1, 2]).shape).toEqual(['N', 4, 'H+2', 'W+4']);
    expect(G.depthToSpace(g, x, 2).shape).toEqual(['N', 1, 'H*2', 'W*2']);
  });

  it('every expression evaluates to the size onnxruntime produces', async () => {
    const g = new G.Graph();
    const x = g.input('x', 'float32', ['N', 4, 'H', 'W']);
    const w = g.initializer('w', G.tensor('float32', [8, 4, 3, 3], randomFloats(288)));
    const outs = [
      G.conv(g, x, w, undefined, { strides: [2, 2], pads: [1, 1, 1, 1] }),
      G.conv(g, x, w, undefined, { strides: [3, 2], dilations: [2, 1] }),
      G.maxPool(g, x, [2, 2], { strides: [2, 2] }),
      G.resize(g, x, { mode: 'cubic', scales: [1, 1, 3, 0.5] }),
      G.reshape(g, x, [0, -1, 2]),
      G.concat(g, [x, G.slice(g, x, { starts: [1], ends: [-1], axes: [2] })], 2),
      G.pad(g, x, [0, 0, 1, 2, 0, 0, 1, -1], 'edge'),
      G.depthToSpace(g, x, 2),
      G.matmul(g, G.reshape(g, x, [0, 0, -1]), G.transpose(g, G.reshape(g, x, [0, 0, -1]), [0, 2, 1])),
      G.reduceMean(g, G.unsqueeze(g, x, [1]), { axes: [-1] }),
    ];
    outs.forEach((v, i) => g.output(v, `out${i}`));
    const bindings = { N: 2, H: 9, W: 10 };
    const dims = [2, 4, 9, 10];
    const result = await runGraph(g, { x: { dims, data: randomFloats(count(dims)) } });
    outs.forEach((v, i) => expectShape(v, result[`out${i}`] as never, bindings));
  });

  it('evaluateDim reads the expressions and reports unbound symbols', () => {
    expect(G.evaluateDim('floor((H-1)/2)+1', { H: 9 })).toBe(5);
    expect(G.evaluateDim('(H*W*4)/(2)', { H: 3, W: 5 })).toBe(30);
    expect(G.evaluateDim('max(N,M)', { N: 1, M: 7 })).toBe(7);
    expect(() => G.evaluateDim('H*2', {})).toThrow(/no size bound for symbol H/);
    expect(() => G.evaluateDim('H*', { H: 1 })).toThrow(G.DimEvalError);
  });
});
