/** The MMDiT's input embeddings: patches with cropped sin-cos positions, timestep + pooled-text conditioning. */
import { add, concat, cos, mul, reshape, silu, sin, tensor, transpose, unsqueeze, type Value } from '../../graph/index.ts';
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

/** PatchEmbed: conv with kernel = stride = patch, flatten to [N, h·w, D], plus the cropped position table. */
export function patchEmbed(p: Params, config: MmditConfig, x: Value, rows: number, cols: number): Value {
  const { g } = p;
  const dim = mmditInnerDim(config);
  const patches = conv2d(p, 'pos_embed.proj', x, { stride: config.patchSize });
  const tokens = transpose(g, reshape(g, patches, [0, dim, rows * cols]), [0, 2, 1]);
  const max = config.posEmbedMaxSize;
  const table = p.has('pos_embed.pos_embed')
    ? p.weights.get('pos_embed.pos_embed').data
    : sinCosPositionTable(dim, max, config.sampleSize / config.patchSize);
  const positions = croppedPositions(table, max, dim, rows, cols);
  return add(g, tokens, g.constant(tensor('float32', [1, rows * cols, dim], positions), 'pos_embed_cropped'));
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
