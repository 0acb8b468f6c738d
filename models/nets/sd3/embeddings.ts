/** The MMDiT's input embeddings: patches with cropped sin-cos positions, timestep + pooled-text conditioning. */
import { add, concat, cos, div, int64s, mul, reshape, silu, sin, sliceDynamic, sub, tensor, transpose, unsqueeze, type Dim, type Value } from '../../graph/index.ts';
import { conv2d, linear } from '../internal/layers.ts';
import type { Params } from '../internal/params.ts';
import { mmditInnerDim, type MmditConfig } from './config.ts';

/** One axis of sin-cos embeddings: [sin(pos·ω), cos(pos·ω)] with ω_i = 10000^(−i/(D/2)), in float64. */
function sinCos1d(dim: number, positions: readonly number[]): Float64Array[] {
  const half = dim / 2;
  const omega = Array.from({ length: half }, (_, i) => 1 / 10000 ** (i / half));
  return positions.map((pos) => {
    const row = new Float64Array(dim);
    omega.forEach((w, i) => { row[i] = Math.sin(pos * w); row[half + i] = Math.cos(pos * w); });
    return row;
  });
}

/**
 * diffusers' `get_2d_sincos_pos_embed` for a grid × grid table ([grid², dim], row-major over (row, column)):
 * positions scaled by baseSize / grid; the first half of each vector encodes the column, the second the row.
 */
export function sinCosPositionTable(dim: number, grid: number, baseSize: number): Float32Array {
  const coords = Array.from({ length: grid }, (_, i) => Math.fround(i / Math.fround(grid / baseSize)));
  const axis = sinCos1d(dim / 2, coords);
  const table = new Float32Array(grid * grid * dim);
  for (let r = 0; r < grid; r++) {
    for (let c = 0; c < grid; c++) {
      table.set(axis[c] as Float64Array, (r * grid + c) * dim);
      table.set(axis[r] as Float64Array, (r * grid + c) * dim + dim / 2);
    }
  }
  return table;
}

/** The centred rows × cols window of the max-size position table, as diffusers' `cropped_pos_embed` takes it. */
export function croppedPositions(table: Float32Array, maxSize: number, dim: number, rows: number, cols: number): Float32Array {
  if (rows > maxSize || cols > maxSize) throw new Error(`MMDiT: ${rows}×${cols} patches exceed pos_embed_max_size ${maxSize}`);
  const top = Math.floor((maxSize - rows) / 2);
  const left = Math.floor((maxSize - cols) / 2);
  const out = new Float32Array(rows * cols * dim);
  for (let r = 0; r < rows; r++) {
    const start = ((top + r) * maxSize + left) * dim;
    out.set(table.subarray(start, start + cols * dim), r * cols * dim);
  }
  return out;
}

/**
 * The patch grid: static rows and columns, or (for a latent of symbolic size) an int64 [2] value
 * holding them at run time.
 */
export type PatchGrid = { rows: number; cols: number } | { rowsCols: Value };

/** The centred crop of the position table for a grid known only at run time: a Slice with computed bounds. */
function croppedPositionsDynamic(p: Params, table: Float32Array, max: number, dim: number, rowsCols: Value, patches: Value): Value {
  const { g } = p;
  const grid = g.constant(tensor('float32', [max, max, dim], table), 'pos_embed_table');
  const top = div(g, sub(g, g.constant(int64s([max, max]), 'pos_max'), rowsCols), g.constant(int64s([2, 2]), 'two'));
  const crop = sliceDynamic(g, grid, top, add(g, top, rowsCols), [0, 1], [patches.shape[2] as Dim, patches.shape[3] as Dim]);
  return reshape(g, crop, [1, -1, dim]);
}

/** PatchEmbed: conv with kernel = stride = patch, flatten to [N, h·w, D], plus the cropped position table. */
export function patchEmbed(p: Params, config: MmditConfig, x: Value, grid: PatchGrid): Value {
  const { g } = p;
  const dim = mmditInnerDim(config);
  const patches = conv2d(p, 'pos_embed.proj', x, { stride: config.patchSize });
  const tokens = transpose(g, reshape(g, patches, [0, dim, -1]), [0, 2, 1]);
  const max = config.posEmbedMaxSize;
  const table = p.has('pos_embed.pos_embed')
    ? p.weights.get('pos_embed.pos_embed').data
    : sinCosPositionTable(dim, max, config.sampleSize / config.patchSize);
  if ('rowsCols' in grid) return add(g, tokens, croppedPositionsDynamic(p, table, max, dim, grid.rowsCols, patches));
  const positions = croppedPositions(table, max, dim, grid.rows, grid.cols);
  return add(g, tokens, g.constant(tensor('float32', [1, grid.rows * grid.cols, dim], positions), 'pos_embed_cropped'));
}

/** Frequencies of the 256-channel sinusoidal timestep projection, rounded step by step as torch does in float32. */
export function timestepFrequencies(channels = 256, maxPeriod = 10000): Float32Array {
  const half = channels / 2;
  const logPeriod = Math.fround(-Math.log(maxPeriod));
  return Float32Array.from({ length: half }, (_, i) => Math.fround(Math.exp(Math.fround(Math.fround(logPeriod * i) / half))));
}

/** Timesteps(256, flip_sin_to_cos=True, shift 0): t [N] → [cos(t·ω), sin(t·ω)] [N, 256]. */
export function timestepProjection(p: Params, timestep: Value): Value {
  const { g } = p;
  const freqs = timestepFrequencies();
  const angles = mul(g, unsqueeze(g, timestep, [1]), g.constant(tensor('float32', [1, freqs.length], freqs), 'timestep_freqs'));
  return concat(g, [cos(g, angles), sin(g, angles)], 1);
}

/** CombinedTimestepTextProjEmbeddings: MLP(timestep projection) + MLP(pooled text) → the conditioning vector [N, D]. */
export function timeTextEmbedding(p: Params, timestep: Value, pooled: Value): Value {
  const { g } = p;
  const mlp = (key: string, x: Value): Value => linear(p, `${key}.linear_2`, silu(g, linear(p, `${key}.linear_1`, x)));
  return add(g, mlp('time_text_embed.timestep_embedder', timestepProjection(p, timestep)), mlp('time_text_embed.text_embedder', pooled));
}
