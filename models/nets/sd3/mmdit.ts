/** SD3Transformer2DModel (MMDiT) as a pure function: latent, timestep and text embeddings → velocity. */
import { Graph, reshape, transpose, type Value } from '../../graph/index.ts';
import { linear } from '../internal/layers.ts';
import { Params, type BuildOptions } from '../internal/params.ts';
import type { WeightSource } from '../weights.ts';
import { adaNormContinuous, jointTransformerBlock } from './block.ts';
import type { MmditConfig } from './config.ts';
import { patchEmbed, timeTextEmbedding } from './embeddings.ts';

/** The transformer's inputs, named as diffusers' forward names them. */
export interface MmditInputs {
  /** Latent [N, C, H, W]; H and W must be static (the position table is cropped to them). */
  hiddenStates: Value;
  /** Timesteps [N] on the 0..1000 scale. */
  timestep: Value;
  /** Text tokens [N, L, joint_attention_dim]. */
  encoderHiddenStates: Value;
  /** Pooled text embedding [N, pooled_projection_dim]. */
  pooledProjections: Value;
}

/** [N, h·w, p·p·C] → [N, C, h·p, w·p] (einsum nhwpqc → nchpwq). */
function unpatchify(g: Graph, x: Value, config: MmditConfig, rows: number, cols: number): Value {
  const { patchSize: ps, outChannels: c } = config;
  const grid = reshape(g, x, [0, rows, cols, ps, ps, c]);
  return reshape(g, transpose(g, grid, [0, 5, 1, 3, 2, 4]), [0, c, rows * ps, cols * ps]);
}

function patchGrid(x: Value, patch: number): [number, number] {
  const [h, w] = x.shape.slice(2);
  if (typeof h !== 'number' || typeof w !== 'number') throw new Error(`MMDiT: latent height and width must be static, got [${x.shape.join(', ')}]`);
  if (h % patch !== 0 || w % patch !== 0) throw new Error(`MMDiT: latent ${h}×${w} is not a multiple of patch ${patch}`);
  return [h / patch, w / patch];
}

/** The MMDiT forward pass; returns the prediction [N, out_channels, H, W]. */
export function mmdit(g: Graph, weights: WeightSource, config: MmditConfig, inputs: MmditInputs, options: BuildOptions = {}): Value {
  const p = new Params(g, weights, options);
  const [rows, cols] = patchGrid(inputs.hiddenStates, config.patchSize);
  let x = patchEmbed(p, config, inputs.hiddenStates, rows, cols);
  const temb = timeTextEmbedding(p, inputs.timestep, inputs.pooledProjections);
  let context: Value | null = linear(p, 'context_embedder', inputs.encoderHiddenStates);
  for (let i = 0; i < config.numLayers; i++) {
    if (!context) throw new Error(`MMDiT: block ${i - 1} was context-pre-only but is not the last`);
    [x, context] = jointTransformerBlock(p, `transformer_blocks.${i}`, x, context, temb, config.numAttentionHeads, i === config.numLayers - 1);
  }
  x = linear(p, 'proj_out', adaNormContinuous(p, 'norm_out', x, temb));
  return unpatchify(g, x, config, rows, cols);
}

/** Sizes of a standalone transformer graph: latent size must be static; batch and text length may be symbolic. */
export interface MmditGraphSize {
  height: number;
  width: number;
  batch?: number | string;
  textLength?: number | string;
}

/** A standalone graph with inputs `hidden_states`, `timestep`, `encoder_hidden_states`, `pooled_projections` and output `sample`. */
export function mmditGraph(weights: WeightSource, config: MmditConfig, size: MmditGraphSize, options: BuildOptions = {}): Graph {
  const g = new Graph('sd3_transformer');
  const n = size.batch ?? 'N';
  const inputs: MmditInputs = {
    hiddenStates: g.input('hidden_states', 'float32', [n, config.inChannels, size.height, size.width]),
    timestep: g.input('timestep', 'float32', [n]),
    encoderHiddenStates: g.input('encoder_hidden_states', 'float32', [n, size.textLength ?? 'L', config.jointAttentionDim]),
    pooledProjections: g.input('pooled_projections', 'float32', [n, config.pooledProjectionDim]),
  };
  g.output(mmdit(g, weights, config, inputs, options), 'sample');
  return g;
}
