// The gradient-check table: at least one case per registered rule (rules.test.ts fails when a rule has none).
// Precision: float64 (step 1e-5, tolerance 1e-6) wherever onnxruntime's CPU provider has a double kernel.
// ORT has float-only kernels for Erf, LeakyRelu, Conv, ConvTranspose, AveragePool, GlobalAveragePool and Resize:
// those run in float32 with step 1e-2 and tolerance 2e-3 (float32 rounding of ~1e-7 per output, summed over
// the projection and divided by 2h, gives ~1e-5; the h² truncation term of smooth ops ~1e-5; 2e-3 leaves margin
// without hiding a wrong rule, whose error is O(1)). Linear ops (Conv, Resize...) have no truncation error.
import * as G from '../../models/graph/index.ts';
import type { GradCase } from './gradcheck.ts';

const positive = (x: number): number => 0.5 + Math.abs(x);
const awayFromZero = (x: number): number => x + Math.sign(x) * 0.1;
const ints = (values: number[][]): G.TensorData => G.tensorFrom('int64', [values.length, (values[0] as number[]).length], values.flat());

type Build = GradCase['build'];
const f64 = (op: string, name: string, shapes: number[][], build: Build, extra: Partial<GradCase> = {}): GradCase => ({ op, name, dtype: 'float64', shapes, build, ...extra });
const f32 = (op: string, name: string, shapes: number[][], build: Build, extra: Partial<GradCase> = {}): GradCase => ({ op, name, dtype: 'float32', shapes, build, ...extra });

/** Element-wise, matrix and reduction cases. */
export const arithmeticCases: GradCase[] = [
  f64('Add', 'Add broadcast', [[2, 3, 4], [3, 1]], (g, [a, b]) => G.add(g, a!, b!)),
  f64('Sub', 'Sub broadcast', [[4], [2, 1, 4]], (g, [a, b]) => G.sub(g, a!, b!)),
  f64('Mul', 'Mul broadcast', [[2, 3], [2, 1]], (g, [a, b]) => G.mul(g, a!, b!)),
  f64('Div', 'Div broadcast', [[2, 3], [3]], (g, [a, b]) => G.div(g, a!, b!), { prepare: positive }),
  f64('Pow', 'Pow base and exponent', [[2, 3], [3]], (g, [a, b]) => G.pow(g, a!, b!), { prepare: positive }),
  f64('Pow', 'Pow constant exponent', [[5]], (g, [a]) => G.pow(g, a!, 3)),
  f64('Where', 'Where', [[2, 3], [3]], (g, [a, b]) => G.where(g, G.greater(g, a!, 0), a!, b!)),
  f64('Max', 'Max of three', [[2, 1], [3], [2, 3]], (g, [a, b, c]) => G.max(g, a!, b!, c!)),
  f64('Min', 'Min', [[2, 3], [3]], (g, [a, b]) => G.min(g, a!, b!)),
  f64('Identity', 'Identity', [[3]], (g, [a]) => G.identity(g, a!)),
  f64('Neg', 'Neg', [[3]], (g, [a]) => G.neg(g, a!)),
  f64('Abs', 'Abs', [[6]], (g, [a]) => G.abs(g, a!), { prepare: awayFromZero }),
  f64('Sqrt', 'Sqrt', [[6]], (g, [a]) => G.sqrt(g, a!), { prepare: positive }),
  f64('Reciprocal', 'Reciprocal', [[6]], (g, [a]) => G.reciprocal(g, a!), { prepare: positive }),
  f64('Exp', 'Exp', [[6]], (g, [a]) => G.exp(g, a!)),
  f64('Log', 'Log', [[6]], (g, [a]) => G.log(g, a!), { prepare: positive }),
  f64('Relu', 'Relu', [[8]], (g, [a]) => G.relu(g, a!), { prepare: awayFromZero }),
  f32('LeakyRelu', 'LeakyRelu', [[8]], (g, [a]) => G.leakyRelu(g, a!, 0.2), { prepare: awayFromZero }),
  f64('Sigmoid', 'Sigmoid', [[6]], (g, [a]) => G.sigmoid(g, a!)),
  f64('Tanh', 'Tanh', [[6]], (g, [a]) => G.tanh(g, a!)),
  f32('Erf', 'Erf', [[6]], (g, [a]) => G.erf(g, a!)),
  f64('Sin', 'Sin', [[6]], (g, [a]) => G.sin(g, a!)),
  f64('Cos', 'Cos', [[6]], (g, [a]) => G.cos(g, a!)),
  f64('Clip', 'Clip both bounds', [[10]], (g, [a]) => G.clip(g, a!, { min: -0.5, max: 0.5 })),
  f64('Clip', 'Clip lower bound', [[10]], (g, [a]) => G.clip(g, a!, { min: -0.2 })),
  f32('Cast', 'Cast float32 to float64', [[5]], (g, [a]) => { const d = G.cast(g, a!, 'float64'); return G.mul(g, d, d); }),
  f64('MatMul', 'MatMul broadcast batch', [[2, 1, 3, 4], [3, 4, 2]], (g, [a, b]) => G.matmul(g, a!, b!)),
  f64('MatMul', 'MatMul sequence @ weight', [[2, 3, 4], [4, 5]], (g, [a, b]) => G.matmul(g, a!, b!)),
  f64('MatMul', 'MatMul vector @ matrix', [[4], [2, 4, 3]], (g, [a, b]) => G.matmul(g, a!, b!)),
  f64('MatMul', 'MatMul matrix @ vector', [[3, 4], [4]], (g, [a, b]) => G.matmul(g, a!, b!)),
  f64('MatMul', 'MatMul vector @ vector', [[4], [4]], (g, [a, b]) => G.matmul(g, a!, b!)),
  f64('Gemm', 'Gemm plain, bias [N]', [[3, 4], [4, 5], [5]], (g, [a, b, c]) => G.gemm(g, a!, b!, c!, { alpha: 0.5, beta: 2 })),
  f64('Gemm', 'Gemm transA transB, bias [M, 1]', [[4, 3], [5, 4], [3, 1]], (g, [a, b, c]) => G.gemm(g, a!, b!, c!, { transA: true, transB: true })),
  f64('Gemm', 'Gemm transA', [[4, 3], [4, 5]], (g, [a, b]) => G.gemm(g, a!, b!, undefined, { transA: true })),
  f64('Gemm', 'Gemm transB', [[3, 4], [5, 4]], (g, [a, b]) => G.gemm(g, a!, b!, undefined, { transB: true })),
  f64('ReduceSum', 'ReduceSum axes, keepdims', [[2, 3, 4]], (g, [a]) => G.reduceSum(g, a!, { axes: [0, 2] })),
  f64('ReduceSum', 'ReduceSum all', [[2, 3]], (g, [a]) => G.reduceSum(g, a!, { keepdims: false })),
  f64('ReduceMean', 'ReduceMean no keepdims', [[2, 3, 4]], (g, [a]) => G.reduceMean(g, a!, { axes: [1], keepdims: false })),
  f64('ReduceSumSquare', 'ReduceSumSquare', [[2, 3, 4]], (g, [a]) => G.reduceSumSquare(g, a!, { axes: [-1] })),
  f64('ReduceMax', 'ReduceMax', [[3, 4]], (g, [a]) => G.reduceMax(g, a!, { axes: [1], keepdims: false })),
  f64('Softmax', 'Softmax axis 1', [[2, 4, 3]], (g, [a]) => G.softmax(g, a!, 1)),
  f64('LogSoftmax', 'LogSoftmax', [[2, 5]], (g, [a]) => G.logSoftmax(g, a!)),
  f64('LayerNormalization', 'LayerNorm last axis', [[2, 3, 4], [4], [4]], (g, [x, s, b]) => G.layerNormalization(g, x!, s!, b!)),
  f64('LayerNormalization', 'LayerNorm from axis 1, no bias', [[2, 3, 2], [3, 2]], (g, [x, s]) => G.layerNormalization(g, x!, s!, undefined, { axis: 1, epsilon: 1e-3 })),
];

/** Cases for the element-moving and slicing ops. */
export const layoutCases: GradCase[] = [
  f64('Reshape', 'Reshape', [[2, 6]], (g, [a]) => G.mul(g, G.reshape(g, a!, [3, -1]), G.reshape(g, a!, [3, 4]))),
  f64('Transpose', 'Transpose', [[2, 3, 4]], (g, [a]) => G.mul(g, G.transpose(g, a!, [2, 0, 1]), G.transpose(g, a!, [2, 0, 1]))),
  f64('Unsqueeze', 'Unsqueeze', [[2, 3]], (g, [a]) => G.unsqueeze(g, a!, [0, -1])),
  f64('Squeeze', 'Squeeze', [[2, 1, 3]], (g, [a]) => G.squeeze(g, a!, [1])),
  f64('Expand', 'Expand', [[3, 1]], (g, [a]) => G.expand(g, a!, [2, 3, 4])),
  f64('Concat', 'Concat', [[2, 1], [2, 3]], (g, [a, b]) => { const c = G.concat(g, [a!, b!, a!], 1); return G.mul(g, c, c); }),
  f64('Split', 'Split, both parts', [[4, 3]], (g, [a]) => { const [p, q] = G.split(g, a!, [1, 3], 0); return G.mul(g, p!, q!); }),
  f64('Split', 'Split, one part used', [[4, 3]], (g, [a]) => G.split(g, a!, [3, 1], 0)[1]!),
  f64('DepthToSpace', 'DepthToSpace DCR', [[1, 8, 2, 3]], (g, [a]) => G.mul(g, G.depthToSpace(g, a!, 2), 2)),
  f64('DepthToSpace', 'DepthToSpace CRD', [[2, 8, 2, 2]], (g, [a]) => G.mul(g, G.depthToSpace(g, a!, 2, 'CRD'), 2)),
  f64('SpaceToDepth', 'SpaceToDepth', [[1, 2, 4, 6]], (g, [a]) => G.mul(g, G.spaceToDepth(g, a!, 2), 2)),
  f64('Slice', 'Slice step 1, two axes', [[4, 5]], (g, [a]) => G.slice(g, a!, { starts: [1, -3], ends: [3, Infinity], axes: [0, 1] })),
  f64('Slice', 'Slice step 2 and -1', [[5, 6]], (g, [a]) => G.slice(g, a!, { starts: [0, -1], ends: [Infinity, 0], axes: [0, 1], steps: [2, -2] })),
  f64('Pad', 'Pad constant, with a crop', [[2, 3, 4]], (g, [a]) => G.pad(g, a!, [0, 1, -1, 1, 2, 0], 'constant', 0.5)),
  f64('Pad', 'Pad reflect', [[1, 2, 4, 5]], (g, [a]) => G.pad(g, a!, [0, 0, 2, 1, 0, 0, 3, 4], 'reflect')),
  f64('Gather', 'Gather repeated and negative indices', [[3, 4]], (g, [a]) => G.gather(g, a!, g.constant(ints([[0, 2], [-1, 0]]), 'idx'), 1)),
  f64('Gather', 'Gather axis 0 (embedding)', [[5, 3]], (g, [a]) => G.gather(g, a!, g.constant(ints([[4, 1, 1]]), 'idx'), 0)),
];

/** Cases for the window ops and Resize (float-only kernels in ORT). */
export const windowCases: GradCase[] = [
  f32('Conv', 'Conv 3x3 pad 1 with bias', [[2, 3, 5, 5], [4, 3, 3, 3], [4]], (g, [x, w, b]) => G.conv(g, x!, w!, b!, { pads: [1, 1, 1, 1] })),
  f32('Conv', 'Conv stride 2, asymmetric pads', [[1, 2, 6, 5], [3, 2, 3, 2]], (g, [x, w]) => G.conv(g, x!, w!, undefined, { strides: [2, 2], pads: [1, 0, 0, 1] })),
  f32('Conv', 'Conv dilation 2, stride 3', [[1, 2, 8, 7], [2, 2, 2, 3]], (g, [x, w]) => G.conv(g, x!, w!, undefined, { dilations: [2, 2], strides: [3, 1] })),
  f32('Conv', 'Conv groups 2', [[2, 4, 4, 4], [6, 2, 3, 3]], (g, [x, w]) => G.conv(g, x!, w!, undefined, { group: 2, pads: [1, 1, 1, 1] })),
  f32('Conv', 'Conv depthwise 1-D', [[2, 3, 7], [3, 1, 3]], (g, [x, w]) => G.conv(g, x!, w!, undefined, { group: 3, strides: [2] })),
  f32('ConvTranspose', 'ConvTranspose stride 2, output padding', [[1, 3, 3, 3], [3, 2, 3, 3], [2]], (g, [x, w, b]) => G.convTranspose(g, x!, w!, b!, { strides: [2, 2], pads: [1, 1, 1, 1], outputPadding: [1, 0] })),
  f32('ConvTranspose', 'ConvTranspose groups 2, dilation 2', [[2, 4, 3, 2], [4, 1, 2, 2]], (g, [x, w]) => G.convTranspose(g, x!, w!, undefined, { group: 2, dilations: [2, 1] })),
  f32('AveragePool', 'AveragePool 3x3 stride 2 pad 1', [[1, 2, 5, 6]], (g, [x]) => G.averagePool(g, x!, [3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] })),
  f32('GlobalAveragePool', 'GlobalAveragePool', [[2, 3, 2, 3]], (g, [x]) => G.globalAveragePool(g, x!)),
  f32('Resize', 'Resize nearest x2', [[1, 2, 3, 3]], (g, [x]) => G.resize(g, x!, { mode: 'nearest', scales: [1, 1, 2, 2] })),
  f32('Resize', 'Resize nearest to sizes, asymmetric floor', [[1, 1, 4, 5]], (g, [x]) => G.resize(g, x!, { mode: 'nearest', sizes: [1, 1, 3, 7], coordinateTransformationMode: 'asymmetric', nearestMode: 'floor' })),
  f32('Resize', 'Resize linear x2 half_pixel', [[1, 2, 3, 4]], (g, [x]) => G.resize(g, x!, { mode: 'linear', scales: [1, 1, 2, 2] })),
  f32('Resize', 'Resize linear down, align_corners', [[1, 1, 6, 5]], (g, [x]) => G.resize(g, x!, { mode: 'linear', sizes: [1, 1, 4, 3], coordinateTransformationMode: 'align_corners' })),
  f32('Resize', 'Resize linear x1.5 pytorch_half_pixel', [[1, 1, 4, 4]], (g, [x]) => G.resize(g, x!, { mode: 'linear', scales: [1, 1, 1.5, 1.5], coordinateTransformationMode: 'pytorch_half_pixel' })),
  f32('Resize', 'Resize cubic x2 half_pixel', [[1, 1, 4, 5]], (g, [x]) => G.resize(g, x!, { mode: 'cubic', scales: [1, 1, 2, 2] })),
  f32('Resize', 'Resize cubic A=-0.5 exclude_outside', [[1, 1, 5, 4]], (g, [x]) => G.resize(g, x!, { mode: 'cubic', sizes: [1, 1, 7, 9], cubicCoeffA: -0.5, excludeOutside: 1 })),
];
