// Shape inference rejects inputs that do not fit, with messages naming the op and the shapes.
import { describe, expect, it } from 'vitest';
import * as G from '../../models/graph/index.ts';

const g = new G.Graph('errors');
const f32 = (shape: G.Shape): G.Value => g.input(`in${g.inputs.length}`, 'float32', shape);

const cases: [string, () => unknown, RegExp][] = [
  ['mismatched broadcast', () => G.add(g, f32([2, 3]), f32([4])), /^Add: cannot broadcast \[2, 3\] with \[4\] \(axis 1: 3 vs 4\)$/],
  ['mismatched dtypes', () => G.mul(g, f32([2]), g.input('ints', 'int64', [2])), /^Mul: input dtypes differ: .* is float32, ints is int64$/],
  ['conv channels', () => G.conv(g, f32([1, 3, 8, 8]), f32([4, 2, 3, 3])), /^Conv: input has 3 channels but w \[4, 2, 3, 3\] with group 1 expects 2$/],
  ['conv groups', () => G.conv(g, f32([1, 4, 8, 8]), f32([3, 2, 3, 3]), undefined, { group: 2 }), /^Conv: 3 output channels do not split into 2 groups$/],
  ['conv window larger than input', () => G.conv(g, f32([1, 1, 2, 2]), f32([1, 1, 3, 3])), /^Conv: window 3x3 does not fit input \[1, 1, 2, 2\]/],
  ['conv bias size', () => G.conv(g, f32([1, 1, 4, 4]), f32([2, 1, 3, 3]), f32([3])), /^Conv: bias \[3\] must be \[2\]$/],
  ['conv strides length', () => G.conv(g, f32([1, 1, 4, 4]), f32([2, 1, 3, 3]), undefined, { strides: [2] }), /^Conv: strides must be 2 positive integers$/],
  ['matmul inner dims', () => G.matmul(g, f32([2, 3]), f32([4, 5])), /^MatMul: inner dimensions differ: 3 vs 4 in \[2, 3\] @ \[4, 5\]$/],
  ['gemm rank', () => G.gemm(g, f32([2, 3, 4]), f32([4, 5])), /^Gemm: A and B must be 2-D/],
  ['reshape element count', () => G.reshape(g, f32([2, 3]), [4]), /^Reshape: cannot reshape \[2, 3\] \(6 elements\) to \[4\]$/],
  ['reshape two -1', () => G.reshape(g, f32([2, 3]), [-1, -1]), /^Reshape: at most one -1/],
  ['transpose perm', () => G.transpose(g, f32([2, 3]), [0, 0]), /^Transpose: perm \[0, 0\] is not a permutation of 2 axes$/],
  ['concat dims', () => G.concat(g, [f32([2, 3]), f32([3, 3])], 1), /^Concat: dim 0 differs: \[2, 3\] and \[3, 3\]$/],
  ['concat axis', () => G.concat(g, [f32([2, 3])], 2), /^Concat: axis 2 is out of range for rank 2$/],
  ['squeeze a non-1 dim', () => G.squeeze(g, f32([2, 3]), [0]), /^Squeeze: axis 0 of \[2, 3\] is not 1$/],
  ['where condition dtype', () => G.where(g, f32([2]), f32([2]), f32([2])), /^Where: condition must be bool, got float32$/],
  ['sqrt of integers', () => G.sqrt(g, g.input('i32', 'int32', [2])), /^Sqrt: needs a float input, got int32$/],
  ['resize scales and sizes', () => G.resize(g, f32([1, 1, 2, 2]), { mode: 'linear', scales: [1, 1, 2, 2], sizes: [1, 1, 4, 4] }), /^Resize: give exactly one of scales or sizes$/],
  ['resize scales length', () => G.resize(g, f32([1, 1, 2, 2]), { mode: 'linear', scales: [2, 2] }), /^Resize: scales has 2 entries for rank-4 input$/],
  ['depth to space channels', () => G.depthToSpace(g, f32([1, 6, 2, 2]), 2), /^DepthToSpace: 6 channels do not divide into blocks of 2x2$/],
  ['pad length', () => G.pad(g, f32([2, 2]), [1, 1]), /^Pad: pads needs 4 entries/],
  ['reflect pad too wide', () => G.pad(g, f32([2, 2]), [0, 2, 0, 0], 'reflect'), /^Pad: reflect pads \[2, 0\] must be smaller than dim 1 \(2\)$/],
  ['reduce axis out of range', () => G.reduceMean(g, f32([2, 2]), { axes: [2] }), /^ReduceMean: axis 2 is out of range for rank 2$/],
  ['value of another graph', () => G.relu(new G.Graph('other'), f32([2])), /^Relu: input in\d+ belongs to another graph$/],
  ['duplicate input name', () => g.input('in0', 'float32', [1]), /^graph: value name "in0" is empty or already used$/],
  ['split sizes', () => G.split(g, f32([2, 5]), [2, 2], 1), /^Split: sizes \[2, 2\] add up to 4, not dim 1 of \[2, 5\]$/],
  ['expand incompatible', () => G.expand(g, f32([3]), [2, 4]), /^Expand: cannot broadcast \[3\] with \[2, 4\]/],
  ['layer norm scale', () => G.layerNormalization(g, f32([2, 4]), f32([3])), /^LayerNormalization: cannot broadcast \[4\] with \[3\]/],
  ['slice step 0', () => G.slice(g, f32([4]), { starts: [0], ends: [4], steps: [0] }), /^Slice: steps must not be 0$/],
];

describe('shape inference errors', () => {
  it.each(cases)('%s', (_name, build, message) => {
    let error: unknown;
    try {
      build();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(G.ShapeError);
    expect((error as Error).message).toMatch(message);
  });

  it('a failed op adds no node', () => {
    const h = new G.Graph();
    const x = h.input('x', 'float32', [2, 3]);
    expect(() => G.matmul(h, x, x)).toThrow(G.ShapeError);
    expect(h.nodes).toHaveLength(0);
  });
});
