/** SD3Transformer2DModel (MMDiT) as a pure function: latent, timestep and text embeddings → velocity. */
import { Graph, concat, div, gather, int64s, reshape, shapeOf, transpose, type Dim, type Value } from '../../graph/index.ts';
import { linear } from '../internal/layers.ts';
import { Params, type BuildOptions } from '../internal/params.ts';
import type { WeightSource } from '../weights.ts';
import { adaNormContinuous, jointTransformerBlock } from './block.ts';
import type { MmditConfig } from './config.ts';
import { patchEmbed, timeTextEmbedding, type PatchGrid } from './embeddings.ts';

/** The transformer's inputs, named as diffusers' forward names them. */
export interface MmditInputs {
  /** Latent [N, C, H, W]; H and W static, or symbolic with the position table cropped at run time. */
  hiddenStates: Value;
  /** Timesteps [N] on the 0..1000 scale. */
  timestep: Value;
  /** Text tokens [N, L, joint_attention_dim]. */
  encoderHiddenStates: Value;
  /** Pooled text embedding [N, pooled_projection_dim]. */
  pooledProjections: Value;
}

/** [N, h·w, p·p·C] → [N, C, h·p, w·p] (einsum nhwpqc → nchpwq); sizes static or computed from the latent's shape. */
function unpatchify(g: Graph, x: Value, config: MmditConfig, grid: PatchGrid, latent: Value): Value {
  const { patchSize: ps, outChannels: c } = config;
  if (!('rowsCols' in grid)) {
    const patches = reshape(g, x, [0, grid.rows, grid.cols, ps, ps, c]);
    return reshape(g, transpose(g, patches, [0, 5, 1, 3, 2, 4]), [0, c, grid.rows * ps, grid.cols * ps]);
  }
  const [n, , h, w] = latent.shape as Dim[];
  const cells = concat(g, [g.constant(int64s([0]), 'keep'), grid.rowsCols, g.constant(int64s([ps, ps, c]), 'patch_cells')], 0);
  const patches = reshape(g, x, cells, [n as Dim, `${h}/${ps}`, `${w}/${ps}`, ps, ps, c]);
  const size = concat(g, [g.constant(int64s([0, c]), 'keep_channels'), gather(g, shapeOf(g, latent), [2, 3])], 0);
  return reshape(g, transpose(g, patches, [0, 5, 1, 3, 2, 4]), size, [n as Dim, c, h as Dim, w as Dim]);
}

/** The patch grid: static when the latent size is, otherwise computed from the latent's shape at run time. */
function patchGrid(g: Graph, x: Value, patch: number): PatchGrid {
  const [h, w] = x.shape.slice(2);
  if (typeof h === 'number' && typeof w === 'number') {
    if (h % patch !== 0 || w % patch !== 0) throw new Error(`MMDiT: latent ${h}×${w} is not a multiple of patch ${patch}`);
    return { rows: h / patch, cols: w / patch };
  }
  return { rowsCols: div(g, gather(g, shapeOf(g, x), [2, 3]), g.constant(int64s([patch, patch]), 'patch')) };
}

/** The MMDiT forward pass; returns the prediction [N, out_channels, H, W]. */
export function mmdit(g: Graph, weights: WeightSource, config: MmditConfig, inputs: MmditInputs, options: BuildOptions = {}): Value {
  const p = new Params(g, weights, options);
  const grid = patchGrid(g, inputs.hiddenStates, config.patchSize);
  let x = patchEmbed(p, config, inputs.hiddenStates, grid);
  const temb = timeTextEmbedding(p, inputs.timestep, inputs.pooledProjections);
  let context: Value | null = linear(p, 'context_embedder', inputs.encoderHiddenStates);
  for (let i = 0; i < config.numLayers; i++) {
    if (!context) throw new Error(`MMDiT: block ${i - 1} was context-pre-only but is not the last`);
    [x, context] = jointTransformerBlock(p, `transformer_blocks.${i}`, x, context, temb, config.numAttentionHeads, i === config.numLayers - 1);
  }
  x = linear(p, 'proj_out', adaNormContinuous(p, 'norm_out', x, temb));
  return unpatchify(g, x, config, grid, inputs.hiddenStates);
}

/** Sizes of a standalone transformer graph; any may be symbolic (the position table is then cropped at run time). */
export interface MmditGraphSize {
  height?: number | string;
  width?: number | string;
  batch?: number | string;
  textLength?: number | string;
}

/** A standalone graph with inputs `hidden_states`, `timestep`, `encoder_hidden_states`, `pooled_projections` and output `sample`. */
export function mmditGraph(weights: WeightSource, config: MmditConfig, size: MmditGraphSize, options: BuildOptions = {}): Graph {
  const g = new Graph('sd3_transformer');
  const n = size.batch ?? 'N';
  const inputs: MmditInputs = {
    hiddenStates: g.input('hidden_states', 'float32', [n, config.inChannels, size.height ?? 'H', size.width ?? 'W']),
    timestep: g.input('timestep', 'float32', [n]),
    encoderHiddenStates: g.input('encoder_hidden_states', 'float32', [n, size.textLength ?? 'L', config.jointAttentionDim]),
    pooledProjections: g.input('pooled_projections', 'float32', [n, config.pooledProjectionDim]),
  };
  g.output(mmdit(g, weights, config, inputs, options), 'sample');
  return g;
}
