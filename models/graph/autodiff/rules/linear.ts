/** Gradient rules of the matrix products: MatMul (batched, broadcasting, 1-D operands) and Gemm. */
import type { Graph } from '../../graph.ts';
import { mul } from '../../ops/arithmetic.ts';
import { reshape, squeeze, transpose, unsqueeze } from '../../ops/layout.ts';
import { gemm, matmul } from '../../ops/linear.ts';
import { floatAttr, intAttr, type Node, type Value } from '../../value.ts';
import { inputOf, onlyGradient, type GradientTable } from '../rule.ts';
import { unbroadcast } from '../shapes.ts';

/** Swaps the last two axes. */
function swapLast(g: Graph, x: Value): Value {
  const r = x.shape.length;
  return transpose(g, x, [...Array(r - 2).keys(), r - 1, r - 2]);
}

/** The output gradient with the axes MatMul dropped for 1-D operands put back. */
function matrixGradient(g: Graph, dy: Value, a: Value, b: Value): Value {
  if (a.shape.length === 1 && b.shape.length === 1) return unsqueeze(g, dy, [0, 1]);
  if (a.shape.length === 1) return unsqueeze(g, dy, [-2]);
  if (b.shape.length === 1) return unsqueeze(g, dy, [-1]);
  return dy;
}

function matmulGradA(g: Graph, dy: Value, a: Value, b: Value): Value {
  const b2 = b.shape.length === 1 ? unsqueeze(g, b, [1]) : b;
  const da = matmul(g, matrixGradient(g, dy, a, b), swapLast(g, b2));
  if (a.shape.length === 1) return reshape(g, unbroadcast(g, da, unsqueeze(g, a, [0])), [-1]);
  return unbroadcast(g, da, a);
}

function matmulGradB(g: Graph, dy: Value, a: Value, b: Value): Value {
  const d2 = matrixGradient(g, dy, a, b);
  const k = a.shape[a.shape.length - 1];
  if (b.shape.length === 2 && a.shape.length > 2 && typeof k === 'number') {
    // x [..., L, K] @ W [K, N]: one [K, rows] @ [rows, N] product instead of a batch of them summed.
    return gemm(g, reshape(g, a, [-1, k]), reshape(g, d2, [-1, b.shape[1] as number]), undefined, { transA: true });
  }
  const a2 = a.shape.length === 1 ? unsqueeze(g, a, [0]) : a;
  const db = matmul(g, swapLast(g, a2), d2);
  if (b.shape.length === 1) return squeeze(g, unbroadcast(g, db, unsqueeze(g, b, [1])), [1]);
  return unbroadcast(g, db, b);
}

function scaled(g: Graph, x: Value, factor: number): Value {
  return factor === 1 ? x : mul(g, x, factor);
}

function gemmGradients(node: Node, dy: Value, g: Graph): (() => Value)[] {
  const [a, b, c] = [inputOf(node, 0), inputOf(node, 1), node.inputs[2]];
  const [alpha, beta] = [floatAttr(node.attributes, 'alpha', 1), floatAttr(node.attributes, 'beta', 1)];
  const [ta, tb] = [intAttr(node.attributes, 'transA', 0) === 1, intAttr(node.attributes, 'transB', 0) === 1];
  const da = (): Value => (ta
    ? gemm(g, b, dy, undefined, { alpha, transA: tb, transB: true })
    : gemm(g, dy, b, undefined, { alpha, transB: !tb }));
  const db = (): Value => (tb
    ? gemm(g, dy, a, undefined, { alpha, transA: true, transB: ta })
    : gemm(g, a, dy, undefined, { alpha, transA: !ta }));
  return c ? [da, db, () => scaled(g, unbroadcast(g, dy, c), beta)] : [da, db];
}

/** d(A @ B) and d Gemm. */
export const linearRules: GradientTable = {
  MatMul: (node, dys, g) => {
    const [dy, a, b] = [onlyGradient(node, dys), inputOf(node, 0), inputOf(node, 1)];
    return [() => matmulGradA(g, dy, a, b), () => matmulGradB(g, dy, a, b)];
  },
  Gemm: (node, dys, g) => gemmGradients(node, onlyGradient(node, dys), g),
};
